/**
 * OpenSSH known_hosts files: parsing (plain, wildcard and hashed `|1|` host
 * fields, @revoked markers), checking a server's key against them, and the
 * fingerprint and line formats users see. Pure; the SSH transport does the I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  marker: '@revoked' | '@cert-authority' | null;
  hostField: string;
  keyType: string;
  keyBlob: Buffer;
  lineNumber: number;
}

export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  /** The host is known with other keys (or this key is revoked): refuse loudly. */
  | { kind: 'mismatch'; knownKeyTypes: string[]; lineNumbers: number[]; revoked: boolean };

/** Parses a known_hosts text; malformed lines are skipped as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0];
      fields.shift();
    } else if (fields[0]?.startsWith('@')) {
      return;
    }
    const [hostField, keyType, keyBase64] = fields;
    if (!hostField || !keyType || !keyBase64) return;
    const keyBlob = Buffer.from(keyBase64, 'base64');
    if (keyBlob.length === 0 || readKeyType(keyBlob) !== keyType) return;
    entries.push({ marker, hostField, keyType, keyBlob, lineNumber: index + 1 });
  });
  return entries;
}

/** The name OpenSSH looks a host up by: `host` on port 22, `[host]:port` otherwise. */
export function formatHostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** True when an entry's host field (patterns or a `|1|salt|hash`) names host:port. */
export function matchesHost(hostField: string, host: string, port: number): boolean {
  const token = formatHostToken(host, port);
  if (hostField.startsWith('|1|')) {
    const [, , salt, hash] = hostField.split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of hostField.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!matchesPattern(body, token)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** Checks the key a server presented against the entries for host:port. */
export function checkHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const forHost = entries.filter(
    (entry) => entry.marker !== '@cert-authority' && matchesHost(entry.hostField, host, port),
  );
  const revoked = forHost.filter((entry) => entry.marker === '@revoked' && entry.keyBlob.equals(keyBlob));
  if (revoked.length > 0) {
    return { kind: 'mismatch', knownKeyTypes: [], lineNumbers: revoked.map((e) => e.lineNumber), revoked: true };
  }
  const plain = forHost.filter((entry) => entry.marker === null);
  if (plain.some((entry) => entry.keyBlob.equals(keyBlob))) return { kind: 'match' };
  if (plain.length === 0) return { kind: 'unknown' };
  return {
    kind: 'mismatch',
    knownKeyTypes: [...new Set(plain.map((entry) => entry.keyType))],
    lineNumbers: plain.map((entry) => entry.lineNumber),
    revoked: false,
  };
}

/** Key types known for host:port, so the handshake can ask for those first. */
export function listKnownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types = entries
    .filter((entry) => entry.marker === null && matchesHost(entry.hostField, host, port))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** One known_hosts line pinning keyBlob for host:port. */
export function formatKnownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  const keyType = readKeyType(keyBlob);
  if (!keyType) throw new Error('ssh public key blob has no key type');
  return `${formatHostToken(host, port)} ${keyType} ${keyBlob.toString('base64')}`;
}

/** The key type at the start of an SSH wire-format public key (a length-prefixed string). */
export function readKeyType(keyBlob: Buffer): string | null {
  if (keyBlob.length < 4) return null;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return null;
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH glob: `*` any run, `?` one character; case-insensitive like host names. */
function matchesPattern(pattern: string, text: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i').test(text);
}
