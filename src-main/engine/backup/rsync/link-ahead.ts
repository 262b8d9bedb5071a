/**
 * An incremental backup with reuse_backup = link hard-links the previous
 * backup's files into its data folder while it waits for the server: the
 * same-system check and the listing take tens of milliseconds, and a thousand
 * links take about as long. The links are made by the hashing thread
 * (background-hasher.ts), all asked for at once and stopped by a shared flag,
 * so that the main thread reads the listing meanwhile. (It starts after the
 * SSH login: linking during the handshake slowed the login as much as it
 * saved, measured again with the links on the thread.) When the plan is known
 * the linking stops, and every link or folder the plan does not keep goes
 * away again before anything is written: no path that will be written stays
 * linked to a file of the previous backup.
 */
import { chmodSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import type { BackgroundHasher } from '../background-hasher';
import type { PreviousBackup } from '../backup-method';
import { localPathOf, readLinkFailure, storeFailed } from './local-tree';
import type { RemoteEntry } from './remote-listing';
import { controlFilePath } from './transfer-plan';
import type { ReusedFile } from './transfer-plan';

export interface LinkAhead {
  /**
   * Stops the linking, keeps the links of `reuse` and gives the folders of
   * `directories` their listed modes; every other link and folder it made is
   * removed. Returns the paths it linked and kept.
   */
  settle(plan: { reuse: readonly ReusedFile[]; directories: readonly RemoteEntry[] }): Promise<ReadonlySet<string>>;
  /** Stops the linking and waits for it to end (after a failure: the folder goes with the backup). */
  stop(): Promise<void>;
}

/** written at stop or always copied: never linked, even for a moment */
const neverLinked = new Set([controlFilePath, 'backup_label', 'tablespace_map']);

export function startLinkingAhead(previous: PreviousBackup, dataFolder: string, thread: BackgroundHasher): LinkAhead {
  const linked: string[] = [];
  /** folders made here, parents before children */
  const folders: string[] = [];
  const present = new Set<string>(['']);
  let stopped = false;

  const makeParents = (backupPath: string): void => {
    const segments = backupPath.split('/').slice(0, -1);
    for (let depth = 1; depth <= segments.length; depth++) {
      const folder = segments.slice(0, depth).join('/');
      if (present.has(folder)) continue;
      try {
        mkdirSync(localPathOf(dataFolder, folder), { mode: 0o700 });
        folders.push(folder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      present.add(folder);
    }
  };
  /** set by stop(): the thread links nothing more */
  const stopFlag = new Int32Array(new SharedArrayBuffer(4));
  const linking = (async () => {
    // The connections start first.
    await new Promise((resolve) => setImmediate(resolve));
    if (stopped) return;
    const paths: string[] = [];
    for (const [backupPath, file] of previous.files) {
      if (file.sha256 === '' || neverLinked.has(backupPath) || !isPlainRelative(backupPath)) continue;
      makeParents(backupPath);
      paths.push(backupPath);
    }
    // All in one message: the thread checks the stop flag before each link, so a stop costs one link at most.
    const failures = await thread.linkFiles(paths.map((backupPath) => [localPathOf(previous.dataFolder, backupPath), localPathOf(dataFolder, backupPath)]), stopFlag);
    // Every link made is recorded before a failure ends the linking: settle() must know it.
    failures.forEach((failure, index) => {
      if (failure === null) linked.push(paths[index]!);
    });
    failures.forEach((failure, index) => {
      if (failure) readLinkFailure(failure, localPathOf(dataFolder, paths[index]!));
    });
  })().catch(() => {
    // Best effort: the regular reuse meets the same error and reports it.
  });

  const stop = async (): Promise<void> => {
    stopped = true;
    Atomics.store(stopFlag, 0, 1);
    await linking;
  };
  return {
    stop,
    settle: async (plan) => {
      await stop();
      const keep = new Set(plan.reuse.map((file) => file.entry.backupPath));
      const kept = new Set<string>();
      for (const backupPath of linked) {
        if (keep.has(backupPath)) {
          kept.add(backupPath);
          continue;
        }
        const target = localPathOf(dataFolder, backupPath);
        try {
          unlinkSync(target);
        } catch (error) {
          throw storeFailed(target, error);
        }
      }
      const listed = new Map(plan.directories.map((entry) => [entry.backupPath, entry]));
      for (const folder of folders.reverse()) {
        const target = localPathOf(dataFolder, folder);
        const entry = listed.get(folder);
        try {
          if (entry) chmodSync(target, (entry.mode & 0o7777) | 0o700);
          else rmdirSync(target);
        } catch (error) {
          // A folder the listing does not name may still hold kept files (a tablespace's parents): it stays.
          if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw storeFailed(target, error);
        }
      }
      return kept;
    },
  };
}

/** A path of our own manifest, but never one that leaves the data folder. */
function isPlainRelative(backupPath: string): boolean {
  return backupPath.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}
