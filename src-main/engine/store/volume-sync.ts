/**
 * syncfs(2) of the volume holding a folder, through coreutils `sync -f` run
 * by one small helper shell the process keeps. Node has no syncfs, and
 * spawning from node forks its whole address space: ~10 ms of the main
 * thread at a few hundred MB resident (measured), at the end of every
 * backup. The shell forks `sync` cheaply. It reads one folder per line and
 * answers one status per line; it holds the process only while an answer is
 * awaited, and ends when the process does (its stdin closes).
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const helperScript = 'while IFS= read -r folder; do if sync --file-system -- "$folder" 2>/dev/null; then echo 0; else echo 1; fi; done';
/** A sync this slow is stuck (a dead network volume): the helper is killed and the caller falls back. */
const stuckMs = 600_000;

interface Helper {
  child: ChildProcessByStdio<Writable, Readable, null>;
  waiting: ((synced: boolean) => void)[];
}

let helper: Helper | null = null;

/** Resolves true once the volume holding `folder` is synced; false when that cannot be done this way (the caller falls back). */
export function syncVolume(folder: string): Promise<boolean> {
  if (process.platform !== 'linux' || /[\n\r]/.test(folder)) return Promise.resolve(false);
  const running = helper ?? startHelper();
  if (!running) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => stop(running), stuckMs);
    running.waiting.push((synced) => {
      clearTimeout(timer);
      resolve(synced);
    });
    hold(running);
    running.child.stdin.write(`${folder}\n`);
  });
}

function startHelper(): Helper | null {
  let child: ChildProcessByStdio<Writable, Readable, null>;
  try {
    child = spawn('sh', ['-c', helperScript], { stdio: ['pipe', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const started: Helper = { child, waiting: [] };
  createInterface({ input: child.stdout }).on('line', (line) => {
    started.waiting.shift()?.(line.trim() === '0');
    hold(started);
  });
  child.stdin.on('error', () => stop(started));
  child.on('error', () => stop(started));
  child.on('exit', () => stop(started));
  helper = started;
  hold(started);
  return started;
}

/** Every waiting caller falls back; the next sync starts a new helper. */
function stop(stopped: Helper): void {
  if (helper === stopped) helper = null;
  for (const answer of stopped.waiting.splice(0)) answer(false);
  stopped.child.kill();
  hold(stopped);
}

/** The helper keeps the process alive only while someone waits for an answer. */
function hold(running: Helper): void {
  const sockets = [running.child.stdin, running.child.stdout] as unknown as { ref(): void; unref(): void }[];
  if (running.waiting.length > 0) {
    running.child.ref();
    for (const socket of sockets) socket.ref();
  } else {
    running.child.unref();
    for (const socket of sockets) socket.unref();
  }
}
