/**
 * Starting a server's streaming archiver for the scheduler, two ways behind
 * one interface: in this process (archiver-supervisor.ts: the app, `serve`,
 * `cron --daemon`), or as a detached `barkeep receive-wal SERVER` process that
 * outlives a one-shot `barkeep cron`, as Barman's cron does, writing to
 * <backup_directory>/receive-wal.log. Either way a launch ends when the
 * archiver holds its lock, or with the reason it did not start.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerConfig } from '../config/load';
import { readArchiverLock } from '../wal/archiver-lock';

export type ReceiverLaunch =
  | { ok: true; pid: number; detail: string }
  | { ok: false; detail: string };

export interface ReceiverLauncher {
  /** Starts the archiver of a server that wants one and whose lock is free; resolves once it holds the lock or failed. */
  launch(server: ServerConfig): Promise<ReceiverLaunch>;
  /** Stops the archivers running in this process for servers not in `wanted`; detached ones are their own processes. */
  retain(wanted: readonly ServerConfig[]): void;
  /** Stops every archiver running in this process. */
  stop(): void;
}

/** How to run `barkeep`: the executable and the arguments before the verb (e.g. node, the script, -c FILE). */
export interface BarkeepCommand {
  executable: string;
  args: readonly string[];
  cwd: string;
}

const lockWaitMs = 15_000;

export function wantsStreaming(server: ServerConfig): boolean {
  return server.active && server.streamingArchiver && server.slotName !== null;
}

export function receiverLogFile(server: ServerConfig): string {
  return path.join(server.backupDirectory, 'receive-wal.log');
}

/** Waits until process `pid` holds the server's archiver lock (true), `ended` settles, or the wait runs out (false). */
export async function waitForArchiverLock(server: ServerConfig, pid: number, ended: Promise<unknown>, timeoutMs = lockWaitMs): Promise<boolean> {
  let over = false;
  void ended.finally(() => {
    over = true;
  }).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!over && Date.now() < deadline) {
    if (readArchiverLock(server.backupDirectory)?.pid === pid) return true;
    await sleep(100);
  }
  return readArchiverLock(server.backupDirectory)?.pid === pid;
}

/** One detached `barkeep receive-wal SERVER` per launch; it keeps running after the caller exits. */
export class DetachedReceiverLauncher implements ReceiverLauncher {
  constructor(private readonly command: BarkeepCommand) {}

  async launch(server: ServerConfig): Promise<ReceiverLaunch> {
    const logFile = receiverLogFile(server);
    mkdirSync(server.backupDirectory, { recursive: true, mode: 0o700 });
    const log = openSync(logFile, 'a', 0o600);
    let child;
    try {
      child = spawn(this.command.executable, [...this.command.args, 'receive-wal', server.name], {
        cwd: this.command.cwd, detached: true, stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    child.unref();
    const pid = child.pid;
    const ended = new Promise<{ code: number | null; signal: string | null; error?: Error }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    if (pid === undefined) {
      const { error } = await ended;
      return { ok: false, detail: `unable to start receive-wal: ${error?.message ?? 'no process id'}` };
    }
    if (await waitForArchiverLock(server, pid, ended)) return { ok: true, pid, detail: `pid ${pid}, log ${logFile}` };
    const exit = await Promise.race([ended, sleep(0).then(() => null)]);
    if (exit === null) return { ok: true, pid, detail: `pid ${pid} (not holding its lock yet), log ${logFile}` };
    const how = exit.error ? exit.error.message : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    return { ok: false, detail: `receive-wal (pid ${pid}) ended at once (${how})${lastLogLine(logFile)}; see ${logFile}` };
  }

  retain(): void {}

  stop(): void {}
}

/** The last line of the log, for the failure message: usually the receive-wal error. */
function lastLogLine(logFile: string): string {
  let fd: number | null = null;
  try {
    fd = openSync(logFile, 'r');
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const lines = tail.toString('utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('HINT:'));
    const last = lines.at(-1);
    return last === undefined ? '' : `: ${last}`;
  } catch {
    return '';
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
