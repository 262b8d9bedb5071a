/**
 * How the scheduler claims a job before it runs it: who it is ('<pid>@<host>'),
 * which due time a job claims (a cron schedule's latest due time, or the pass's
 * minute for work done every pass), when an unfinished claim counts as
 * abandoned (its process is gone on this host; its lease ran out on another),
 * and a held claim whose lease is renewed while the job runs and which is
 * finished once. The atomic decision itself is catalog/schedule-queries.ts.
 */
import os from 'node:os';
import type { Catalog } from '../catalog/catalog';
import {
  claimScheduledRun, finishScheduledRun, renewScheduledRun, scheduledRun,
  type ClaimOutcome, type ClaimToken, type ScheduledRunRow,
} from '../catalog/schedule-queries';
import { isProcessAlive } from '../process/process-alive';
import { latestDueAtOrBefore, type CronExpression } from './cron-expression';

/** The work a scheduler pass does per server; the first part of every job key. */
export type ScheduledJobName = 'archive-incoming' | 'receive-wal' | 'backup' | 'retention' | 'check' | 'drill' | 'disk-sample';

export interface HeldClaim {
  readonly due: Date;
  /** the claimant of an abandoned run this claim replaced */
  readonly tookOverFrom: string | null;
  /** the previous claim of the job, if any: its due time tells how many runs were missed */
  readonly previous: ScheduledRunRow | null;
  /** Records the run's end and stops renewing the lease; later calls do nothing. */
  finish(outcome: Exclude<ClaimOutcome, 'baseline'>, detail: string | null): void;
}

export type ClaimAttempt =
  | { kind: 'claimed'; claim: HeldClaim }
  | { kind: 'baseline' | 'not-due' | 'running'; due: Date | null; row: ScheduledRunRow | null };

export interface ClaimTiming {
  /** how long a claim holds without renewal (it matters for a holder on another host) */
  leaseMs: number;
  renewMs: number;
}

const defaultTiming: ClaimTiming = { leaseMs: 5 * 60_000, renewMs: 60_000 };

export function jobKey(job: ScheduledJobName, server: string): string {
  return `${job}:${server}`;
}

/** This process, as claims name it. */
export function currentClaimant(): string {
  return `${process.pid}@${os.hostname()}`;
}

/** An unfinished claim is abandoned when its process is gone (this host) or its lease ran out (another host). */
export function isAbandoned(row: ScheduledRunRow, now: Date): boolean {
  const match = /^(\d+)@(.*)$/.exec(row.claimedBy);
  if (match && match[2] === os.hostname()) return !isProcessAlive(Number(match[1]));
  return Date.parse(row.leaseUntil) < now.getTime();
}

export function floorToMinute(moment: Date): Date {
  return new Date(Math.floor(moment.getTime() / 60_000) * 60_000);
}

export class ScheduleClaims {
  readonly claimant: string;

  constructor(private readonly catalog: Catalog, private readonly timing: ClaimTiming = defaultTiming, claimant = currentClaimant()) {
    this.claimant = claimant;
  }

  /**
   * A job on a cron schedule claims the schedule's latest due time at or before
   * `now`: it runs when that is newer than the last claim, so runs missed while
   * the machine slept run once. Never claimed before (or the schedule changed),
   * the due time becomes the baseline and nothing runs until the next one.
   */
  claimScheduled(job: ScheduledJobName, server: string, schedule: CronExpression, now: Date): ClaimAttempt {
    const due = latestDueAtOrBefore(schedule, now);
    if (due === null) return { kind: 'not-due', due: null, row: scheduledRun(this.catalog, jobKey(job, server)) };
    return this.claim(job, server, due, schedule.source, 'baseline', now);
  }

  /** Work done every pass claims the pass's minute: once per minute, whichever scheduler comes first. */
  claimPass(job: ScheduledJobName, server: string, passMinute: Date, now: Date): ClaimAttempt {
    return this.claim(job, server, passMinute, null, 'run', now);
  }

  /** The job's unfinished claim held by a live process, if any. */
  runningClaim(job: ScheduledJobName, server: string, now: Date): ScheduledRunRow | null {
    const row = scheduledRun(this.catalog, jobKey(job, server));
    return row !== null && row.finishedAt === null && !isAbandoned(row, now) ? row : null;
  }

  private claim(job: ScheduledJobName, server: string, due: Date, schedule: string | null, firstSight: 'baseline' | 'run', now: Date): ClaimAttempt {
    const decision = claimScheduledRun(this.catalog, {
      jobKey: jobKey(job, server), due, schedule, claimant: this.claimant, now, leaseMs: this.timing.leaseMs, firstSight,
      isStale: (row) => isAbandoned(row, now),
    });
    if (decision.kind !== 'claimed') return { kind: decision.kind, due, row: decision.row };
    return { kind: 'claimed', claim: this.hold(decision.token, due, decision.tookOverFrom, decision.previous) };
  }

  private hold(token: ClaimToken, due: Date, tookOverFrom: string | null, previous: ScheduledRunRow | null): HeldClaim {
    const renew = setInterval(() => {
      try {
        renewScheduledRun(this.catalog, token, new Date(Date.now() + this.timing.leaseMs));
      } catch {
        // A closed or busy catalog: the next renewal tries again, and the pid still vouches for the claim on this host.
      }
    }, this.timing.renewMs);
    renew.unref();
    let finished = false;
    return {
      due,
      tookOverFrom,
      previous,
      finish: (outcome, detail) => {
        if (finished) return;
        finished = true;
        clearInterval(renew);
        finishScheduledRun(this.catalog, token, outcome, detail, new Date());
      },
    };
  }
}
