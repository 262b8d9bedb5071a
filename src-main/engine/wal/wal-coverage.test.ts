import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Catalog, type WalSegmentRow } from '../catalog/catalog';
import { queryWalCoverage } from '../catalog/wal-queries';
import {
  countWalSpan, findWalGaps, formatWalBytes, hasWalGaps, summariseWalTimeline, walSegmentNameAt, walSegmentNumber,
  walSegmentsPerLog, type WalTimelineStats,
} from './wal-coverage';

const mib = 1024 * 1024;

test('a log id holds 0x100000000 / wal_segment_size segments', () => {
  assert.equal(walSegmentsPerLog(16 * mib), 256);
  assert.equal(walSegmentsPerLog(mib), 4096);
  assert.equal(walSegmentsPerLog(1024 * mib), 4);
  assert.throws(() => walSegmentsPerLog(3 * mib), RangeError);
  assert.throws(() => walSegmentsPerLog(512 * 1024), RangeError);
});

test('segment numbers run across log ids without holes', () => {
  assert.equal(walSegmentNumber('0000000100000000000000FF', 16 * mib), 255);
  assert.equal(walSegmentNumber('000000010000000100000000', 16 * mib), 256);
  assert.equal(walSegmentNameAt(1, 256, 16 * mib), '000000010000000100000000');
  assert.equal(walSegmentNameAt(0xa, 255, 16 * mib), '0000000A00000000000000FF');
  // With 64 MiB segments the last one of a log id is 0x3F.
  assert.equal(walSegmentNumber('00000001000000010000003F', 64 * mib), 127);
  assert.throws(() => walSegmentNumber('000000010000000100000040', 64 * mib), /does not exist/);
  // Large log ids stay exact.
  assert.equal(walSegmentNameAt(1, walSegmentNumber('00000001FFFFFFFF000000FF', 16 * mib), 16 * mib), '00000001FFFFFFFF000000FF');
  assert.throws(() => walSegmentNumber('00000001.history', 16 * mib), /not a wal segment name/);
});

test('gaps are found across a log id boundary, and none in a contiguous run', () => {
  const names = ['0000000100000000000000FD', '0000000100000000000000FE', '000000010000000100000001', '000000010000000100000002', '000000010000000100000005'];
  assert.deepEqual(findWalGaps(names, 16 * mib), [
    { from: '0000000100000000000000FF', to: '000000010000000100000000', segments: 2 },
    { from: '000000010000000100000003', to: '000000010000000100000004', segments: 2 },
  ]);
  assert.deepEqual(findWalGaps(['0000000100000000000000FF', '000000010000000100000000'], 16 * mib), []);
  assert.deepEqual(findWalGaps([], 16 * mib), []);
  assert.equal(countWalSpan('0000000100000000000000FD', '000000010000000100000005', 16 * mib), 9);
});

test('half a million contiguous names are scanned quickly', () => {
  const names = function* (): Generator<string> {
    for (let number = 0; number < 500_000; number += 1) if (number !== 300_000) yield walSegmentNameAt(1, number, 16 * mib);
  };
  const started = performance.now();
  const gaps = findWalGaps(names(), 16 * mib);
  assert.deepEqual(gaps, [{ from: walSegmentNameAt(1, 300_000, 16 * mib), to: walSegmentNameAt(1, 300_000, 16 * mib), segments: 1 }]);
  assert.ok(performance.now() - started < 3000, 'one pass over 500,000 names');
});

test('a timeline summary: original bytes, rate over 24 h, gaps counted', () => {
  const stats: WalTimelineStats = {
    timeline: 2, firstSegment: '000000020000000000000003', lastSegment: '00000002000000000000000A', segments: 6,
    storedBytes: 12_345, lastArrivalAt: '2026-11-24T03:00:00.000Z', arrivedInWindow: 6,
  };
  assert.equal(hasWalGaps(stats, 16 * mib), true);
  assert.equal(hasWalGaps({ ...stats, segments: 8 }, 16 * mib), false);
  const gaps = findWalGaps(['000000020000000000000003', '000000020000000000000004', '000000020000000000000007', '000000020000000000000008',
    '000000020000000000000009', '00000002000000000000000A'], 16 * mib);
  assert.deepEqual(summariseWalTimeline(stats, gaps, 16 * mib, 1), {
    timeline: 2, parent: 1, firstSegment: '000000020000000000000003', lastSegment: '00000002000000000000000A', segments: 6,
    storedBytes: 12_345, originalBytes: 6 * 16 * mib, arrivalRatePerHour: 0.25, lastArrivalAt: '2026-11-24T03:00:00.000Z',
    gaps: [{ from: '000000020000000000000005', to: '000000020000000000000006', segments: 2 }], missingSegments: 2,
  });
});

test('sizes print in binary units', () => {
  assert.equal(formatWalBytes(0), '0 B');
  assert.equal(formatWalBytes(1536), '1.5 KiB');
  assert.equal(formatWalBytes(16 * mib), '16.0 MiB');
  assert.equal(formatWalBytes(500_000 * 16 * mib), '7.6 TiB');
});

test('the catalog answers per timeline, with gaps, for 500,000 segments in well under a second', (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-wal-coverage-'));
  const catalog = Catalog.open(path.join(root, 'catalog.db'));
  t.after(() => {
    catalog.close();
    rmSync(root, { recursive: true, force: true });
  });
  const now = new Date('2026-11-24T12:00:00Z');
  const rows: WalSegmentRow[] = [];
  // Timeline 1: 0..399,999 without 1000..1002, one segment every 10 s back from now; timeline 2: 400,000..499,999.
  for (let number = 0; number < 500_000; number += 1) {
    if (number >= 1000 && number <= 1002) continue;
    const timeline = number < 400_000 ? 1 : 2;
    rows.push({ server: 'pg', name: walSegmentNameAt(timeline, number, 16 * mib), timeline, sizeBytes: 1000, compression: 'zstd',
      archivedAt: new Date(now.getTime() - (500_000 - number) * 10_000).toISOString() });
  }
  rows.push({ server: 'other', name: walSegmentNameAt(1, 5, 16 * mib), timeline: 1, sizeBytes: 7, compression: null, archivedAt: now.toISOString() });
  catalog.upsertWalSegments(rows);
  catalog.upsertTimeline({ server: 'pg', timeline: 2, parent: 1, switchLsn: '61A8/0', reason: 'promoted' });

  const started = performance.now();
  const coverage = queryWalCoverage(catalog, 'pg', 16 * mib, now);
  const elapsed = performance.now() - started;
  assert.equal(coverage.timelines.length, 2);
  const [first, second] = coverage.timelines;
  assert.deepEqual({ ...first, gaps: first!.gaps }, {
    timeline: 1, parent: null, firstSegment: walSegmentNameAt(1, 0, 16 * mib), lastSegment: walSegmentNameAt(1, 399_999, 16 * mib),
    segments: 399_997, storedBytes: 399_997_000, originalBytes: 399_997 * 16 * mib, arrivalRatePerHour: 0,
    lastArrivalAt: new Date(now.getTime() - 100_001 * 10_000).toISOString(),
    gaps: [{ from: walSegmentNameAt(1, 1000, 16 * mib), to: walSegmentNameAt(1, 1002, 16 * mib), segments: 3 }], missingSegments: 3,
  });
  // The last 24 h hold the newest 8640 segments (one per 10 s), all on timeline 2: 360 per hour.
  assert.equal(second!.parent, 1);
  assert.equal(second!.segments, 100_000);
  assert.equal(second!.arrivalRatePerHour, 360);
  assert.deepEqual(second!.gaps, []);
  assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  assert.deepEqual(queryWalCoverage(catalog, 'nobody', 16 * mib, now).timelines, []);
});
