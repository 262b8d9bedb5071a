/**
 * What the steps of a scheduler pass share: the context a pass hands them, the
 * outcome each step reports per server and job, and the claim → run → finish →
 * report sequence of work done every pass. The steps themselves are in
 * wal-steps.ts, backup-steps.ts and health-steps.ts; scheduler.ts orders them.
 */
import type { ServerName } from '../../../shared/domain/names';
import { toErrorPayload } from '../../../shared/errors';
import type { ServerConfig } from '../config/load';
import type { Engine } from '../engine';
import { formatLocalMinute } from './cron-expression';
import type { ReceiverLauncher } from './receiver-launcher';
import type { ClaimAttempt, ScheduleClaims, ScheduledJobName } from './schedule-claims';

/**
 * ran: done; started: a long job (backup, check) or receive-wal began; failed;
 * running: it still goes on (here or in another process); not-due: its due
 * time was claimed already; baseline: a schedule seen for the first time;
 * skipped: not run now for a reason the detail gives (the next pass tries again).
 */
export type JobStatus = 'ran' | 'started' | 'failed' | 'running' | 'not-due' | 'baseline' | 'skipped';

export interface JobOutcome {
  server: ServerName;
  job: ScheduledJobName;
  status: JobStatus;
  detail: string;
  /** the due time claimed or looked at, ISO; null when none applies */
  due: string | null;
  /** nothing a log needs: not due, still running, skipped, or done without changing anything */
  routine: boolean;
  /** when the outcome was reported, ISO */
  at: string;
}

/** What a step reports; `routine` is worked out from the status unless the step says a run changed nothing. */
export type ReportedOutcome = Omit<JobOutcome, 'at' | 'routine'> & { changedNothing?: boolean };

export interface PassContext {
  engine: Engine;
  claims: ScheduleClaims;
  receivers: ReceiverLauncher;
  /** when the pass began: schedules are judged at this moment */
  now: Date;
  /** the pass's minute, which work done every pass claims */
  minute: Date;
  report(outcome: ReportedOutcome): void;
  /** long work (a backup, a check) the pass starts and does not wait for */
  track(work: Promise<void>): void;
  /** a job a step submitted, so that stopping the scheduler can cancel it */
  adopt(jobId: string, done: Promise<unknown>): void;
}

/** The detail of an attempt that did not claim: who holds or held the job. */
export function describeUnclaimed(attempt: Exclude<ClaimAttempt, { kind: 'claimed' }>, perPass: boolean): string {
  const row = attempt.row;
  if (row === null) return 'no due time within 28 years';
  switch (attempt.kind) {
    case 'running':
      return `the run claimed at ${row.claimedAt} by ${row.claimedBy} still goes on`;
    case 'baseline':
      return `first seen: due times count from ${formatLocalMinute(new Date(row.lastDue))}`;
    case 'not-due':
      return perPass
        ? `done this minute by ${row.claimedBy}${row.outcome === null ? '' : ` (${row.outcome})`}`
        : `last claimed for ${formatLocalMinute(new Date(row.lastDue))} by ${row.claimedBy}${row.outcome === null ? '' : ` (${row.outcome})`}`;
  }
}

export function errorMessage(error: unknown): string {
  return toErrorPayload(error).message;
}

export function isErrorCode(error: unknown, code: string): boolean {
  return toErrorPayload(error).code === code;
}

export interface PassJobResult {
  detail: string;
  /** false when the run found nothing to do (nothing in incoming/, nothing obsolete) or only measured */
  changed: boolean;
}

/** Whether an outcome is routine (see JobOutcome.routine). */
export function isRoutine(outcome: ReportedOutcome): boolean {
  return outcome.status === 'not-due' || outcome.status === 'running' || outcome.status === 'skipped' || outcome.changedNothing === true;
}

export interface PassJobOptions {
  /** the minute to claim; the pass's own by default */
  minute?: Date;
  /** an error that means "not now" rather than a failure (e.g. the server's backup lock is held) */
  skipWhen?: (error: unknown) => boolean;
}

/**
 * Work done every pass: claim the minute, run, record the end, report. Two
 * schedulers in the same minute run it once; a failure is also an event.
 */
export async function runPassJob(pass: PassContext, server: ServerConfig, job: ScheduledJobName, work: () => Promise<PassJobResult>, options: PassJobOptions = {}): Promise<void> {
  const minute = options.minute ?? pass.minute;
  const attempt = pass.claims.claimPass(job, server.name, minute, new Date());
  const due = minute.toISOString();
  if (attempt.kind !== 'claimed') {
    pass.report({ server: server.name, job, status: attempt.kind === 'running' ? 'running' : 'not-due', detail: describeUnclaimed(attempt, true), due });
    return;
  }
  try {
    const { detail, changed } = await work();
    attempt.claim.finish('ok', detail);
    pass.report({ server: server.name, job, status: 'ran', detail, due, changedNothing: !changed });
  } catch (error) {
    const message = errorMessage(error);
    if (options.skipWhen?.(error)) {
      attempt.claim.finish('skipped', message);
      pass.report({ server: server.name, job, status: 'skipped', detail: `${message}; the next pass tries again`, due });
      return;
    }
    attempt.claim.finish('failed', message);
    pass.engine.catalog.recordEvent(server.name, 'scheduler-failed', `scheduled ${job} failed: ${message}`);
    pass.report({ server: server.name, job, status: 'failed', detail: message, due });
  }
}
