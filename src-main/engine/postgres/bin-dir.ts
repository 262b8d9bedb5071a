/**
 * Finds the folder holding the PostgreSQL server binaries (postgres, pg_ctl,
 * initdb, pg_controldata …). Only looks at the file system; never runs them.
 * Distributions keep these off PATH, so PATH is the last place searched.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';

const missingHint =
  'install the PostgreSQL server package, e.g. `apt-get install postgresql-15`, or set pg_bin_dir';

/** Returns the preferred folder if it holds `postgres`, else the newest installed one. */
export function findPostgresBinDir(preferred?: string | null): string {
  // A preferred folder without `postgres` falls through to the search, as the
  // configured pg_bin_dir may come from another machine's config.
  if (preferred && hasExecutable(preferred, 'postgres')) return preferred;
  const candidates = [
    ...listVersionedDirs('/usr/lib/postgresql', (name) => name, 'bin'),
    ...listVersionedDirs('/usr', (name) => name.match(/^pgsql-(.+)$/)?.[1], 'bin'),
  ];
  for (const dir of candidates) {
    if (hasExecutable(dir, 'postgres')) return dir;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && hasExecutable(dir, 'pg_ctl')) return dir;
  }
  throw new EngineError('postgres-binaries-missing', 'postgresql server binaries not found', missingHint);
}

/** Lists `<root>/<entry>/<sub>` for entries whose version part parses, newest version first. */
function listVersionedDirs(
  root: string,
  versionOf: (name: string) => string | undefined,
  sub: string,
): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const versioned = names
    .map((name) => ({ name, version: parseVersion(versionOf(name)) }))
    .filter((entry): entry is { name: string; version: number[] } => entry.version !== null);
  versioned.sort((a, b) => compareVersions(b.version, a.version));
  return versioned.map((entry) => path.join(root, entry.name, sub));
}

function parseVersion(text: string | undefined): number[] | null {
  if (!text || !/^\d+(\.\d+)*$/.test(text)) return null;
  return text.split('.').map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function hasExecutable(dir: string, name: string): boolean {
  const file = path.join(dir, name);
  try {
    return existsSync(file) && statSync(file).isFile() && (statSync(file).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
