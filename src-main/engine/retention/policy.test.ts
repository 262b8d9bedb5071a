import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupInfo } from '../../../shared/domain/backup';
import { BackupId, ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { evaluateRetention, type RetentionReport } from './policy';
import { computeWindowStart, formatPolicy } from './recovery-window';

const dayMs = 86_400_000;
const now = new Date('2026-11-03T03:00:00Z');

/** A backup that began at `begin` and took `minutes`; its id is its begin time, as the catalog names it. */
function makeBackup(begin: Date, overrides: Partial<BackupInfo> = {}, minutes = 30): BackupInfo {
  const id = begin.toISOString().slice(0, 19).replace(/[-:]/g, '');
  return {
    formatVersion: 1, server: ServerName.parse('main'), backupId: BackupId.parse(id), name: null, status: 'DONE', method: 'postgres',
    beginTime: begin.toISOString(), endTime: new Date(begin.getTime() + minutes * 60_000).toISOString(),
    beginLsn: null, endLsn: null, beginWal: null, endWal: null, timeline: 1, systemId: null, pgVersion: null, dataChecksums: null,
    sizeBytes: 0, ownBytes: null, walBytes: null, keep: null, error: null, ...overrides,
  };
}

function daysAgo(days: number, from = now): Date {
  return new Date(from.getTime() - days * dayMs);
}

/** backupId → status, newest first: the shape of list-backup's column. */
function statusesOf(report: RetentionReport): Array<[string, string]> {
  return report.backups.map((verdict) => [verdict.backupId, verdict.status]);
}

function reasonOf(report: RetentionReport, backup: BackupInfo): string {
  return report.backups.find((verdict) => verdict.backupId === backup.backupId)?.reason ?? '';
}

test('a 7-day window with gaps keeps what ends inside it plus the newest backup ending before it', () => {
  // now = 11-03 03:00, window start = 10-27 03:00. Backups begin at 03:00 on days
  // −20 (10-14), −15 (10-19), −9 (10-25), −2 (11-01) and take 30 minutes.
  // −2 ends inside the window: VALID. −9 ends 10-25 03:30, before the start, and is
  // the newest such: VALID as the base (recovery to 10-27 03:00 starts from it).
  // −15 and −20 are older than the base: OBSOLETE.
  const [d20, d15, d9, d2] = [20, 15, 9, 2].map((days) => makeBackup(daysAgo(days)));
  const report = evaluateRetention({ backups: [d9, d20, d2, d15].map((b) => b!), policy: { kind: 'recovery-window', amount: 7, unit: 'days' }, minimumRedundancy: 0, now });
  assert.equal(report.windowStart, '2026-10-27T03:00:00.000Z');
  assert.deepEqual(statusesOf(report), [
    ['20261101T030000', 'VALID'], ['20261025T030000', 'VALID'], ['20261019T030000', 'OBSOLETE'], ['20261014T030000', 'OBSOLETE'],
  ]);
  assert.equal(reasonOf(report, d15!), 'older than the recovery window starting 2026-10-27 03:00 UTC and not needed as its base');
  assert.equal(reasonOf(report, d9!), 'the base for the recovery window starting 2026-10-27 03:00 UTC: the newest backup ending before it');
  assert.equal(reasonOf(report, d2!), 'ends inside the recovery window starting 2026-10-27 03:00 UTC (RECOVERY WINDOW OF 7 DAYS)');
  assert.deepEqual(report.obsolete, ['20261019T030000', '20261014T030000']);
  // The earliest moment one can still recover to is the base's end.
  assert.deepEqual(report.firstRecoverable, { backupId: '20261025T030000', from: '2026-10-25T03:30:00.000Z' });
});

test('a backup straddling the window start is not its base: the base must have ended before it', () => {
  // Window start 10-27 03:00. B begins 10-27 02:00 and ends 04:00: it is consistent only
  // from 04:00, so it cannot recover to 03:00. It is VALID (inside), and the base is A
  // (10-26 03:00, ended 03:30). Z (10-20) is OBSOLETE.
  const z = makeBackup(new Date('2026-10-20T03:00:00Z'));
  const a = makeBackup(new Date('2026-10-26T03:00:00Z'));
  const b = makeBackup(new Date('2026-10-27T02:00:00Z'), {}, 120);
  const report = evaluateRetention({ backups: [z, a, b], policy: { kind: 'recovery-window', amount: 1, unit: 'weeks' }, minimumRedundancy: 0, now });
  assert.deepEqual(statusesOf(report), [['20261027T020000', 'VALID'], ['20261026T030000', 'VALID'], ['20261020T030000', 'OBSOLETE']]);
  assert.match(reasonOf(report, a), /^the base for/);
});

test('REDUNDANCY 2 keeps the 2 newest unmarked completed backups; keeps and failures do not count', () => {
  // Newest first: A (−1 d), F (−2 d, FAILED), K (−3 d, keep full), B (−4 d), C (−5 d), S (−6 d, keep standalone).
  // Counting only DONE unmarked backups: A is 1st, B is 2nd → VALID; C is 3rd → OBSOLETE.
  // K and S are outside the policy. (Barman would count K as the 2nd and make B obsolete.)
  // F is FAILED: reported on its own and listed for cleanup, never as OBSOLETE.
  const a = makeBackup(daysAgo(1));
  const f = makeBackup(daysAgo(2), { status: 'FAILED', endTime: null, error: 'connection lost' });
  const k = makeBackup(daysAgo(3), { keep: 'full' });
  const b = makeBackup(daysAgo(4));
  const c = makeBackup(daysAgo(5));
  const s = makeBackup(daysAgo(6), { keep: 'standalone' });
  const report = evaluateRetention({ backups: [s, c, b, k, f, a], policy: { kind: 'redundancy', copies: 2 }, minimumRedundancy: 0, now });
  assert.deepEqual(statusesOf(report), [
    ['20261102T030000', 'VALID'], ['20261101T030000', 'FAILED'], ['20261031T030000', 'KEEP:FULL'],
    ['20261030T030000', 'VALID'], ['20261029T030000', 'OBSOLETE'], ['20261028T030000', 'KEEP:STANDALONE'],
  ]);
  assert.equal(reasonOf(report, c), 'older than the 2 newest completed backups that REDUNDANCY 2 keeps');
  assert.equal(reasonOf(report, b), 'one of the 2 newest completed backups that REDUNDANCY 2 keeps');
  assert.match(reasonOf(report, k), /^kept \(target full\): outside the retention policy/);
  assert.match(reasonOf(report, s), /only the WAL between its begin and end/);
  assert.deepEqual(report.obsolete, ['20261029T030000']);
  assert.deepEqual(report.failed, ['20261101T030000']);
  // The oldest backup that recovers to any later moment is B (−4 d): C goes, and S, though
  // older, stops at its end.
  assert.equal(report.firstRecoverable?.backupId, '20261030T030000');
});

test('backups still running are outside the policy and never obsolete', () => {
  // REDUNDANCY 1: R (STARTED) and W (WAITING_FOR_WALS) are newer than A but not DONE, so A is
  // the 1st completed backup → VALID; O → OBSOLETE.
  const o = makeBackup(daysAgo(3));
  const a = makeBackup(daysAgo(2));
  const w = makeBackup(daysAgo(1), { status: 'WAITING_FOR_WALS' });
  const r = makeBackup(daysAgo(0), { status: 'STARTED', endTime: null });
  const report = evaluateRetention({ backups: [o, a, w, r], policy: { kind: 'redundancy', copies: 1 }, minimumRedundancy: 0, now });
  assert.deepEqual(statusesOf(report).map(([, status]) => status), ['IN_PROGRESS', 'IN_PROGRESS', 'VALID', 'OBSOLETE']);
  assert.equal(reasonOf(report, r), 'not finished (STARTED): outside the retention policy, never deleted by it');
});

test('minimum_redundancy overrides a short window: the newest 3 completed backups stay', () => {
  // 1-day window starting 11-02 03:00. Backups on days −10, −5, −3, −2.5 all ended before
  // it: −2.5 (10-31 15:00) is the base → VALID; −3, −5, −10 are OBSOLETE by the window.
  // minimum_redundancy 3 holds the 3 newest completed ones (−2.5, −3, −5):
  // −3 and −5 become POTENTIALLY_OBSOLETE; −10 stays OBSOLETE.
  const backups = [10, 5, 3, 2.5].map((days) => makeBackup(daysAgo(days)));
  const report = evaluateRetention({ backups, policy: { kind: 'recovery-window', amount: 1, unit: 'days' }, minimumRedundancy: 3, now });
  assert.deepEqual(statusesOf(report).map(([, status]) => status), ['VALID', 'POTENTIALLY_OBSOLETE', 'POTENTIALLY_OBSOLETE', 'OBSOLETE']);
  assert.equal(
    report.backups[1]?.reason,
    'older than the recovery window starting 2026-11-02 03:00 UTC and not needed as its base, but minimum_redundancy = 3 keeps the 3 newest completed backups',
  );
  assert.deepEqual(report.obsolete, [backups[0]?.backupId]);
  // The oldest survivor, −5 d, is the first recoverable one.
  assert.equal(report.firstRecoverable?.backupId, backups[1]?.backupId);
});

test('when the policy would drop every backup, minimum_redundancy = 1 keeps the newest', () => {
  // REDUNDANCY 0 (the config refuses it; the function takes it as "the policy keeps none"):
  // all three are OBSOLETE by the policy; minimum_redundancy 1 holds the newest (−1 d).
  const backups = [3, 2, 1].map((days) => makeBackup(daysAgo(days)));
  const report = evaluateRetention({ backups, policy: { kind: 'redundancy', copies: 0 }, minimumRedundancy: 1, now });
  assert.deepEqual(statusesOf(report).map(([, status]) => status), ['POTENTIALLY_OBSOLETE', 'OBSOLETE', 'OBSOLETE']);
  assert.match(report.backups[0]?.reason ?? '', /but minimum_redundancy = 1 keeps the newest completed backup$/);
  assert.equal(report.firstRecoverable?.backupId, '20261102T030000');
});

test('keeps never serve as the window base: the base is the newest unmarked backup ending before the start', () => {
  // 7-day window from 10-27 03:00. K (−8 d, keep full) is the newest backup ending before it,
  // but keeps are outside the policy: the base is A (−12 d); Z (−30 d) is OBSOLETE.
  const z = makeBackup(daysAgo(30));
  const a = makeBackup(daysAgo(12));
  const k = makeBackup(daysAgo(8), { keep: 'full' });
  const report = evaluateRetention({ backups: [z, a, k], policy: { kind: 'recovery-window', amount: 7, unit: 'days' }, minimumRedundancy: 0, now });
  assert.deepEqual(statusesOf(report).map(([, status]) => status), ['KEEP:FULL', 'VALID', 'OBSOLETE']);
});

test('a 1-month window is a calendar month: 03-31 minus one month is 02-28, not 03-03', () => {
  // now = 2026-03-31 03:00 → window start 2026-02-28 03:00 (February has 28 days in 2026).
  // Backups: 02-26 03:00, 02-28 01:00 (ends 01:30), 03-02 03:00, 03-30 03:00.
  // 03-30 and 03-02 end inside → VALID; 02-28 01:00 is the newest ending before the start
  // → the base; 02-26 → OBSOLETE. (With Date.setUTCMonth's overflow to 03-03, 03-02 would
  // wrongly become the base and 02-28 obsolete.)
  const monthNow = new Date('2026-03-31T03:00:00Z');
  const backups = ['2026-02-26T03:00:00Z', '2026-02-28T01:00:00Z', '2026-03-02T03:00:00Z', '2026-03-30T03:00:00Z'].map((t) => makeBackup(new Date(t)));
  const report = evaluateRetention({ backups, policy: { kind: 'recovery-window', amount: 1, unit: 'months' }, minimumRedundancy: 0, now: monthNow });
  assert.equal(report.windowStart, '2026-02-28T03:00:00.000Z');
  assert.deepEqual(statusesOf(report), [
    ['20260330T030000', 'VALID'], ['20260302T030000', 'VALID'], ['20260228T010000', 'VALID'], ['20260226T030000', 'OBSOLETE'],
  ]);
  assert.equal(report.backups[3]?.reason, 'older than the recovery window starting 2026-02-28 03:00 UTC and not needed as its base');
});

test('month arithmetic clamps to the last day and crosses years; days and weeks are exact', () => {
  const start = (iso: string, amount: number, unit: 'days' | 'weeks' | 'months') =>
    computeWindowStart(new Date(iso), { kind: 'recovery-window', amount, unit }).toISOString();
  assert.equal(start('2028-03-31T12:34:56.789Z', 1, 'months'), '2028-02-29T12:34:56.789Z'); // leap year
  assert.equal(start('2026-05-31T00:00:00.000Z', 3, 'months'), '2026-02-28T00:00:00.000Z');
  assert.equal(start('2026-05-31T00:00:00.000Z', 1, 'months'), '2026-04-30T00:00:00.000Z');
  assert.equal(start('2026-01-15T08:00:00.000Z', 2, 'months'), '2025-11-15T08:00:00.000Z');
  assert.equal(start('2026-03-01T00:00:00.000Z', 14, 'months'), '2025-01-01T00:00:00.000Z');
  assert.equal(start('2026-03-31T10:00:00.000Z', 2, 'weeks'), '2026-03-17T10:00:00.000Z');
  assert.equal(start('2026-03-30T10:00:00.000Z', 30, 'days'), '2026-02-28T10:00:00.000Z');
  assert.equal(formatPolicy({ kind: 'recovery-window', amount: 1, unit: 'months' }), 'RECOVERY WINDOW OF 1 MONTH');
  assert.equal(formatPolicy({ kind: 'recovery-window', amount: 4, unit: 'weeks' }), 'RECOVERY WINDOW OF 4 WEEKS');
});

test('an empty catalog has nothing obsolete and nothing recoverable', () => {
  const report = evaluateRetention({ backups: [], policy: { kind: 'recovery-window', amount: 7, unit: 'days' }, minimumRedundancy: 2, now });
  assert.deepEqual(report, { backups: [], windowStart: '2026-10-27T03:00:00.000Z', firstRecoverable: null, obsolete: [], failed: [] });
});

test('without a retention policy every completed backup is VALID', () => {
  const backups = [2, 1].map((days) => makeBackup(daysAgo(days)));
  const report = evaluateRetention({ backups, policy: null, minimumRedundancy: 0, now });
  assert.deepEqual(report.backups.map((verdict) => [verdict.status, verdict.reason]), [['VALID', 'no retention policy is set'], ['VALID', 'no retention policy is set']]);
  assert.equal(report.windowStart, null);
});

test('bad input fails with the error code and message users see', () => {
  assert.throws(
    () => evaluateRetention({ backups: [], policy: null, minimumRedundancy: -1, now }),
    (error: unknown) => error instanceof EngineError && error.code === 'invalid-input' && error.message === 'minimum_redundancy -1 is not a whole number of at least 0',
  );
  assert.throws(
    () => evaluateRetention({ backups: [], policy: { kind: 'recovery-window', amount: 0, unit: 'days' }, minimumRedundancy: 0, now }),
    (error: unknown) => error instanceof EngineError && error.code === 'invalid-input' && error.message === 'a recovery window of 0 days is empty',
  );
  const broken = makeBackup(daysAgo(1), { beginTime: 'yesterday' });
  assert.throws(
    () => evaluateRetention({ backups: [broken], policy: null, minimumRedundancy: 0, now }),
    (error: unknown) => error instanceof EngineError && error.code === 'catalog-failed' && error.message === `backup '${broken.backupId}' has an unreadable time 'yesterday'`,
  );
});
