/**
 * SHA-256 of files on the PostgreSQL host (`sha256sum` fed a NUL-separated
 * list), for files whose size and mtime match the previous backup but that
 * changed after it started: the content decides, as rsync --checksum does
 * for Barman. Reads files remotely; copies nothing.
 */
import type { Transport } from '../../transport/transport';
import type { RemoteEntry } from './remote-listing';

export interface RemoteChecksums {
  /** remote path → lower-case hex SHA-256; files that vanished or could not be read are absent */
  byPath: Map<string, string>;
  /** set when the host has no usable sha256sum: every file must be sent */
  unavailable: string | null;
}

export const remoteChecksumCommand = 'LC_ALL=C xargs -0 -r sha256sum -z --';

export async function hashRemoteFiles(transport: Pick<Transport, 'description' | 'exec'>, files: readonly RemoteEntry[], signal: AbortSignal): Promise<RemoteChecksums> {
  const byPath = new Map<string, string>();
  if (files.length === 0) return { byPath, unavailable: null };
  const result = await transport.exec(remoteChecksumCommand, {
    signal,
    stdin: Buffer.from(files.map((file) => `${file.remotePath}\0`).join(''), 'utf8'),
  });
  // 127: no sha256sum (or xargs); an unknown -z: a coreutils older than 8.22.
  if (result.code === 127 || result.code === 126 || /invalid option|unrecognized option/.test(result.stderr.toString('utf8'))) {
    return { byPath, unavailable: result.stderr.toString('utf8').trim().split('\n')[0] ?? `exit ${result.code}` };
  }
  for (const record of result.stdout.toString('utf8').split('\0')) {
    // "<64 hex>  <path>" (a space and '*' in binary mode)
    const match = /^\\?([0-9a-f]{64}) [ *](.*)$/s.exec(record);
    if (match) byPath.set(match[2]!, match[1]!);
  }
  return { byPath, unavailable: null };
}
