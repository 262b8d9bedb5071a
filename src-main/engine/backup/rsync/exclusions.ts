/**
 * Which entries of a data folder (and its tablespaces) a backup leaves out:
 * what pg_basebackup skips (basebackup.c: excludeDirContents, excludeFiles,
 * temporary files and relations, unlogged forks but their init fork, pg_wal's
 * contents) plus Barman's own exclusions. Pure: works on a listing, never on disk.
 */
import type { RemoteEntry } from './remote-listing';

export interface ExclusionResult {
  kept: RemoteEntry[];
  /** backup paths of what was left out (folders whose contents were dropped are kept themselves) */
  skipped: string[];
}

/** Folders whose contents are not backed up, wherever they are (the folder itself is kept). */
const excludedContents = new Set(['pg_stat_tmp', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
/** Files pg_basebackup skips wherever they are. */
const excludedFiles = new Set([
  'postgresql.auto.conf.tmp', 'current_logfiles.tmp', 'backup_label', 'tablespace_map', 'backup_manifest',
  'postmaster.pid', 'postmaster.opts',
]);
/** Files Barman skips at the top of the data folder: leftovers and signals that would change how a restore starts. */
const excludedTopFiles = new Set([
  'backup_label.old', 'tablespace_map.old', 'standby.signal', 'recovery.signal', 'recovery.conf', 'current_logfiles',
]);
const tempPrefix = 'pgsql_tmp';
const relcacheInitPrefix = 'pg_internal.init';
// <relfilenode>[_<fork>][.<segment>]; temporary relations are t<backend>_<relfilenode>...
const relationFilePattern = /^(\d+)(?:_(fsm|vm|init))?(?:\.\d+)?$/;
const tempRelationPattern = /^t\d+_\d+(?:_(?:fsm|vm|init))?(?:\.\d+)?$/;

/** Filters a listing; keeps pg_wal (and adds pg_wal/archive_status) but none of its contents. */
export function excludeFromBackup(entries: readonly RemoteEntry[]): ExclusionResult {
  const initForks = new Set<string>();
  for (const entry of entries) {
    const { dir, name } = splitPath(entry.backupPath);
    const match = relationFilePattern.exec(name);
    if (match?.[2] === 'init' && isDatabaseFolder(dir)) initForks.add(`${dir}/${match[1]!}`);
  }

  const kept: RemoteEntry[] = [];
  const skipped: string[] = [];
  let hasWal = false;
  for (const entry of entries) {
    const verdict = judgeEntry(entry, initForks);
    if (verdict === 'skip') {
      skipped.push(entry.backupPath);
      continue;
    }
    if (entry.backupPath === 'pg_wal') {
      hasWal = true;
      // A pg_wal symlinked elsewhere becomes a plain folder, as pg_basebackup does.
      kept.push({ ...entry, type: 'directory', linkTarget: null });
      continue;
    }
    kept.push(entry);
  }
  if (hasWal) {
    const wal = kept.find((entry) => entry.backupPath === 'pg_wal')!;
    kept.push({ ...wal, backupPath: 'pg_wal/archive_status', remotePath: `${wal.remotePath}/archive_status`, size: 0 });
  }
  return { kept, skipped };
}

function judgeEntry(entry: RemoteEntry, initForks: ReadonlySet<string>): 'keep' | 'skip' {
  const segments = entry.backupPath.split('/');
  const name = segments[segments.length - 1] ?? '';
  // Anything below a folder whose contents are excluded.
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    if (excludedContents.has(segment)) return 'skip';
    if (i === 0 && segment === 'pg_wal') return 'skip';
  }
  if (segments.some((segment) => segment.startsWith(tempPrefix))) return 'skip';
  // Tablespace links are replaced by the tablespace's own folder in the backup.
  if (segments.length === 2 && segments[0] === 'pg_tblspc' && entry.type === 'symlink') return 'skip';
  if (entry.type === 'directory') return 'keep';
  if (excludedFiles.has(name) || name.startsWith(relcacheInitPrefix)) return 'skip';
  if (segments.length === 1 && excludedTopFiles.has(name)) return 'skip';

  const dir = segments.slice(0, -1).join('/');
  if (isDatabaseFolder(dir)) {
    if (tempRelationPattern.test(name)) return 'skip';
    const match = relationFilePattern.exec(name);
    // Unlogged relations: only the init fork is backed up; the server rebuilds the rest from it.
    if (match && match[2] !== 'init' && initForks.has(`${dir}/${match[1]!}`)) return 'skip';
  }
  return 'keep';
}

/** base/<oid> in the data folder, or pg_tblspc/<oid>/PG_<version>_<catversion>/<oid> in a tablespace. */
export function isDatabaseFolder(dir: string): boolean {
  const segments = dir.split('/');
  const last = segments[segments.length - 1] ?? '';
  if (!/^\d+$/.test(last)) return false;
  if (segments.length === 2 && segments[0] === 'base') return true;
  return segments.length === 4 && segments[0] === 'pg_tblspc' && /^PG_/.test(segments[2] ?? '');
}

function splitPath(backupPath: string): { dir: string; name: string } {
  const slash = backupPath.lastIndexOf('/');
  return slash === -1 ? { dir: '', name: backupPath } : { dir: backupPath.slice(0, slash), name: backupPath.slice(slash + 1) };
}
