import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkHostKey, fingerprintSha256, formatHostToken, formatKnownHostsLine, listKnownKeyTypes,
  matchesHost, parseKnownHosts, readKeyType,
} from './known-hosts';

/** An ssh-ed25519 public key blob in SSH wire format. */
function makeEd25519Blob(): Buffer {
  const der = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  const raw = der.subarray(der.length - 32);
  const type = Buffer.from('ssh-ed25519');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(type.length);
  const keyLength = Buffer.alloc(4);
  keyLength.writeUInt32BE(raw.length);
  return Buffer.concat([header, type, keyLength, raw]);
}

function hashHost(token: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

const keyA = makeEd25519Blob();
const keyB = makeEd25519Blob();

describe('known_hosts', () => {
  it('formats host tokens and lines as OpenSSH does', () => {
    assert.equal(formatHostToken('db1', 22), 'db1');
    assert.equal(formatHostToken('127.0.0.1', 2222), '[127.0.0.1]:2222');
    const line = formatKnownHostsLine('127.0.0.1', 2222, keyA);
    assert.equal(line, `[127.0.0.1]:2222 ssh-ed25519 ${keyA.toString('base64')}`);
    assert.equal(readKeyType(keyA), 'ssh-ed25519');
  });

  it('prints SHA256 fingerprints like ssh-keygen -l', () => {
    // The fingerprint of a fixed key, as printed by `ssh-keygen -lf`.
    const blob = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIPBMvoCDTiivQ1Y2NT961qVPBtOErjRHPHWAPYrBiktx', 'base64');
    assert.equal(fingerprintSha256(blob), 'SHA256:ecJ8VWYEfQPXYdXEyl6UqY3FpuJqsH4xY20DxDaI1YU');
  });

  it('parses entries and skips comments and malformed lines', () => {
    const text = [
      '# comment',
      '',
      `db1,db1.example.com ssh-ed25519 ${keyA.toString('base64')} user@laptop`,
      'garbage',
      `db2 ssh-rsa ${keyA.toString('base64')}`, // type does not match the blob
      `@revoked * ssh-ed25519 ${keyB.toString('base64')}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    assert.equal(entries.length, 2);
    assert.equal(entries[0]?.lineNumber, 3);
    assert.equal(entries[1]?.marker, '@revoked');
  });

  it('matches plain, bracketed, wildcard, negated and hashed host fields', () => {
    assert.ok(matchesHost('db1,db2', 'db2', 22));
    assert.ok(!matchesHost('db1', 'db1', 2222));
    assert.ok(matchesHost('[db1]:2222', 'db1', 2222));
    assert.ok(matchesHost('*.example.com,!bad.example.com', 'DB.example.com', 22));
    assert.ok(!matchesHost('*.example.com,!bad.example.com', 'bad.example.com', 22));
    assert.ok(matchesHost('db?', 'db7', 22));
    assert.ok(matchesHost(hashHost('[127.0.0.1]:2222'), '127.0.0.1', 2222));
    assert.ok(!matchesHost(hashHost('[127.0.0.1]:2222'), '127.0.0.1', 2223));
    assert.ok(!matchesHost('|1|broken', 'x', 22));
  });

  it('tells a known key from an unknown host and a changed key', () => {
    const entries = parseKnownHosts(`${hashHost('[127.0.0.1]:2222')} ssh-ed25519 ${keyA.toString('base64')}`);
    assert.deepEqual(checkHostKey(entries, '127.0.0.1', 2222, keyA), { kind: 'match' });
    assert.deepEqual(checkHostKey(entries, '127.0.0.1', 2223, keyA), { kind: 'unknown' });
    const changed = checkHostKey(entries, '127.0.0.1', 2222, keyB);
    assert.equal(changed.kind, 'mismatch');
    assert.ok(changed.kind === 'mismatch' && changed.lineNumbers[0] === 1 && !changed.revoked);
    assert.deepEqual(listKnownKeyTypes(entries, '127.0.0.1', 2222), ['ssh-ed25519']);
  });

  it('refuses a revoked key even when it is also listed as the host key', () => {
    const entries = parseKnownHosts([
      `db1 ssh-ed25519 ${keyA.toString('base64')}`,
      `@revoked db1 ssh-ed25519 ${keyA.toString('base64')}`,
    ].join('\n'));
    const verdict = checkHostKey(entries, 'db1', 22, keyA);
    assert.ok(verdict.kind === 'mismatch' && verdict.revoked);
  });
});
