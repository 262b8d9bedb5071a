/**
 * Proves that the data folder reached over SSH belongs to the server that
 * conninfo reaches, by the system identifier at the head of its
 * global/pg_control. The 8 bytes come with the remote listing
 * (remote-listing.ts), or by a command of their own while a spread checkpoint
 * still runs; copies nothing.
 */
import { EngineError } from '../../../../shared/errors';
import { shellNoiseError } from '../../transport/shell-noise';
import type { Transport } from '../../transport/transport';
import { quoteShellArg } from './shell-quote';

/** What the head of pg_control must be read as: its first 8 bytes. */
export function controlFileHead(dataDirectory: string): { path: string; bytes: number } {
  return { path: `${dataDirectory.replace(/\/+$/, '')}/global/pg_control`, bytes: 8 };
}

/** Throws unless dataDirectory/global/pg_control on the SSH host has systemId (one command of its own). */
export async function checkSameSystem(transport: Pick<Transport, 'description' | 'exec'>, dataDirectory: string, systemId: string, signal: AbortSignal): Promise<void> {
  const head = controlFileHead(dataDirectory);
  const result = await transport.exec(`head -c ${head.bytes} ${quoteShellArg(head.path)}`, { signal });
  if (result.code === 0 && result.stdout.length > head.bytes) throw shellNoiseError(transport.description, result.stdout.subarray(0, result.stdout.length - head.bytes));
  const read = result.code === 0 && result.stdout.length === head.bytes
    ? { bytes: result.stdout }
    : { unreadable: result.stderr.toString('utf8').trim() || `exit ${result.code}` };
  verifySameSystem(read, { description: transport.description, dataDirectory, systemId });
}

/** Throws unless the head of pg_control, read over SSH, has systemId. */
export function verifySameSystem(head: { bytes: Buffer } | { unreadable: string },
  where: { description: string; dataDirectory: string; systemId: string }): void {
  const file = controlFileHead(where.dataDirectory).path;
  if ('unreadable' in head) {
    throw new EngineError('io-failed', `unable to read '${file}' on ${where.description}: ${head.unreadable.toLowerCase()}`,
      'check that ssh_command logs in to the PostgreSQL host as a user that can read the data folder (usually postgres)');
  }
  const remote = readSystemIdentifiers(head.bytes);
  if (!remote.includes(where.systemId)) {
    throw new EngineError(
      'config-invalid',
      `the data folder '${where.dataDirectory}' on ${where.description} belongs to system ${remote[0]}, not to the server conninfo reaches (system ${where.systemId})`,
      'make ssh_command and conninfo point at the same PostgreSQL server',
    );
  }
}

/** pg_control starts with the 64-bit system identifier in the server's byte order: both readings. */
export function readSystemIdentifiers(head: Buffer): string[] {
  return [head.readBigUInt64LE(0).toString(), head.readBigUInt64BE(0).toString()];
}
