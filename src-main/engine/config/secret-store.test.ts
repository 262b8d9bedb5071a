/**
 * Unit tests for the secret store on a real temporary folder: owner-only
 * modes, what holds() tells without opening, a sealer's output on disk, files
 * another door sealed, and files others can read refused.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { FileSecretStore, secretsFolder, type SecretSealer } from './secret-store';

const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-secrets-'));
after(() => rmSync(home, { recursive: true, force: true }));
const pg = ServerName.parse('pg');

test('secrets go to <home>/secrets/<server>.json, 0600 in a 0700 folder, and come back', () => {
  const store = new FileSecretStore(secretsFolder(home));
  assert.deepEqual(store.read(pg), {});
  assert.deepEqual(store.holds(pg), { password: false, sshKeyPassphrase: false });
  store.write(pg, { password: 'pa ss:word' });
  const file = path.join(home, 'secrets', 'pg.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(path.join(home, 'secrets')).mode & 0o777, 0o700);
  assert.deepEqual(store.read(pg), { password: 'pa ss:word' });
  assert.deepEqual(store.holds(pg), { password: true, sshKeyPassphrase: false });

  store.write(pg, { password: 'other', sshKeyPassphrase: 'phrase' });
  assert.deepEqual(store.read(pg), { password: 'other', sshKeyPassphrase: 'phrase' });
  // Nothing left to keep: the file goes.
  store.write(pg, {});
  assert.equal(store.remove(pg), false);
  assert.deepEqual(store.holds(pg), { password: false, sshKeyPassphrase: false });
});

test('an existing folder open to others is closed to 0700 on write', () => {
  const folder = path.join(home, 'open-secrets');
  mkdirSync(folder, { mode: 0o755 });
  chmodSync(folder, 0o755);
  new FileSecretStore(folder).write(pg, { password: 'x' });
  assert.equal(statSync(folder).mode & 0o777, 0o700);
});

test('a sealer\'s output is what lands on disk; names of held secrets stay readable, values do not', () => {
  // A toy sealer (reversal + marker): enough to see the store writes only sealed text.
  const reversing: SecretSealer = {
    sealing: 'reversed',
    seal: (plain) => `R:${[...plain].reverse().join('')}`,
    open: (sealed) => [...sealed.slice(2)].reverse().join(''),
  };
  const folder = path.join(home, 'sealed');
  const sealed = new FileSecretStore(folder, reversing);
  sealed.write(pg, { password: 'hunter2' });
  const text = readFileSync(path.join(folder, 'pg.json'), 'utf8');
  assert.ok(!text.includes('hunter2'), 'the value is not in the file as typed');
  assert.deepEqual(JSON.parse(text), { format: 1, sealing: 'reversed', holds: ['password'], payload: `R:${[...'{"password":"hunter2"}'].reverse().join('')}` });
  assert.deepEqual(sealed.read(pg), { password: 'hunter2' });

  // The plain store knows a password is there, but cannot open it, and says so without the value.
  const plain = new FileSecretStore(folder);
  assert.deepEqual(plain.holds(pg), { password: true, sshKeyPassphrase: false });
  assert.throws(() => plain.read(pg), (error: unknown) => error instanceof EngineError && error.code === 'io-failed'
    && /sealed with reversed, which this process cannot open/.test(error.message) && !error.message.includes('hunter2'));
});

test('a secrets file others can read is refused, as libpq refuses such a pgpass file', () => {
  const folder = path.join(home, 'leaky');
  const store = new FileSecretStore(folder);
  store.write(pg, { password: 'x' });
  chmodSync(path.join(folder, 'pg.json'), 0o644);
  assert.throws(() => store.read(pg), (error: unknown) => error instanceof EngineError
    && error.message === `secrets file '${path.join(folder, 'pg.json')}' can be read by other users (mode 0644)`);
});

test('a file that is not ours is refused without echoing it', () => {
  const folder = path.join(home, 'garbage');
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(path.join(folder, 'pg.json'), 'password=hunter2', { mode: 0o600 });
  assert.throws(() => new FileSecretStore(folder).read(pg), (error: unknown) => error instanceof EngineError
    && /is not valid JSON$/.test(error.message) && !error.message.includes('hunter2'));
});
