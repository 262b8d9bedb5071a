/**
 * Follows edits of the configuration files made outside Barkeep (a text
 * editor, a deploy tool) in long-running processes: watches the folder of the
 * main file and the configuration_files_directory, and once the writes have
 * settled asks for a reload. Folders, not files: editors and atomic writers
 * replace a file by renaming, which a watch on the file itself would lose.
 * Knows nothing of what a reload does; the engine decides.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface ConfigWatchTarget {
  configFile: string;
  /** the configuration_files_directory in force now (it may change with a reload) */
  serverFilesFolder(): string;
  /** loads the files again; returns nothing, reports its own failures */
  reload(): void;
}

/** Writes are grouped: an editor's save (write, rename, chmod) is one reload, not three. */
const settleMs = 250;

export interface ConfigWatch {
  close(): void;
}

export function watchConfigFiles(target: ConfigWatchTarget): ConfigWatch {
  const mainFolder = path.dirname(target.configFile);
  const mainName = path.basename(target.configFile);
  let serverFolder: string | null = null;
  let serverWatcher: FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      target.reload();
      // configuration_files_directory may have moved, or been created since.
      armServerFolder();
    }, settleMs);
    timer.unref();
  };

  /** (Re)opens the watch on the server files' folder: after every reload, as it may have moved, appeared or been replaced. */
  const armServerFolder = (): void => {
    serverWatcher?.close();
    serverWatcher = null;
    serverFolder = target.serverFilesFolder();
    // The main folder's own watch sees conf.d's files only when they live right there.
    if (serverFolder === mainFolder || !existsSync(serverFolder)) return;
    serverWatcher = watchFolder(serverFolder, (name) => {
      if (name === null || name.endsWith('.conf')) schedule();
    });
  };

  const mainWatcher = watchFolder(mainFolder, (name) => {
    // conf.d appearing or being replaced shows up here under its own name.
    const relevant = name === null || name === mainName || name.endsWith('.conf') || path.join(mainFolder, name) === serverFolder;
    if (relevant) schedule();
  });
  armServerFolder();

  return {
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      mainWatcher?.close();
      serverWatcher?.close();
    },
  };
}

/** A watch on one folder that does not keep the process alive; null when the platform refuses (the process then simply does not follow edits). */
function watchFolder(folder: string, onChange: (name: string | null) => void): FSWatcher | null {
  try {
    const watcher = watch(folder, { persistent: false }, (_event, name) => onChange(name === null ? null : String(name)));
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return null;
  }
}
