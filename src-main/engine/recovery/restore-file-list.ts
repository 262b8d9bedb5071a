/**
 * What a remote restore sends from a backup's data folder, and where each part
 * goes: the data folder's own tree (postmaster.pid/opts and the relocated
 * pg_tblspc/<oid> left out) for DEST, each tablespace's tree (the store's
 * pg_tblspc/<oid>) for its target folder, and the regular files split into
 * groups of balanced bytes, one per parallel stream. Reads the store only.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import type { TablespaceRelocation } from './tablespaces';

const skippedFiles = new Set(['postmaster.pid', 'postmaster.opts']);
/** A small file still costs a tar header and a create on the far side: count it as one block at least. */
const minimumWeight = 512;

/** One tree of the store and the folder it goes to; names are relative to both, with '/' separators. */
export interface RestoreRoot {
  /** the folder in the store */
  source: string;
  /** the folder on the destination host (DEST, or a tablespace's target) */
  target: string;
  /** folders, each after its parent */
  folders: string[];
  symlinks: string[];
  files: RestoreFile[];
  /** the bytes of its files */
  bytes: number;
}

export interface RestoreFile {
  /** index of its root in the list listRestoreRoots returns */
  root: number;
  name: string;
  size: number;
}

/** The trees a restore of `dataFolder` into `dest` copies: DEST first, then one per tablespace, in the order given. */
export async function listRestoreRoots(dataFolder: string, dest: string, tablespaces: readonly TablespaceRelocation[]): Promise<RestoreRoot[]> {
  const relocated = new Map(tablespaces.map((space) => [`pg_tblspc/${space.oid}`, space]));
  const roots: RestoreRoot[] = [
    { source: dataFolder, target: dest, folders: [], symlinks: [], files: [], bytes: 0 },
    ...tablespaces.map((space) => ({ source: path.join(dataFolder, 'pg_tblspc', String(space.oid)), target: space.target, folders: [], symlinks: [], files: [], bytes: 0 })),
  ];
  await walkTree(roots, 0, '', (relative, entry) => (relative === '' && skippedFiles.has(entry.name)) || relocated.has(joinName(relative, entry.name)));
  for (const [index, space] of tablespaces.entries()) {
    // A tablespace without a folder in the store (nothing was in it) still gets its empty target folder.
    const found = await lstat(roots[index + 1]!.source).catch(() => null);
    if (found?.isDirectory()) await walkTree(roots, index + 1, '', () => false);
    else if (found !== null) {
      throw new EngineError('restore-refused', `pg_tblspc/${space.oid} in the backup is not a folder: '${roots[index + 1]!.source}'`,
        'check the backup with `barkeep verify-backup`, or restore another one');
    }
  }
  for (const root of roots) {
    root.files.sort(compareFiles);
    root.symlinks.sort();
    root.bytes = root.files.reduce((total, file) => total + file.size, 0);
  }
  return roots;
}

/**
 * Splits files into at most `count` groups of nearly equal weight (largest first onto the lightest group; a file
 * weighs its size, at least one block). Each group keeps root and name order, for the disks on both sides.
 */
export function splitByBytes(files: readonly RestoreFile[], count: number): RestoreFile[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(count, files.length)) }, () => ({ files: [] as RestoreFile[], weight: 0 }));
  const bySize = [...files].sort((a, b) => b.size - a.size || compareFiles(a, b));
  for (const file of bySize) {
    let lightest = groups[0]!;
    for (const group of groups) if (group.weight < lightest.weight) lightest = group;
    lightest.files.push(file);
    lightest.weight += Math.max(file.size, minimumWeight);
  }
  return groups.filter((group) => group.files.length > 0).map((group) => group.files.sort(compareFiles));
}

/** Lists the folder `relative` of roots[index] into it; `skip` leaves an entry (and what it holds) out. */
async function walkTree(roots: RestoreRoot[], index: number, relative: string, skip: (relative: string, entry: Dirent) => boolean): Promise<void> {
  const root = roots[index]!;
  const entries = (await readdir(path.join(root.source, relative), { withFileTypes: true })).filter((entry) => !skip(relative, entry));
  const folders: string[] = [];
  // The sizes of one folder in parallel: each is a stat in libuv's pool.
  await Promise.all(entries.map(async (entry) => {
    const name = joinName(relative, entry.name);
    if (entry.isDirectory()) folders.push(name);
    else if (entry.isSymbolicLink()) root.symlinks.push(name);
    else if (entry.isFile()) root.files.push({ root: index, name, size: (await lstat(path.join(root.source, name))).size });
  }));
  folders.sort();
  for (const folder of folders) {
    root.folders.push(folder);
    await walkTree(roots, index, folder, skip);
  }
}

function joinName(relative: string, name: string): string {
  return relative === '' ? name : `${relative}/${name}`;
}

function compareFiles(a: RestoreFile, b: RestoreFile): number {
  return a.root - b.root || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
