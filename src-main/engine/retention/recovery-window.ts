/**
 * The time arithmetic of retention: where a RECOVERY WINDOW starts (days and
 * weeks as exact multiples of 24 hours, months as UTC calendar months clamped
 * to the month's last day) and how policies and moments are written in reasons.
 * Pure functions; knows nothing of backups.
 */
import { EngineError } from '../../../shared/errors';
import type { RetentionPolicy } from '../config/model';

export type RecoveryWindow = Extract<RetentionPolicy, { kind: 'recovery-window' }>;

const dayMs = 86_400_000;

/**
 * The oldest moment the window must stay recoverable to. 2026-03-31 minus one
 * month is 2026-02-28 (not March 3rd, where Date.setUTCMonth would overflow to).
 */
export function computeWindowStart(now: Date, window: RecoveryWindow): Date {
  if (!Number.isSafeInteger(window.amount) || window.amount < 1) {
    throw new EngineError('invalid-input', `a recovery window of ${window.amount} ${window.unit} is empty`, 'Write RECOVERY WINDOW OF <n> DAYS|WEEKS|MONTHS with n of at least 1.');
  }
  if (window.unit === 'days') return new Date(now.getTime() - window.amount * dayMs);
  if (window.unit === 'weeks') return new Date(now.getTime() - window.amount * 7 * dayMs);
  return subtractCalendarMonths(now, window.amount);
}

/** Calendar months back in UTC, clamped to the target month's last day. */
export function subtractCalendarMonths(now: Date, months: number): Date {
  const firstOfTarget = new Date(Date.UTC(
    now.getUTCFullYear(), now.getUTCMonth() - months, 1,
    now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds(),
  ));
  // Day 0 of the following month is the target month's last day.
  const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
  firstOfTarget.setUTCDate(Math.min(now.getUTCDate(), lastDay));
  return firstOfTarget;
}

/** '2026-10-27 03:00 UTC': the minute is precise enough for a person reading a reason. */
export function formatUtcMinute(moment: Date): string {
  return `${moment.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The policy as barman.conf writes it: 'REDUNDANCY 2', 'RECOVERY WINDOW OF 1 MONTH'. */
export function formatPolicy(policy: RetentionPolicy): string {
  if (policy.kind === 'redundancy') return `REDUNDANCY ${policy.copies}`;
  const unit = policy.unit.toUpperCase();
  return `RECOVERY WINDOW OF ${policy.amount} ${policy.amount === 1 ? unit.slice(0, -1) : unit}`;
}
