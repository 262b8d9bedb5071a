/**
 * Temporary folders under /tmp for tests, optionally owned by the `postgres`
 * OS user, and the one process-exit cleanup list every test resource joins
 * (clusters, sshd, folders), so a failed or interrupted run leaves nothing behind.
 * Usage: `const dir = await makeTempDir('wal'); after(() => removeTempDir(dir));`
 */
import { rmSync } from 'node:fs';
import { chown, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { isRoot, lookupClusterOwner } from '../../src-main/engine/postgres/local-cluster';

const tempRoot = '/tmp';
const tempPrefix = 'barkeep-test-';
/** Folder → its exit cleanup's unregister function. */
const liveDirs = new Map<string, () => void>();
const exitCleanups: Array<() => void> = [];
let exitHooked = false;

/** Creates /tmp/barkeep-test-<prefix>-XXXXXX (0700), owned by postgres when asked and running as root. */
export async function makeTempDir(prefix: string, opts: { owner?: 'postgres' } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tempRoot, `${tempPrefix}${prefix}-`));
  liveDirs.set(dir, registerExitCleanup(() => rmSync(dir, { recursive: true, force: true })));
  if (opts.owner === 'postgres') await chownToPostgres(dir);
  return dir;
}

/** Removes a folder made by makeTempDir; safe to call twice, refuses any other path. */
export async function removeTempDir(dir: string): Promise<void> {
  assertTempDir(dir);
  await rm(dir, { recursive: true, force: true });
  liveDirs.get(dir)?.();
  liveDirs.delete(dir);
}

/** Hands a file or folder tree to postgres without following symlinks (no-op unless root). */
export async function chownToPostgres(target: string): Promise<void> {
  if (!isRoot()) return;
  const { uid, gid } = await lookupClusterOwner();
  const walk = async (entry: string): Promise<void> => {
    const stats = await lstat(entry);
    if (stats.isSymbolicLink()) return;
    await chown(entry, uid, gid);
    if (stats.isDirectory()) {
      for (const name of await readdir(entry)) await walk(path.join(entry, name));
    }
  };
  await walk(target);
}

/**
 * Runs fn synchronously when the process exits (normally, or by SIGINT, SIGTERM
 * or SIGHUP) unless unregistered first; the newest cleanup runs first, so a
 * server registered after its folder is stopped before the folder goes.
 */
export function registerExitCleanup(fn: () => void): () => void {
  hookProcessExit();
  exitCleanups.push(fn);
  return () => {
    const index = exitCleanups.indexOf(fn);
    if (index !== -1) exitCleanups.splice(index, 1);
  };
}

function runExitCleanups(): void {
  for (let fn = exitCleanups.pop(); fn; fn = exitCleanups.pop()) {
    try {
      fn();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

function hookProcessExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', runExitCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      runExitCleanups();
      process.off(signal, onSignal);
      // Die of the same signal, as if no handler had been installed.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function assertTempDir(dir: string): void {
  const resolved = path.resolve(dir);
  if (path.dirname(resolved) !== tempRoot || !path.basename(resolved).startsWith(tempPrefix)) {
    throw new Error(`refusing to remove '${dir}': not a folder made by makeTempDir`);
  }
}
