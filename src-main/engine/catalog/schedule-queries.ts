/**
 * The scheduler's claims in the catalog (migration 5's scheduled_runs): one row
 * per job key ('backup:pg'), holding the latest due time claimed, who claimed
 * it, until when its lease runs, and how that run ended. claimScheduledRun is
 * the one atomic step — BEGIN IMMEDIATE, read, decide, write — so schedulers in
 * several processes sharing catalog.db never claim one due time twice. Rows and
 * that decision only: scheduler/ works out what is due and runs the jobs.
 */
import type { Catalog } from './catalog';

export type ClaimOutcome = 'baseline' | 'ok' | 'failed' | 'skipped' | 'cancelled';

export interface ScheduledRunRow {
  jobKey: string;
  /** the cron expression the due time came from; null for jobs that run every pass */
  schedule: string | null;
  /** ISO time of the latest due time claimed (or recorded as the baseline) */
  lastDue: string;
  /** '<pid>@<host>' of the scheduler that claimed it */
  claimedBy: string;
  claimedAt: string;
  /** an unfinished claim whose holder lives on another host is stale once this has passed */
  leaseUntil: string;
  /** null while the claimed run goes on */
  finishedAt: string | null;
  outcome: ClaimOutcome | null;
  detail: string | null;
}

export interface ClaimRequest {
  jobKey: string;
  due: Date;
  schedule: string | null;
  claimant: string;
  now: Date;
  leaseMs: number;
  /** a job never claimed before: record `due` as its baseline without running ('baseline'), or run it ('run') */
  firstSight: 'baseline' | 'run';
  /** whether an unfinished claim was abandoned (its process is gone, or its lease ran out) */
  isStale(row: ScheduledRunRow): boolean;
}

/** Who holds a claim, to finish it or renew its lease: only the claim itself matches. */
export interface ClaimToken {
  jobKey: string;
  claimant: string;
  claimedAt: string;
}

export type ClaimDecision =
  /** the caller runs the job now; tookOverFrom names an abandoned claim it replaced */
  | { kind: 'claimed'; token: ClaimToken; previous: ScheduledRunRow | null; tookOverFrom: string | null }
  /** first sight (or a changed schedule): `due` recorded, nothing runs */
  | { kind: 'baseline'; row: ScheduledRunRow }
  /** `due` is not newer than the last claim */
  | { kind: 'not-due'; row: ScheduledRunRow }
  /** the last claim's run still goes on, here or in another live process */
  | { kind: 'running'; row: ScheduledRunRow };

const selectColumns = `SELECT job_key AS jobKey, schedule, last_due AS lastDue, claimed_by AS claimedBy, claimed_at AS claimedAt,
  lease_until AS leaseUntil, finished_at AS finishedAt, outcome, detail FROM scheduled_runs`;

export function scheduledRun(catalog: Catalog, jobKey: string): ScheduledRunRow | null {
  return (catalog.db.prepare(`${selectColumns} WHERE job_key = ?`).get(jobKey) as ScheduledRunRow | undefined) ?? null;
}

export function listScheduledRuns(catalog: Catalog): ScheduledRunRow[] {
  return catalog.db.prepare(`${selectColumns} ORDER BY job_key`).all() as ScheduledRunRow[];
}

/** Decides and records, in one immediate transaction, whether the caller runs `due` of the job. */
export function claimScheduledRun(catalog: Catalog, request: ClaimRequest): ClaimDecision {
  const decide = catalog.db.transaction((): ClaimDecision => {
    const row = scheduledRun(catalog, request.jobKey);
    const now = request.now.toISOString();
    const due = request.due.toISOString();
    const abandoned = row !== null && row.finishedAt === null && request.isStale(row);
    if (row !== null && row.finishedAt === null && !abandoned) return { kind: 'running', row };

    const scheduleChanged = row !== null && row.schedule !== request.schedule;
    if (request.firstSight === 'baseline' && (row === null || scheduleChanged)) {
      const baseline: ScheduledRunRow = {
        jobKey: request.jobKey, schedule: request.schedule, lastDue: due, claimedBy: request.claimant, claimedAt: now,
        leaseUntil: now, finishedAt: now, outcome: 'baseline',
        detail: abandoned ? `the run claimed by ${row.claimedBy} at ${row.claimedAt} was abandoned` : null,
      };
      writeRow(catalog, baseline);
      return { kind: 'baseline', row: baseline };
    }
    // An abandoned run is claimed again even for the same due time: it never finished.
    if (row !== null && !abandoned && Date.parse(due) <= Date.parse(row.lastDue)) return { kind: 'not-due', row };

    const lastDue = row !== null && Date.parse(row.lastDue) > Date.parse(due) ? row.lastDue : due;
    writeRow(catalog, {
      jobKey: request.jobKey, schedule: request.schedule, lastDue, claimedBy: request.claimant, claimedAt: now,
      leaseUntil: new Date(request.now.getTime() + request.leaseMs).toISOString(), finishedAt: null, outcome: null, detail: null,
    });
    return {
      kind: 'claimed',
      token: { jobKey: request.jobKey, claimant: request.claimant, claimedAt: now },
      previous: row,
      tookOverFrom: abandoned ? row.claimedBy : null,
    };
  });
  return decide.immediate();
}

/** Records how a claimed run ended; false when the claim is no longer the caller's (taken over meanwhile). */
export function finishScheduledRun(catalog: Catalog, token: ClaimToken, outcome: ClaimOutcome, detail: string | null, now: Date): boolean {
  return catalog.db.prepare(`UPDATE scheduled_runs SET finished_at = ?, outcome = ?, detail = ?
    WHERE job_key = ? AND claimed_by = ? AND claimed_at = ? AND finished_at IS NULL`)
    .run(now.toISOString(), outcome, detail, token.jobKey, token.claimant, token.claimedAt).changes === 1;
}

/** Extends a running claim's lease; false when it is no longer the caller's. */
export function renewScheduledRun(catalog: Catalog, token: ClaimToken, leaseUntil: Date): boolean {
  return catalog.db.prepare(`UPDATE scheduled_runs SET lease_until = ?
    WHERE job_key = ? AND claimed_by = ? AND claimed_at = ? AND finished_at IS NULL`)
    .run(leaseUntil.toISOString(), token.jobKey, token.claimant, token.claimedAt).changes === 1;
}

function writeRow(catalog: Catalog, row: ScheduledRunRow): void {
  catalog.db.prepare(`INSERT INTO scheduled_runs (job_key, schedule, last_due, claimed_by, claimed_at, lease_until, finished_at, outcome, detail)
    VALUES (@jobKey, @schedule, @lastDue, @claimedBy, @claimedAt, @leaseUntil, @finishedAt, @outcome, @detail)
    ON CONFLICT (job_key) DO UPDATE SET schedule = excluded.schedule, last_due = excluded.last_due, claimed_by = excluded.claimed_by,
      claimed_at = excluded.claimed_at, lease_until = excluded.lease_until, finished_at = excluded.finished_at,
      outcome = excluded.outcome, detail = excluded.detail`).run(row);
}
