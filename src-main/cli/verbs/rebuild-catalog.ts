/**
 * `rebuild-catalog`: recreates the catalog's index from the store's metadata
 * files (the source of truth), restore points by reading every archived
 * segment again, and reports what it found and what it skipped.
 */
import type { Verb } from '../verb';

export const rebuildCatalogVerb: Verb = {
  name: 'rebuild-catalog',
  summary: 'recreate the catalog from the backups and WAL on disk',
  usage: 'barkeep rebuild-catalog',
  options: {},
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    const report = ctx.engine().rebuildCatalog();
    ctx.out.record('Catalog rebuilt from the store:', [
      ['servers', report.servers],
      ['backups', report.backups],
      ['wal segments', report.walSegments],
      ['timelines', report.timelines],
      ['restore points', report.restorePoints],
      ['old catalog moved to', report.movedAside],
    ], report);
    for (const problem of report.problems) ctx.out.warn(problem);
    return report.problems.length === 0 ? 0 : 1;
  },
};
