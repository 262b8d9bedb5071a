/**
 * Tablespaces on restore: `--tablespace NAME:PATH` parsing, where each of a
 * backup's tablespaces goes (its mapped PATH, else its original location), and
 * the tablespace_map PostgreSQL reads at startup to create pg_tblspc/<oid>.
 * Shared by the local and the remote restore. Pure, except checkTablespaceTarget which only reads.
 */
import path from 'node:path';
import type { BackupTablespace } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';
import { readDestState } from './dest-checks';

export interface TablespaceRelocation {
  oid: number;
  name: string;
  /** where the backup says it lived */
  original: string;
  /** where the restore puts it (absolute) */
  target: string;
  /** true when --tablespace chose target; false: back to the original location */
  mapped: boolean;
}

/** Parses repeated `NAME:PATH` values (NAME may also be the tablespace oid) into a name → path map. */
export function parseTablespaceOptions(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const name = colon > 0 ? value.slice(0, colon) : '';
    const target = colon > 0 ? value.slice(colon + 1) : '';
    if (name === '' || !path.isAbsolute(target)) {
      throw new EngineError('usage', `invalid --tablespace '${value}'`, 'give NAME:PATH with an absolute PATH, e.g. --tablespace fast:/srv/restore/fast');
    }
    if (map.has(name)) throw new EngineError('usage', `--tablespace ${name} is given twice`, 'map each tablespace once');
    map.set(name, target);
  }
  return map;
}

/**
 * Where each tablespace of a backup goes. Refuses a mapping naming no tablespace of the backup, a target with
 * characters tablespace_map cannot hold, a target inside DEST (or DEST inside it), and two tablespaces in one place.
 */
export function planTablespaces(tablespaces: readonly BackupTablespace[], mapping: ReadonlyMap<string, string>, dest: string, backupId: string): TablespaceRelocation[] {
  const known = new Set(tablespaces.flatMap((space) => [space.name, String(space.oid)]));
  for (const name of mapping.keys()) {
    if (!known.has(name)) {
      const names = tablespaces.map((space) => `${space.name} (oid ${space.oid})`).join(', ') || 'none';
      throw new EngineError('usage', `backup ${backupId} has no tablespace '${name}'`, `its tablespaces: ${names}`);
    }
  }
  const relocations = tablespaces.map((space): TablespaceRelocation => {
    const given = mapping.get(space.name) ?? mapping.get(String(space.oid));
    return { oid: space.oid, name: space.name, original: space.location, target: path.resolve(given ?? space.location), mapped: given !== undefined };
  });
  const root = path.resolve(dest);
  const seen = new Set<string>();
  for (const space of relocations) {
    if (space.original === '' && !space.mapped) {
      throw new EngineError('restore-refused', `backup ${backupId} does not record where tablespace '${space.name}' lived`, `map it: --tablespace ${space.name}:PATH`);
    }
    if (/[\n\r\\]/.test(space.target)) {
      throw new EngineError('usage', `the tablespace path '${space.target}' contains a backslash or a newline`, 'choose a plainer path');
    }
    if (isInside(space.target, root) || isInside(root, space.target)) {
      throw new EngineError('usage', `tablespace '${space.name}' would go to '${space.target}', which overlaps the destination '${root}'`, 'choose a folder outside DEST');
    }
    if (seen.has(space.target)) throw new EngineError('usage', `two tablespaces would go to '${space.target}'`, 'give each its own folder');
    seen.add(space.target);
  }
  return relocations;
}

/** Refuses a tablespace target that is not an absent or empty folder (never emptied, even with --force). */
export function checkTablespaceTarget(space: TablespaceRelocation): { exists: boolean } {
  const state = readDestState(space.target);
  refuseBusyTablespaceTarget(space, state.entries);
  return { exists: state.exists };
}

/**
 * The refusal of a tablespace target holding `entries` (a local or a remote folder; `where` names a remote host).
 * Does nothing for an empty list.
 */
export function refuseBusyTablespaceTarget(space: TablespaceRelocation, entries: readonly string[], where?: string): void {
  if (entries.length === 0) return;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
  throw new EngineError('restore-refused', `the folder '${space.target}' for tablespace '${space.name}'${where === undefined ? '' : ` on ${where}`} is not empty (${shown})`,
    space.mapped ? 'map it to an empty or new folder' : `it is the tablespace's original location; map it elsewhere with --tablespace ${space.name}:PATH`);
}

/** tablespace_map as PostgreSQL reads it: `<oid> <path>` per line. */
export function renderTablespaceMap(relocations: readonly TablespaceRelocation[]): string {
  return relocations.map((space) => `${space.oid} ${space.target}\n`).join('');
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
