/**
 * Child processes for the bench: reference tools (cp, tar, ssh, sqlite3 …) run
 * in their own process group, which is killed whole if the bench exits or is
 * interrupted mid-run. Also finds tools on PATH so a missing one becomes a
 * skipped contender rather than a crash. Never judges timings.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { registerExitCleanup } from '../test/support/temp-dir';

export interface CommandResult {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  cwd?: string;
}

export interface StartedCommand {
  child: ChildProcess;
  /** Settles when the process has exited and its streams are closed; never rejects. */
  exited: Promise<CommandResult>;
}

/** Runs a program to completion; rejects with its stderr when the exit code is not allowed. */
export async function runCommand(file: string, args: string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const started = startCommand(file, args, opts);
  started.child.stdin?.end();
  const result = await started.exited;
  assertExitCode(`${file} ${args.join(' ')}`, result, opts.okCodes ?? [0]);
  return result;
}

/**
 * Spawns a program in its own process group; stdin is the caller's to feed or
 * end, stdout and stderr are collected. The group is killed at bench exit
 * (Ctrl-C included) unless the program is gone by then.
 */
export function startCommand(file: string, args: string[], opts: { cwd?: string } = {}): StartedCommand {
  const child = spawn(file, args, { stdio: 'pipe', detached: true, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const unregister = registerExitCleanup(() => killGroup(child));
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<CommandResult>((resolve) => {
    const finish = (code: number, signal: string | null, extra = ''): void => {
      unregister();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8') + extra,
      });
    };
    child.once('error', (error) => finish(-1, null, error.message));
    child.once('close', (code, signal) => finish(code ?? -1, signal));
  });
  return { child, exited };
}

/** Throws a readable error naming the command when its exit code is not one of okCodes. */
export function assertExitCode(what: string, result: CommandResult, okCodes: number[] = [0]): void {
  if (okCodes.includes(result.code)) return;
  const status = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
  const output = result.stderr.trim().split('\n').slice(-5).join('\n');
  throw new Error(`'${what}' ${status}${output ? `: ${output}` : ''}`);
}

/** The absolute path of an executable: `name` itself when it holds a slash, else searched on PATH; null when missing. */
export function findExecutable(name: string): string | null {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; keep looking.
    }
  }
  return null;
}

/** Quotes one argument for a POSIX shell (sh, bash, the remote login shell). */
export function quoteForShell(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Apparent size in bytes of a file or folder tree, as `du -sb` reports it. */
export async function measureBytes(target: string): Promise<number> {
  const { stdout } = await runCommand('du', ['-sb', target]);
  const bytes = Number.parseInt(stdout, 10);
  if (!Number.isFinite(bytes)) throw new Error(`unable to read the size of '${target}' from du: ${stdout.trim()}`);
  return bytes;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Negative pid: the whole group, e.g. both ends of a shell pipeline.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
