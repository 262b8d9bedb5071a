/**
 * `rebuild-catalog`: recreates the catalog's index from the store's metadata
 * files (the source of truth), restore points by reading every archived
 * segment again, and reports what it found and what it skipped.
 */
import type { RebuildProgress } from '../../engine/catalog/rebuild';
import type { Verb } from '../verb';

export const rebuildCatalogVerb: Verb = {
  name: 'rebuild-catalog',
  summary: 'recreate the catalog from the backups and WAL on disk',
  usage: 'barkeep rebuild-catalog',
  options: {},
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    const report = ctx.engine().rebuildCatalog(ctx.global.quiet || ctx.out.format === 'json' ? undefined : createScanPrinter());
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

/**
 * The scan's progress on stderr: redrawn a few times a second on a terminal;
 * on a pipe, a line at each tenth of a server's archive.
 */
function createScanPrinter(stream: NodeJS.WriteStream = process.stderr): (progress: RebuildProgress) => void {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastTenth = -1;
  return ({ server, segmentsRead, segments }) => {
    const done = segmentsRead === segments;
    const line = `reading the archived WAL of server '${server}' for restore points: ${segmentsRead} of ${segments} segments`;
    if (tty) {
      const now = Date.now();
      if (!done && now - lastDraw < 200) return;
      lastDraw = now;
      stream.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((segmentsRead / segments) * 10);
    if (tenth === lastTenth && !done) return;
    lastTenth = done ? -1 : tenth;
    stream.write(`${line}\n`);
  };
}
