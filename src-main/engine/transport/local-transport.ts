/**
 * The Transport interface on this machine: commands through `/bin/sh -c`
 * (commands are shell strings by contract) and files through node:fs. Runs as
 * the current OS user; it never switches users.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { EngineError } from '../../../shared/errors';
import { execCollecting, holdByPausing, readFileType, wrapUntilClosed } from './transport';
import type { DirEntry, ExecOptions, ExecResult, ExecStream, FileStat, Transport } from './transport';

/** Returns a transport for the local machine. */
export function createLocalTransport(): Transport {
  return {
    description: 'local',
    exec: execLocal,
    execStream: execStreamLocal,
    stat: statLocal,
    list: listLocal,
    readStream: async (file, opts) => openFile(file, () => createReadStream(file, { start: opts?.start ?? 0 })),
    writeStream: async (file, mode = 0o600) => wrapUntilClosed(await openFile(file, () => createWriteStream(file, { mode }))),
    close: async () => {},
  };
}

function execLocal(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return execCollecting(execStreamLocal, command, opts);
}

async function execStreamLocal(command: string, opts: { signal?: AbortSignal } = {}): Promise<ExecStream> {
  if (opts.signal?.aborted) throw cancelled(command);
  // Its own process group, so cancelling reaches the shell's children too
  // (a `sleep` left behind would hold the pipes open).
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const abort = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // The group is gone already.
    }
  };
  opts.signal?.addEventListener('abort', abort, { once: true });
  const done = new Promise<{ code: number; signal: string | null }>((resolve, reject) => {
    child.once('error', (error) => {
      opts.signal?.removeEventListener('abort', abort);
      reject(new EngineError('io-failed', `unable to run local command '${command}': ${error.message}`, undefined, { cause: error }));
    });
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      if (opts.signal?.aborted) reject(cancelled(command));
      else resolve({ code: code ?? -1, signal });
    });
  });
  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, done, hold: holdByPausing(child.stdout) };
}

async function statLocal(file: string): Promise<FileStat | null> {
  try {
    return toFileStat(await stat(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioFailed(`unable to stat '${file}'`, error);
  }
}

async function listLocal(dir: string): Promise<DirEntry[]> {
  try {
    const names = (await readdir(dir)).sort();
    return await Promise.all(
      names.map(async (name) => ({ name, ...toFileStat(await lstat(path.join(dir, name))) })),
    );
  } catch (error) {
    throw ioFailed(`unable to list folder '${dir}'`, error);
  }
}

/** Opens a file stream and waits until it is open, so a missing file fails here. */
function openFile<T extends Readable | Writable>(file: string, create: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const stream = create();
    const fail = (error: Error): void => reject(ioFailed(`unable to open '${file}'`, error));
    stream.once('error', fail);
    stream.once('ready', () => {
      stream.off('error', fail);
      resolve(stream);
    });
  });
}

function toFileStat(stats: { size: number; mtime: Date; mode: number }): FileStat {
  return { size: stats.size, mtime: stats.mtime, mode: stats.mode & 0o7777, type: readFileType(stats.mode) };
}

function ioFailed(message: string, error: unknown): EngineError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new EngineError('io-failed', `${message}: ${reason}`, 'check the path and its permissions', { cause: error });
}

function cancelled(command: string): EngineError {
  return new EngineError('cancelled', `local command '${command}' was cancelled`);
}
