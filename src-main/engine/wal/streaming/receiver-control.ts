/**
 * Everything around a running streaming archiver: stop the process holding a
 * server's archiver lock (SIGTERM, then wait), reset its streaming state, and
 * create or drop its replication slot. Never streams; receiver.ts does.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import type { ServerConfig } from '../../config/load';
import { connectPostgres } from '../../postgres/connect';
import { createPhysicalSlot, dropReplicationSlot, readPhysicalSlot, readServerVersionNum } from '../../postgres/replication';
import { readArchiverLock } from '../archiver-lock';
import { writeResetMarker } from './local-state';
import { isProcessAlive } from '../../process/process-alive';

export interface StopResult {
  /** the pid that was stopped, or null when none ran */
  pid: number | null;
}

/** Sends SIGTERM to the server's running receive-wal and waits until it has exited. */
export async function stopWalReceiver(server: ServerConfig, timeoutMs = 60_000): Promise<StopResult> {
  const holder = readArchiverLock(server.backupDirectory);
  if (!holder) return { pid: null };
  if (holder.owner === 'app') {
    // SIGTERM would stop the whole app or serve host, not just its archiver.
    throw new EngineError('archiver-running', `the archiver of server '${server.name}' runs inside the Barkeep app or \`barkeep serve\` (pid ${holder.pid}), not in receive-wal`,
      `set streaming_archiver = off in ${server.file} (the app stops it), or stop the app`);
  }
  try {
    process.kill(holder.pid, 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { pid: null };
    throw new EngineError('archiver-failed', `unable to signal receive-wal of server '${server.name}' (pid ${holder.pid}): ${(error as Error).message}`,
      'run the command as the user that started receive-wal');
  }
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(holder.pid)) {
    if (Date.now() > deadline) {
      throw new EngineError('archiver-failed', `receive-wal of server '${server.name}' (pid ${holder.pid}) did not stop within ${Math.round(timeoutMs / 1000)} s`,
        `kill it with \`kill -9 ${holder.pid}\`: the next start resumes without loss`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { pid: holder.pid };
}

/**
 * Drops the streaming state: removes the .partial files, so the next start
 * follows the slot (or the server) instead of the streaming folder and the
 * archive. Refused while receive-wal runs.
 */
export function resetWalReceiver(server: ServerConfig): { removed: string[] } {
  const holder = readArchiverLock(server.backupDirectory);
  if (holder) {
    throw new EngineError('archiver-running', `receive-wal for server '${server.name}' is running (pid ${holder.pid})`,
      `stop it first with \`barkeep receive-wal --stop ${server.name}\``);
  }
  mkdirSync(server.streamingWalsDirectory, { recursive: true, mode: 0o700 });
  const removed = readdirSync(server.streamingWalsDirectory).filter((file) => /^[0-9A-F]{24}\.partial$/.test(file));
  for (const file of removed) rmSync(path.join(server.streamingWalsDirectory, file), { force: true });
  writeResetMarker(server.streamingWalsDirectory);
  return { removed };
}

/** CREATE_REPLICATION_SLOT for the server's slot_name; refused when it exists. */
export async function createReceiverSlot(server: ServerConfig, signal?: AbortSignal): Promise<string> {
  const slot = requireSlotName(server);
  await withReplicationSession(server, signal, async (client) => {
    const versionNum = await readServerVersionNum(client);
    if (await readPhysicalSlot(client, slot, versionNum, server.conninfo, signal)) {
      throw new EngineError('slot-failed', `replication slot '${slot}' already exists on server '${server.name}'`,
        `use it as it is, or drop it first with \`barkeep receive-wal --drop-slot ${server.name}\``);
    }
    await createPhysicalSlot(client, slot);
  });
  return slot;
}

/** DROP_REPLICATION_SLOT for the server's slot_name; refused when it does not exist or is in use. */
export async function dropReceiverSlot(server: ServerConfig, signal?: AbortSignal): Promise<string> {
  const slot = requireSlotName(server);
  await withReplicationSession(server, signal, async (client) => {
    const versionNum = await readServerVersionNum(client);
    if (!(await readPhysicalSlot(client, slot, versionNum, server.conninfo, signal))) {
      throw new EngineError('slot-failed', `replication slot '${slot}' does not exist on server '${server.name}'`, 'nothing to drop');
    }
    await dropReplicationSlot(client, slot);
  });
  return slot;
}

function requireSlotName(server: ServerConfig): string {
  if (server.slotName === null) {
    throw new EngineError('slot-failed', `server '${server.name}' has no slot_name`, `set slot_name (e.g. slot_name = barkeep) in ${server.file}`);
  }
  return server.slotName;
}

async function withReplicationSession<T>(server: ServerConfig, signal: AbortSignal | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectPostgres(server.streamingConninfo ?? server.conninfo, { replication: true, signal, applicationName: server.streamingArchiverName });
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

