// What the restore point tests ask the CLI of an archived cluster's home: the
// listing as JSON, and a catalog rebuilt from nothing (every archived segment
// scanned again), with the number of restore points it found.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ArchivedCluster } from './archived-cluster';

export interface ListedRestorePoint { name: string; time: string; timeline: number; startLsn: string; endLsn: string; segment: string }

export async function listRestorePoints(fixture: ArchivedCluster): Promise<ListedRestorePoint[]> {
  const listed = await fixture.barkeep('-f', 'json', 'list-restore-points', 'pg');
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout) as ListedRestorePoint[];
}

/** Deletes the catalog, runs `rebuild-catalog`, returns the restore points it reports. */
export async function rebuildCatalogFromScratch(fixture: ArchivedCluster): Promise<number> {
  const catalogFile = path.join(fixture.home, 'catalog.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${catalogFile}${suffix}`, { force: true });
  assert.equal(existsSync(catalogFile), false);
  const rebuilt = await fixture.barkeep('-f', 'json', 'rebuild-catalog');
  assert.equal(rebuilt.code, 0, rebuilt.stderr + rebuilt.stdout);
  return (JSON.parse(rebuilt.stdout) as { restorePoints: number }).restorePoints;
}
