/**
 * Restore points in the catalog (migration 7's `restore_points` table):
 * recording those found in an archived segment, listing a server's, finding
 * them by name, and dropping those of segments removed from the archive. Rows
 * only: wal/restore-points.ts finds them in the WAL.
 */
import type { RestorePoint } from '../../../shared/domain/restore-point';
import type { Catalog } from './catalog';

const selectColumns = 'SELECT name, time, timeline, start_lsn AS startLsn, end_lsn AS endLsn, segment FROM restore_points';
/** Oldest first; by the clock of the server that made them, then by position. */
const order = 'ORDER BY time, timeline, segment, length(start_lsn), start_lsn';

/** Adds (or replaces, at the same timeline and position) restore points of one server. */
export function recordRestorePoints(catalog: Catalog, server: string, points: readonly RestorePoint[]): void {
  if (points.length === 0) return;
  const insert = catalog.db.prepare(`INSERT OR REPLACE INTO restore_points (server, name, timeline, start_lsn, end_lsn, time, segment)
    VALUES (@server, @name, @timeline, @startLsn, @endLsn, @time, @segment)`);
  catalog.db.transaction(() => {
    for (const point of points) insert.run({ server, ...point });
  })();
}

/** A server's restore points, newest last. */
export function listRestorePoints(catalog: Catalog, server: string): RestorePoint[] {
  return catalog.db.prepare(`${selectColumns} WHERE server = ? ${order}`).all(server) as RestorePoint[];
}

/** The restore points of one name (PostgreSQL allows a name more than once), oldest first. */
export function findRestorePoints(catalog: Catalog, server: string, name: string): RestorePoint[] {
  return catalog.db.prepare(`${selectColumns} WHERE server = ? AND name = ? ${order}`).all(server, name) as RestorePoint[];
}

/** Drops the restore points held by WAL segments removed from the archive (names without a compression suffix). */
export function deleteRestorePointsOfSegments(catalog: Catalog, server: string, segments: readonly string[]): void {
  const remove = catalog.db.prepare('DELETE FROM restore_points WHERE server = ? AND segment = ?');
  catalog.db.transaction(() => {
    for (const segment of segments) remove.run(server, segment);
  })();
}
