import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../catalog/catalog';
import { scheduledRun } from '../catalog/schedule-queries';
import { parseCronExpression } from './cron-expression';
import { currentClaimant, ScheduleClaims, type ClaimAttempt, type HeldClaim } from './schedule-claims';

// Claims on a real catalog file. Times are UTC (the schedules are read in the local zone, set here).
let folder: string;
let catalog: Catalog;
const previousZone = process.env.TZ;

before(() => {
  process.env.TZ = 'UTC';
  folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-claims-'));
  catalog = Catalog.open(path.join(folder, 'catalog.db'));
});

after(() => {
  catalog.close();
  rmSync(folder, { recursive: true, force: true });
  if (previousZone === undefined) delete process.env.TZ;
  else process.env.TZ = previousZone;
});

const at = (iso: string): Date => new Date(iso);
const timing = { leaseMs: 5 * 60_000, renewMs: 60_000 };
const daily = parseCronExpression('0 3 * * *');

function claimed(attempt: ClaimAttempt): HeldClaim {
  assert.equal(attempt.kind, 'claimed', `expected a claim, got ${attempt.kind}`);
  return (attempt as Extract<ClaimAttempt, { kind: 'claimed' }>).claim;
}

/** A pid that surely ended: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

test('a schedule seen for the first time records its baseline; it runs at its next due time, then not again', () => {
  const claims = new ScheduleClaims(catalog, timing, 'a@test');
  // At 10:00 on May 10 the latest 03:00 is the same day's: recorded, nothing runs.
  const first = claims.claimScheduled('backup', 'first', daily, at('2024-05-10T10:00:00Z'));
  assert.equal(first.kind, 'baseline');
  assert.equal(scheduledRun(catalog, 'backup:first')?.lastDue, '2024-05-10T03:00:00.000Z');
  assert.equal(scheduledRun(catalog, 'backup:first')?.outcome, 'baseline');
  // Later the same day: still May 10's 03:00, already recorded.
  assert.equal(claims.claimScheduled('backup', 'first', daily, at('2024-05-10T23:59:00Z')).kind, 'not-due');
  // May 11, 03:00: due.
  const run = claimed(claims.claimScheduled('backup', 'first', daily, at('2024-05-11T03:00:30Z')));
  assert.equal(run.due.toISOString(), '2024-05-11T03:00:00.000Z');
  assert.equal(run.previous?.lastDue, '2024-05-10T03:00:00.000Z');
  assert.equal(scheduledRun(catalog, 'backup:first')?.finishedAt, null, 'running until finished');
  run.finish('ok', 'backup 20240511T030030 DONE');
  run.finish('failed', 'a second finish changes nothing');
  const row = scheduledRun(catalog, 'backup:first')!;
  assert.deepEqual([row.outcome, row.detail, row.claimedBy], ['ok', 'backup 20240511T030030 DONE', 'a@test']);
  assert.equal(claims.claimScheduled('backup', 'first', daily, at('2024-05-11T04:00:00Z')).kind, 'not-due');
});

test('due times missed while nothing ran are claimed once, for the latest of them', () => {
  const claims = new ScheduleClaims(catalog, timing, 'a@test');
  assert.equal(claims.claimScheduled('backup', 'sleeper', daily, at('2024-05-01T12:00:00Z')).kind, 'baseline');
  // The laptop slept from May 1 to May 6, 09:00: five 03:00s went by (May 2 to 6); one run, for May 6.
  const wake = claimed(claims.claimScheduled('backup', 'sleeper', daily, at('2024-05-06T09:00:00Z')));
  assert.equal(wake.due.toISOString(), '2024-05-06T03:00:00.000Z');
  wake.finish('ok', null);
  assert.equal(claims.claimScheduled('backup', 'sleeper', daily, at('2024-05-06T09:01:00Z')).kind, 'not-due');
});

test('another scheduler never claims a due time twice, nor while the run goes on', () => {
  const mine = new ScheduleClaims(catalog, timing, currentClaimant());
  const other = new ScheduleClaims(catalog, timing, `999999@${os.hostname()}-elsewhere`);
  assert.equal(mine.claimScheduled('backup', 'shared', daily, at('2024-05-01T12:00:00Z')).kind, 'baseline');
  const run = claimed(mine.claimScheduled('backup', 'shared', daily, at('2024-05-02T03:00:00Z')));
  // The same due time, and a newer one while the first run goes on (this process is alive): not claimed.
  assert.equal(other.claimScheduled('backup', 'shared', daily, at('2024-05-02T03:00:01Z')).kind, 'running');
  assert.equal(other.claimScheduled('backup', 'shared', daily, at('2024-05-03T03:00:00Z')).kind, 'running');
  assert.notEqual(mine.runningClaim('backup', 'shared', at('2024-05-03T03:00:00Z')), null);
  run.finish('ok', null);
  assert.equal(mine.runningClaim('backup', 'shared', at('2024-05-03T03:00:00Z')), null);
  // Once it ended, the newer due time is the other scheduler's.
  const next = claimed(other.claimScheduled('backup', 'shared', daily, at('2024-05-03T03:00:00Z')));
  assert.equal(next.due.toISOString(), '2024-05-03T03:00:00.000Z');
  next.finish('ok', null);
});

test('a claim abandoned by a dead process on this host is taken over, even for its own due time', () => {
  const claims = new ScheduleClaims(catalog, timing, 'a@test');
  assert.equal(claims.claimScheduled('backup', 'crashed', daily, at('2024-05-01T12:00:00Z')).kind, 'baseline');
  const dead = `${deadPid()}@${os.hostname()}`;
  const crashed = claimed(new ScheduleClaims(catalog, timing, dead).claimScheduled('backup', 'crashed', daily, at('2024-05-02T03:00:00Z')));
  assert.equal(crashed.due.toISOString(), '2024-05-02T03:00:00.000Z');
  // Its process is gone before it finished: the same due time is claimed again.
  const again = claimed(claims.claimScheduled('backup', 'crashed', daily, at('2024-05-02T03:05:00Z')));
  assert.equal(again.tookOverFrom, dead);
  assert.equal(again.due.toISOString(), '2024-05-02T03:00:00.000Z');
  // The crashed claim's late finish no longer matches its row.
  crashed.finish('ok', 'too late');
  assert.equal(scheduledRun(catalog, 'backup:crashed')?.finishedAt, null);
  again.finish('ok', null);
  assert.equal(scheduledRun(catalog, 'backup:crashed')?.claimedBy, 'a@test');
});

test('a claim held on another host stands until its lease runs out', () => {
  const remote = new ScheduleClaims(catalog, timing, '4242@another-host');
  const local = new ScheduleClaims(catalog, timing, 'a@test');
  // Per-pass work: the first sight runs; the lease is 5 minutes from the claim.
  const held = claimed(remote.claimPass('retention', 'remote', at('2024-05-02T03:00:00Z'), at('2024-05-02T03:00:10Z')));
  assert.equal(scheduledRun(catalog, 'retention:remote')?.leaseUntil, '2024-05-02T03:05:10.000Z');
  assert.equal(local.claimPass('retention', 'remote', at('2024-05-02T03:04:00Z'), at('2024-05-02T03:04:00Z')).kind, 'running');
  const takeover = claimed(local.claimPass('retention', 'remote', at('2024-05-02T03:06:00Z'), at('2024-05-02T03:06:00Z')));
  assert.equal(takeover.tookOverFrom, '4242@another-host');
  held.finish('ok', null);
  takeover.finish('ok', null);
});

test('work done every pass is claimed once per minute', () => {
  const a = new ScheduleClaims(catalog, timing, 'a@test');
  const b = new ScheduleClaims(catalog, timing, 'b@test');
  const minute = at('2024-05-02T10:15:00Z');
  const first = claimed(a.claimPass('disk-sample', 'pg', minute, at('2024-05-02T10:15:02Z')));
  first.finish('ok', null);
  const second = b.claimPass('disk-sample', 'pg', minute, at('2024-05-02T10:15:03Z'));
  assert.equal(second.kind, 'not-due');
  assert.equal(second.kind === 'not-due' ? second.row?.claimedBy : null, 'a@test');
  claimed(b.claimPass('disk-sample', 'pg', at('2024-05-02T10:16:00Z'), at('2024-05-02T10:16:01Z'))).finish('ok', null);
  assert.equal(scheduledRun(catalog, 'disk-sample:pg')?.lastDue, '2024-05-02T10:16:00.000Z');
});

test('a changed schedule records a new baseline instead of running at once', () => {
  const claims = new ScheduleClaims(catalog, timing, 'a@test');
  assert.equal(claims.claimScheduled('backup', 'changed', daily, at('2024-05-01T12:00:00Z')).kind, 'baseline');
  // Hourly from May 2, 10:30: without the new baseline, 10:00 would run at once.
  const hourly = parseCronExpression('@hourly');
  assert.equal(claims.claimScheduled('backup', 'changed', hourly, at('2024-05-02T10:30:00Z')).kind, 'baseline');
  assert.deepEqual([scheduledRun(catalog, 'backup:changed')?.schedule, scheduledRun(catalog, 'backup:changed')?.lastDue], ['@hourly', '2024-05-02T10:00:00.000Z']);
  claimed(claims.claimScheduled('backup', 'changed', hourly, at('2024-05-02T11:00:00Z'))).finish('ok', null);
});
