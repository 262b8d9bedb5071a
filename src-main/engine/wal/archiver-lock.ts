/**
 * The one-archiver-per-server lock: a receive-wal process holds
 * <backup_directory>/receive-wal.lock (JSON: pid, host, start time) while it
 * runs. A lock whose process is gone is stale and taken over. `check` reads it
 * to say whether receive-wal runs; `receive-wal --stop` signals its pid.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { isProcessAlive } from '../process/process-alive';

export interface ArchiverLockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** 'receive-wal': a dedicated process; 'app': an archiver inside the app or `barkeep serve` (older locks: absent) */
  owner?: ArchiverOwner;
}

export type ArchiverOwner = 'receive-wal' | 'app';

export interface ArchiverLock {
  readonly file: string;
  release(): void;
}

export function archiverLockFile(backupDirectory: string): string {
  return path.join(backupDirectory, 'receive-wal.lock');
}

/** The running archiver of a server, or null when none runs (a stale lock counts as none). */
export function readArchiverLock(backupDirectory: string): ArchiverLockInfo | null {
  let info: ArchiverLockInfo;
  try {
    info = JSON.parse(readFileSync(archiverLockFile(backupDirectory), 'utf8')) as ArchiverLockInfo;
  } catch {
    return null;
  }
  return info.host === os.hostname() && isProcessAlive(info.pid) ? info : null;
}

export function acquireArchiverLock(server: string, backupDirectory: string, owner: ArchiverOwner = 'receive-wal'): ArchiverLock {
  mkdirSync(backupDirectory, { recursive: true, mode: 0o700 });
  const file = archiverLockFile(backupDirectory);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      const info: ArchiverLockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), owner };
      writeSync(fd, JSON.stringify(info));
      fsyncSync(fd);
      closeSync(fd);
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readArchiverLock(backupDirectory);
      if (holder) {
        throw new EngineError('archiver-running', `receive-wal for server '${server}' is already running (pid ${holder.pid}${holder.owner === 'app' ? ', inside the Barkeep app or `barkeep serve`' : ''}, since ${holder.startedAt})`,
          holder.owner === 'app' ? `that archiver stops with the app; to stop it for good set streaming_archiver = off` : `stop it with \`barkeep receive-wal --stop ${server}\``);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new EngineError('archiver-failed', `unable to take the receive-wal lock '${file}'`, 'remove the file if no receive-wal runs');
}

