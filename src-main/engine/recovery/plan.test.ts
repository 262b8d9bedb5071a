import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from '../../../shared/domain/backup';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { BackupId, Lsn, ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { formatLsn } from '../wal/lsn';
import { planRestore, type ArchivedSegment, type WalArchiveView } from './plan';
import { parseRecoveryTarget, type RecoveryTargetInput } from './target';

const mib16 = 16 * 1024 * 1024;

function segmentName(timeline: number, segment: number): string {
  return [timeline, 0, segment].map((part) => part.toString(16).toUpperCase().padStart(8, '0')).join('');
}

/** An LSN inside segment `segment` of log 0. */
function lsnIn(segment: number, offset = 0x100): Lsn {
  return Lsn.parse(formatLsn(BigInt(segment) * BigInt(mib16) + BigInt(offset)));
}

function makeBackup(id: string, timeline: number, begin: number, end: number, endTime: string, overrides: Partial<BackupInfo> = {}): BackupInfo {
  return {
    formatVersion: 1, server: ServerName.parse('main'), backupId: BackupId.parse(id), name: null, status: 'DONE', method: 'postgres',
    beginTime: endTime, endTime, beginLsn: lsnIn(begin, 0x28), endLsn: lsnIn(end), beginWal: segmentName(timeline, begin), endWal: segmentName(timeline, end),
    timeline, systemId: null, pgVersion: null, dataChecksums: null, sizeBytes: 100 * 1024 * 1024, ownBytes: null, walBytes: null, keep: null, error: null,
    ...overrides,
  };
}

function makeArchive(ranges: [timeline: number, from: number, to: number][], histories: [number, [number, string][]][] = []): WalArchiveView {
  const segments = new Map<string, ArchivedSegment>();
  for (const [timeline, from, to] of ranges) {
    for (let segment = from; segment <= to; segment += 1) {
      const name = segmentName(timeline, segment);
      segments.set(name, { name, timeline, segmentNumber: BigInt(segment), archivedAt: `2026-11-20T10:${String(segment).padStart(2, '0')}:00.000Z` });
    }
  }
  const parsed = new Map(histories.map(([tli, entries]) => [tli, entries.map(([timeline, lsn]) => ({ timeline, switchLsn: BigInt(`0x${lsn.split('/')[0]}`) << 32n | BigInt(`0x${lsn.split('/')[1]}`) }))]));
  return { segmentSize: mib16, segments, histories: parsed };
}

const backups = [
  makeBackup('20261120T100000', 1, 0x02, 0x03, '2026-11-20T10:05:00.000Z'),
  makeBackup('20261120T101000', 1, 0x0a, 0x0b, '2026-11-20T10:12:00.000Z'),
];
const archive = makeArchive([[1, 0x02, 0x14]]);
const target = (input: RecoveryTargetInput) => parseRecoveryTarget(input, () => new Date('2026-11-24T00:00:00Z'));
const plan = (input: RecoveryTargetInput, extra: Partial<Parameters<typeof planRestore>[0]> = {}) =>
  planRestore({ server: 'main', backups, archive, target: target(input), backupSelector: null, ...extra });

function assertRefused(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof EngineError && error.code === code && message.test(error.message));
}

test('latest: the newest backup and every archived segment from its begin', () => {
  const result = plan({});
  assert.equal(result.backup.backupId, '20261120T101000');
  assert.equal(result.targetTimeline, 1);
  assert.equal(result.walSegments[0], segmentName(1, 0x0a));
  assert.equal(result.walSegments.at(-1), segmentName(1, 0x14));
  assert.equal(result.walSegments.length, 0x14 - 0x0a + 1);
  assert.equal(result.bytesToCopy, result.dataBytes + 11 * mib16);
  assert.equal(result.throughputSource, 'assumed');
  assert.equal(result.estimatedSeconds, Math.ceil(result.bytesToCopy / (200 * 1024 * 1024)));
});

test('time: the newest backup that ended before the target', () => {
  assert.equal(plan({ time: '2026-11-20 10:08:00+00' }).backup.backupId, '20261120T100000');
  assert.equal(plan({ time: '2026-11-20T10:30:00Z' }).backup.backupId, '20261120T101000');
  assertRefused(() => plan({ time: '2026-11-20 10:04:00+00' }), 'target-unreachable', /^time 2026-11-20 10:04:00\+00:00 is before the end of the oldest usable backup \(20261120T100000\)/);
  const late = plan({ time: '2026-11-21T00:00:00Z' });
  assert.match(late.warnings.join('\n'), /later than the arrival of the last archived wal/);
});

test('lsn: ends at the segment holding the target; refused past the archive or before the oldest backup', () => {
  const result = plan({ lsn: lsnIn(0x06) });
  assert.equal(result.backup.backupId, '20261120T100000');
  assert.deepEqual([result.walSegments[0], result.walSegments.at(-1)], [segmentName(1, 0x02), segmentName(1, 0x06)]);
  assertRefused(() => plan({ lsn: lsnIn(0x15) }), 'target-unreachable', /^lsn 0\/15000100 is past the last archived wal of server 'main' \(000000010000000000000014\)/);
  assertRefused(() => plan({ lsn: lsnIn(0x01) }), 'target-unreachable', /before the end of the oldest usable backup/);
});

test('immediate stops at the backup end; xid and name take the newest backup and warn', () => {
  const immediate = plan({ immediate: true }, { backupSelector: '20261120T100000' });
  assert.deepEqual(immediate.walSegments, [segmentName(1, 0x02), segmentName(1, 0x03)]);
  const xid = plan({ xid: '742' });
  assert.equal(xid.backup.backupId, '20261120T101000');
  assert.match(xid.warnings[0] ?? '', /transaction 742 cannot be placed without decoding wal/);
  const unknownName = plan({ name: 'before_m5' });
  assert.equal(unknownName.backup.backupId, '20261120T101000');
  assert.equal(unknownName.restorePoint, null);
  assert.deepEqual(unknownName.warnings, ["no restore point named 'before_m5' is known in the archived wal of server 'main'; recovery will replay all wal if it is not found"]);
});

/** A restore point whose 98-byte record starts at `offset` in segment `segment`: it ends 104 bytes later (aligned to 8). */
function restorePoint(name: string, segment: number, offset: number, timeline = 1): RestorePoint {
  return {
    name, time: `2026-11-20T10:${String(segment).padStart(2, '0')}:30.000000Z`, timeline,
    startLsn: lsnIn(segment, offset), endLsn: lsnIn(segment, offset + 104), segment: segmentName(timeline, segment),
  };
}

test('a known restore point picks the newest backup that ends before the one recovery from it would meet', () => {
  // Backups: 100000 from 0/2000028 to 0/3000100, 101000 from 0/A000028 to 0/B000100.
  const early = plan({ name: 'before-change' }, { restorePoints: [restorePoint('before-change', 0x06, 0x200), restorePoint('other', 0x0c, 0x200)] });
  assert.equal(early.backup.backupId, '20261120T100000', 'the newer backup begins after it');
  assert.deepEqual(early.restorePoint, restorePoint('before-change', 0x06, 0x200));
  assert.equal(early.targetDescription, "restore point 'before-change' at lsn 0/6000268 on timeline 1, made 2026-11-20T10:06:30.000000Z");
  assert.deepEqual(early.warnings, []);
  assert.equal(early.walSegments.at(-1), segmentName(1, 0x14), 'all archived wal is still copied');

  // The same name twice: from the newer backup recovery meets the second one first.
  const daily = plan({ name: 'daily' }, { restorePoints: [restorePoint('daily', 0x06, 0x200), restorePoint('daily', 0x0c, 0x200)] });
  assert.deepEqual([daily.backup.backupId, daily.restorePoint?.endLsn], ['20261120T101000', '0/C000268']);

  // One made while the newer backup ran (after its start 0/A000028, before its end 0/B000100): only the older backup reaches it.
  const during = plan({ name: 'during' }, { restorePoints: [restorePoint('during', 0x0a, 0x800)] });
  assert.deepEqual([during.backup.backupId, during.restorePoint?.startLsn], ['20261120T100000', '0/A000800']);
});

test('a known restore point no backup can reach is refused, and so is an explicit backup that cannot reach it', () => {
  assertRefused(() => plan({ name: 'old' }, { restorePoints: [restorePoint('old', 0x01, 0x100)] }), 'target-unreachable',
    /^restore point 'old' cannot be reached from any backup of server 'main': .* \(known: lsn 0\/1000168 on timeline 1\)$/);
  assertRefused(() => plan({ name: 'before-change' }, { restorePoints: [restorePoint('before-change', 0x06, 0x200)], backupSelector: '20261120T101000' }), 'target-unreachable',
    /^restore point 'before-change' cannot be reached from backup 20261120T101000 of server 'main', which ended at lsn 0\/B000100: the known ones \(lsn 0\/6000268 on timeline 1\) are before its start$/);
  assertRefused(() => plan({ name: 'during' }, { restorePoints: [restorePoint('during', 0x0a, 0x800)], backupSelector: '20261120T101000' }), 'target-unreachable',
    /recovery from it would stop at the one at lsn 0\/A000868, before the backup is consistent$/);
  // The older backup, chosen explicitly, reaches it.
  assert.equal(plan({ name: 'during' }, { restorePoints: [restorePoint('during', 0x0a, 0x800)], backupSelector: '20261120T100000' }).restorePoint?.endLsn, '0/A000868');
});

test('only restore points on the target timeline\'s history count', () => {
  // Timeline 2 branched off 1 at 0/8000000; backup 101000 (timeline 1, from 0/A000028) is not on its history.
  const branched = makeArchive([[1, 0x02, 0x0c], [2, 0x08, 0x10]], [[2, [[1, '0/8000000']]]]);
  const points = [restorePoint('before', 0x06, 0x200), restorePoint('abandoned', 0x09, 0x200), restorePoint('after', 0x0e, 0x200, 2)];
  const before = plan({ name: 'before' }, { archive: branched, restorePoints: points });
  assert.deepEqual([before.targetTimeline, before.backup.backupId, before.restorePoint?.endLsn], [2, '20261120T100000', '0/6000268']);
  assert.equal(plan({ name: 'after' }, { archive: branched, restorePoints: points }).restorePoint?.timeline, 2);
  // Made on timeline 1 after the switch: recovery to timeline 2 never replays it.
  const abandoned = plan({ name: 'abandoned' }, { archive: branched, restorePoints: points });
  assert.equal(abandoned.restorePoint, null);
  assert.deepEqual(abandoned.warnings, [
    "no restore point named 'abandoned' is known in the archived wal of server 'main' on the history of timeline 2 (only on timeline 1); recovery will replay all wal if it is not found",
  ]);
  assert.equal(plan({ name: 'abandoned', timeline: '1' }, { archive: branched, restorePoints: points }).restorePoint?.endLsn, '0/9000268');
});

test('an explicit backup that ends after the target is refused; an unknown one too', () => {
  assertRefused(() => plan({ time: '2026-11-20 10:08:00+00' }, { backupSelector: '20261120T101000' }), 'target-unreachable', /is before the end of backup 20261120T101000/);
  assertRefused(() => plan({}, { backupSelector: 'nope' }), 'backup-unknown', /^server 'main' has no backup 'nope'/);
  assertRefused(() => plan({}, { backups: [{ ...backups[0]!, status: 'FAILED' }] }), 'target-unreachable', /has no complete backup/);
});

test('a wal gap between the backup and the target is refused, naming the segment', () => {
  const holed = makeArchive([[1, 0x02, 0x07], [1, 0x09, 0x14]]);
  assertRefused(() => plan({}, { archive: holed, backups: [backups[0]!] }), 'target-unreachable',
    /^wal gap: segment 000000010000000000000008 of server 'main' is missing from the archive, between backup 20261120T100000 and the latest archived wal/);
  // A target before the gap is reachable.
  assert.equal(plan({ lsn: lsnIn(0x05) }, { archive: holed, backups: [backups[0]!] }).walSegments.length, 4);
});

test('timelines: latest follows the history file across the switch; unknown timelines and missing history are refused', () => {
  // Promotion at 0/0C000100: timeline 2 starts in segment 0C.
  const branched = makeArchive([[1, 0x02, 0x0c], [2, 0x0c, 0x10]], [[2, [[1, '0/C000100']]]]);
  const result = plan({}, { archive: branched });
  assert.equal(result.targetTimeline, 2);
  assert.deepEqual(result.historyFiles, ['00000002.history']);
  assert.equal(result.walSegments[0], segmentName(1, 0x0a));
  assert.equal(result.walSegments.at(-1), segmentName(2, 0x10));
  assert.ok(result.walSegments.includes(segmentName(1, 0x0b)) && result.walSegments.includes(segmentName(2, 0x0c)) && !result.walSegments.includes(segmentName(1, 0x0c)));
  assert.equal(plan({ timeline: 'current' }, { archive: branched }).walSegments.at(-1), segmentName(1, 0x0c));
  assert.equal(plan({ timeline: '1' }, { archive: branched }).targetTimeline, 1);
  assertRefused(() => plan({ timeline: '3' }, { archive: branched }), 'target-unreachable', /^timeline 3 is unknown to the archive of server 'main'/);
  const noHistory = makeArchive([[1, 0x02, 0x0c], [2, 0x0c, 0x10]]);
  assertRefused(() => plan({}, { archive: noHistory }), 'target-unreachable', /^history file 00000002.history of timeline 2 is missing/);
  // A backup on timeline 1 that ended after the switch is not on timeline 2's history.
  const afterSwitch = makeBackup('20261120T102000', 1, 0x0c, 0x0c, '2026-11-20T10:20:00.000Z', { endLsn: lsnIn(0x0c, 0x200) });
  assert.equal(plan({}, { archive: branched, backups: [...backups, afterSwitch] }).backup.backupId, '20261120T101000');
});

test('a measured throughput replaces the assumed one', () => {
  const measured = { bytesPerSecond: 50 * 1024 * 1024, source: 'measured' as const, basis: 'measured by the last 2 restores' };
  const result = plan({}, { throughput: measured });
  assert.equal(result.throughputSource, 'measured');
  assert.equal(result.throughputBasis, 'measured by the last 2 restores');
  // 100 MiB of data + 11 segments (0A…14) of 16 MiB = 276 MiB; at 50 MiB/s 5.52 s, rounded up
  assert.equal(result.bytesToCopy, 276 * 1024 * 1024);
  assert.equal(result.estimatedSeconds, 6);
  // no estimate given, or a useless one: the default, and the plan says so
  for (const throughput of [undefined, { ...measured, bytesPerSecond: 0 }]) {
    const fallback = plan({}, { throughput });
    assert.equal(fallback.throughputSource, 'assumed');
    assert.equal(fallback.throughputBasis, 'default estimate: no restore measured yet');
    assert.equal(fallback.estimatedSeconds, 2); // 276 MiB at 200 MiB/s: 1.38 s
  }
});
