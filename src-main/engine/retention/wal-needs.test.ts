import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from '../../../shared/domain/backup';
import { BackupId, ServerName } from '../../../shared/domain/names';
import { evaluateRetention } from './policy';
import { planWalDeletion, type WalKeepReason } from './wal-needs';

const dayMs = 86_400_000;
const now = new Date('2026-11-03T03:00:00Z');

/** A segment name: timeline, log, segment, as PostgreSQL writes them (8 upper-case hex digits each). */
function segmentName(timeline: number, segment: number, log = 0): string {
  return [timeline, log, segment].map((part) => part.toString(16).toUpperCase().padStart(8, '0')).join('');
}

function segmentRange(timeline: number, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, index) => segmentName(timeline, from + index));
}

function makeBackup(daysAgo: number, beginWal: string | null, endWal: string | null, overrides: Partial<BackupInfo> = {}): BackupInfo {
  const begin = new Date(now.getTime() - daysAgo * dayMs);
  return {
    formatVersion: 1, server: ServerName.parse('main'), backupId: BackupId.parse(begin.toISOString().slice(0, 19).replace(/[-:]/g, '')),
    name: null, status: 'DONE', method: 'postgres', beginTime: begin.toISOString(), endTime: new Date(begin.getTime() + 1_800_000).toISOString(),
    beginLsn: null, endLsn: null, beginWal, endWal, timeline: beginWal === null ? null : parseInt(beginWal.slice(0, 8), 16),
    systemId: null, pgVersion: null, dataChecksums: null, sizeBytes: 0, ownBytes: null, walBytes: null, keep: null, error: null, ...overrides,
  };
}

function countReasons(counts: Partial<Record<WalKeepReason, number>>): Record<WalKeepReason, number> {
  return {
    'history-file': 0, 'needed-by-backup': 0, 'standalone-keep-range': 0, 'unrecognised-name': 0,
    'no-full-backup-remains': 0, 'backup-begin-unknown': 0, ...counts,
  };
}

test('WAL older than the oldest remaining full backup goes, except a standalone keep’s own range', () => {
  // Catalog, oldest first (TL = timeline, positions in hex on log 0):
  //   S  −30 d  keep standalone  TL1 12..13
  //   O  −20 d                   TL1 15..16   → OBSOLETE under REDUNDANCY 2
  //   F  −15 d  FAILED           TL1 18..
  //   V  −10 d                   TL1 20..21   → VALID
  //   V2  −2 d                   TL2 28..28   → VALID (after a promotion at 25; 00000002.history)
  // Backups that recover onward: V and V2 → lowest timeline 1, lowest begin 20: every segment on
  // TL ≥ 1 at ≥ 20 stays: TL1 20..26 (7) + TL2 25..2A (6) + V's .backup label = 14.
  // S keeps only TL1 12..13 (2). The history file stays (1).
  // Deletable: TL1 10, 11 (before S), 14..1F (after S's end up to V's begin, O's and F's WAL
  // among them) = 2 + 12 = 14 segments, plus O's .backup label = 15.
  const s = makeBackup(30, segmentName(1, 0x12), segmentName(1, 0x13), { keep: 'standalone' });
  const o = makeBackup(20, segmentName(1, 0x15), segmentName(1, 0x16));
  const f = makeBackup(15, segmentName(1, 0x18), null, { status: 'FAILED', endTime: null });
  const v = makeBackup(10, segmentName(1, 0x20), segmentName(1, 0x21));
  const v2 = makeBackup(2, segmentName(2, 0x28), segmentName(2, 0x28));
  const backups = [s, o, f, v, v2];
  const retention = evaluateRetention({ backups, policy: { kind: 'redundancy', copies: 2 }, minimumRedundancy: 1, now });
  assert.deepEqual(retention.obsolete, [o.backupId]);

  const oLabel = `${segmentName(1, 0x15)}.00000028.backup`;
  const vLabel = `${segmentName(1, 0x20)}.00000028.backup`;
  const walFiles = [...segmentRange(1, 0x10, 0x26), ...segmentRange(2, 0x25, 0x2a), '00000002.history', oLabel, vLabel];
  const plan = planWalDeletion({ walFiles, backups, retention });

  assert.equal(plan.firstNeeded, '000000010000000000000020');
  assert.deepEqual(plan.deletable, [...segmentRange(1, 0x10, 0x11), ...segmentRange(1, 0x14, 0x15), oLabel, ...segmentRange(1, 0x16, 0x1f)]);
  assert.deepEqual(plan.keptBecause, countReasons({ 'needed-by-backup': 14, 'standalone-keep-range': 2, 'history-file': 1 }));
  assert.equal(plan.kept.length + plan.deletable.length, walFiles.length);
  assert.ok(plan.kept.includes(segmentName(1, 0x12)) && plan.kept.includes(segmentName(1, 0x13)));
  assert.deepEqual(plan.blockedBy, []);
});

test('timelines: segments on a timeline lower than every remaining backup’s go, higher branches stay', () => {
  // The only backup, V, begins on TL2 at 30 (TL2 branched from TL1 at 2C; TL3 from TL2 at 32).
  // Kept: TL ≥ 2 at ≥ 30 → TL2 30..34 (5, one .gz, one .zst) + TL3 32..33 (2) = 7; history files 2.
  // Deleted: all of TL1 28..34 (13, and a .partial at 2C: 14, segments past 30 included: an
  // old primary's abandoned timeline that no backup replays) + TL2 2C..2F (4) = 18.
  // 'README' and a lower-case name are not WAL names: kept and counted as unrecognised.
  const v = makeBackup(1, segmentName(2, 0x30), segmentName(2, 0x30));
  const retention = evaluateRetention({ backups: [v], policy: { kind: 'redundancy', copies: 1 }, minimumRedundancy: 0, now });
  const tl2 = segmentRange(2, 0x2c, 0x34).map((name) => (name.endsWith('31') ? `${name}.gz` : name.endsWith('32') ? `${name}.zst` : name));
  const walFiles = [
    ...segmentRange(1, 0x28, 0x34), `${segmentName(1, 0x2c)}.partial`, ...tl2, ...segmentRange(3, 0x32, 0x33),
    '00000002.history', '00000003.history.gz', 'README', segmentName(2, 0x3a).toLowerCase(),
  ];
  const plan = planWalDeletion({ walFiles, backups: [v], retention });
  assert.equal(plan.firstNeeded, '000000020000000000000030');
  assert.equal(plan.deletable.length, 13 + 1 + 4);
  assert.ok(plan.deletable.every((name) => name.startsWith('00000001') || name < segmentName(2, 0x30)));
  assert.deepEqual(plan.keptBecause, countReasons({ 'needed-by-backup': 7, 'history-file': 2, 'unrecognised-name': 2 }));
  assert.ok(plan.kept.includes(`${segmentName(2, 0x31)}.gz`) && plan.kept.includes(`${segmentName(2, 0x32)}.zst`));
});

test('segment order crosses log boundaries: …000000FF comes before …0000000100000000', () => {
  // V begins at log 1, segment 02 on TL1. Kept: log 1 segments 02, 03. Deleted: log 0 FE, FF and
  // log 1 00, 01. The report does not mention V: an unknown backup counts as remaining.
  const v = makeBackup(1, segmentName(1, 0x02, 1), segmentName(1, 0x02, 1));
  const walFiles = [segmentName(1, 0xfe), segmentName(1, 0xff), ...[0, 1, 2, 3].map((segment) => segmentName(1, segment, 1))];
  const plan = planWalDeletion({ walFiles, backups: [v], retention: { backups: [] } });
  assert.deepEqual(plan.deletable, [segmentName(1, 0xfe), segmentName(1, 0xff), segmentName(1, 0, 1), segmentName(1, 1, 1)]);
  assert.deepEqual(plan.kept, [segmentName(1, 2, 1), segmentName(1, 3, 1)]);
});

test('with no backup that recovers onward, no WAL is deleted', () => {
  // Only a standalone keep remains (the older backup is obsolete under REDUNDANCY 0 … here
  // simply: S is the only backup). Nothing anchors the archive, so nothing goes: a new full
  // backup may yet need it, and Barman too removes WAL only behind a remaining backup.
  const s = makeBackup(5, segmentName(1, 0x12), segmentName(1, 0x13), { keep: 'standalone' });
  const walFiles = [...segmentRange(1, 0x10, 0x15), '00000001.history'];
  const retention = evaluateRetention({ backups: [s], policy: { kind: 'redundancy', copies: 1 }, minimumRedundancy: 0, now });
  const plan = planWalDeletion({ walFiles, backups: [s], retention });
  assert.deepEqual(plan.deletable, []);
  assert.equal(plan.firstNeeded, null);
  assert.deepEqual(plan.keptBecause, countReasons({ 'no-full-backup-remains': 6, 'history-file': 1 }));

  const empty = planWalDeletion({ walFiles, backups: [], retention: evaluateRetention({ backups: [], policy: null, minimumRedundancy: 0, now }) });
  assert.deepEqual(empty.deletable, []);
  assert.equal(empty.keptBecause['no-full-backup-remains'], 6);
});

test('a backup whose begin WAL is not known yet blocks every deletion', () => {
  // R has just started: its begin WAL may already be in the archive but is not recorded yet,
  // so even the segments before V (10, 11) stay.
  const v = makeBackup(3, segmentName(1, 0x12), segmentName(1, 0x12));
  const r = makeBackup(0, null, null, { status: 'STARTED', endTime: null });
  const retention = evaluateRetention({ backups: [v, r], policy: { kind: 'redundancy', copies: 1 }, minimumRedundancy: 0, now });
  const plan = planWalDeletion({ walFiles: segmentRange(1, 0x10, 0x13), backups: [v, r], retention });
  assert.deepEqual(plan.deletable, []);
  assert.deepEqual(plan.blockedBy, [r.backupId]);
  assert.deepEqual(plan.keptBecause, countReasons({ 'backup-begin-unknown': 4 }));
});

test('a backup kept by minimum_redundancy keeps its WAL like a valid one', () => {
  // REDUNDANCY 1 makes A (begin 14) OBSOLETE, but minimum_redundancy 2 holds it
  // (POTENTIALLY_OBSOLETE), so the archive is kept from 14 on; only 10..13 go.
  const a = makeBackup(4, segmentName(1, 0x14), segmentName(1, 0x14));
  const b = makeBackup(2, segmentName(1, 0x18), segmentName(1, 0x18));
  const retention = evaluateRetention({ backups: [a, b], policy: { kind: 'redundancy', copies: 1 }, minimumRedundancy: 2, now });
  assert.equal(retention.backups[1]?.status, 'POTENTIALLY_OBSOLETE');
  const plan = planWalDeletion({ walFiles: segmentRange(1, 0x10, 0x19), backups: [a, b], retention });
  assert.deepEqual(plan.deletable, segmentRange(1, 0x10, 0x13));
  assert.equal(plan.firstNeeded, segmentName(1, 0x14));
});
