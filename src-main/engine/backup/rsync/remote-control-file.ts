/**
 * Proves that the data folder reached over SSH belongs to the server that
 * conninfo reaches, by the system identifier at the head of its
 * global/pg_control, before a backup starts. Reads 8 bytes remotely; copies nothing.
 */
import { EngineError } from '../../../../shared/errors';
import type { Transport } from '../../transport/transport';
import { quoteShellArg } from './shell-quote';

/** Throws unless dataDirectory/global/pg_control on the SSH host has systemId. */
export async function checkSameSystem(transport: Pick<Transport, 'description' | 'exec'>, dataDirectory: string, systemId: string, signal: AbortSignal): Promise<void> {
  const file = `${dataDirectory.replace(/\/+$/, '')}/global/pg_control`;
  const result = await transport.exec(`head -c 8 ${quoteShellArg(file)}`, { signal });
  if (result.code !== 0 || result.stdout.length !== 8) {
    const reason = result.stderr.toString('utf8').trim() || `exit ${result.code}`;
    throw new EngineError('io-failed', `unable to read '${file}' on ${transport.description}: ${reason.toLowerCase()}`,
      'check that ssh_command logs in to the PostgreSQL host as a user that can read the data folder (usually postgres)');
  }
  const remote = readSystemIdentifiers(result.stdout);
  if (!remote.includes(systemId)) {
    throw new EngineError(
      'config-invalid',
      `the data folder '${dataDirectory}' on ${transport.description} belongs to system ${remote[0]}, not to the server conninfo reaches (system ${systemId})`,
      'make ssh_command and conninfo point at the same PostgreSQL server',
    );
  }
}

/** pg_control starts with the 64-bit system identifier in the server's byte order: both readings. */
export function readSystemIdentifiers(head: Buffer): string[] {
  return [head.readBigUInt64LE(0).toString(), head.readBigUInt64BE(0).toString()];
}
