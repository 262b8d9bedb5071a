/**
 * The safety checks before a restore writes anything: DEST must be empty (or
 * --force), no postmaster may run there, and its file system must have room for
 * the plan's bytes. Reads only; a refusal is 'restore-refused' or 'disk-full'.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { isProcessAlive } from '../process/process-alive';

/** Headroom on top of the plan's bytes: recovery writes new WAL and the copy needs folders. */
const freeSpaceMargin = 64 * 1024 * 1024;

export interface DestState {
  exists: boolean;
  entries: string[];
}

export function readDestState(dest: string): DestState {
  if (!existsSync(dest)) return { exists: false, entries: [] };
  if (!statSync(dest).isDirectory()) {
    throw new EngineError('restore-refused', `the destination '${dest}' exists and is not a folder`, 'give the path of an empty folder, or of one to create');
  }
  return { exists: true, entries: readdirSync(dest).filter((name) => name !== 'lost+found') };
}

/** Refuses a DEST in which a postmaster runs, whatever --force says. */
export function checkNoPostmaster(dest: string): void {
  const pidFile = path.join(dest, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
    throw new EngineError('restore-refused', `a postmaster (pid ${pid}) is running in '${dest}'`,
      `stop it first (pg_ctl -D ${dest} stop), or restore into another folder`);
  }
}

export function checkDestEmpty(dest: string, state: DestState, force: boolean): void {
  if (state.entries.length === 0 || force) return;
  const shown = state.entries.slice(0, 3).join(', ') + (state.entries.length > 3 ? ', …' : '');
  throw new EngineError('restore-refused', `the destination '${dest}' is not empty (${shown})`,
    'restore into an empty or new folder, or pass --force to delete what it holds first');
}

/** Checks the file system that will hold DEST (its nearest existing ancestor) for `bytes` plus a margin. */
export async function checkFreeSpace(dest: string, bytes: number): Promise<{ availableBytes: number }> {
  let probe = path.resolve(dest);
  while (!existsSync(probe)) probe = path.dirname(probe);
  const stats = await statfs(probe);
  const availableBytes = Number(stats.bavail) * Number(stats.bsize);
  if (availableBytes < bytes + freeSpaceMargin) {
    throw new EngineError('disk-full',
      `not enough free space for the restore at '${dest}': ${formatMiB(bytes + freeSpaceMargin)} needed, ${formatMiB(availableBytes)} available`,
      'free space there, or restore to another file system');
  }
  return { availableBytes };
}


function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
