/**
 * Which backups a retention policy keeps, and why: REDUNDANCY N, RECOVERY
 * WINDOW OF N DAYS|WEEKS|MONTHS, minimum_redundancy and keep marks, judged on
 * one server's catalog at a given "now". Pure: it deletes nothing and reads no
 * clock; enforcement and list-backup call it and act on the verdicts.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { BackupId } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { RetentionPolicy } from '../config/model';
import { computeWindowStart, formatPolicy, formatUtcMinute, type RecoveryWindow } from './recovery-window';

/**
 * VALID / OBSOLETE: a completed, unmarked backup as the policy judges it.
 * POTENTIALLY_OBSOLETE: obsolete by the policy but held by minimum_redundancy.
 * KEEP:*: marked by `barkeep keep`, outside the policy.
 * FAILED: never recoverable, outside the policy; listed in `failed` for cleanup.
 * IN_PROGRESS: STARTED or WAITING_FOR_WALS; outside the policy and never deleted.
 */
export type RetentionStatus =
  | 'VALID' | 'OBSOLETE' | 'POTENTIALLY_OBSOLETE' | 'KEEP:FULL' | 'KEEP:STANDALONE' | 'FAILED' | 'IN_PROGRESS';

export interface RetentionVerdict {
  backupId: BackupId;
  status: RetentionStatus;
  /** a sentence for list-backup and the deletion event */
  reason: string;
}

export interface RetentionInput {
  backups: readonly BackupInfo[];
  /** null: no retention_policy set, nothing is obsolete */
  policy: RetentionPolicy | null;
  minimumRedundancy: number;
  now: Date;
}

export interface RetentionReport {
  /** one verdict per backup, newest first */
  backups: RetentionVerdict[];
  /** ISO time the recovery window starts at; null for other policies */
  windowStart: string | null;
  /** the oldest remaining backup that recovers to any later moment, and the first moment it reaches (its end) */
  firstRecoverable: { backupId: BackupId; from: string } | null;
  /** what enforcement deletes, newest first */
  obsolete: BackupId[];
  /** failed backups, which enforcement may clean up separately */
  failed: BackupId[];
}

interface DatedBackup {
  info: BackupInfo;
  beginMs: number;
  endMs: number | null;
}

type Judgement = { status: RetentionStatus; reason: string };

export function evaluateRetention(input: RetentionInput): RetentionReport {
  validateInput(input);
  const dated = sortNewestFirst(input.backups.map(dateBackup));
  // Keeps are outside the policy: they neither count toward REDUNDANCY N or
  // minimum_redundancy nor serve as a window's base. A keep can be released at
  // any moment and a standalone one cannot recover past its end, so the
  // policy's guarantees must hold without them. (Barman counts them toward N.)
  const candidates = dated.filter(({ info }) => info.status === 'DONE' && info.keep === null);
  const windowStart = input.policy?.kind === 'recovery-window' ? computeWindowStart(input.now, input.policy) : null;
  const policyVerdicts = judgeByPolicy(candidates, input.policy, windowStart);
  protectMinimumRedundancy(candidates, policyVerdicts, input.minimumRedundancy);

  const verdicts = dated.map(({ info }): RetentionVerdict => {
    const fromPolicy = policyVerdicts.get(info.backupId);
    if (fromPolicy) return { backupId: info.backupId, ...fromPolicy };
    return { backupId: info.backupId, ...judgeOutsidePolicy(info) };
  });
  return {
    backups: verdicts,
    windowStart: windowStart?.toISOString() ?? null,
    firstRecoverable: findFirstRecoverable(dated, verdicts),
    obsolete: verdicts.filter((verdict) => verdict.status === 'OBSOLETE').map((verdict) => verdict.backupId),
    failed: verdicts.filter((verdict) => verdict.status === 'FAILED').map((verdict) => verdict.backupId),
  };
}

function validateInput(input: RetentionInput): void {
  if (!Number.isSafeInteger(input.minimumRedundancy) || input.minimumRedundancy < 0) {
    throw new EngineError('invalid-input', `minimum_redundancy ${input.minimumRedundancy} is not a whole number of at least 0`, 'Set minimum_redundancy to 0 or more.');
  }
  if (input.policy?.kind === 'redundancy' && (!Number.isSafeInteger(input.policy.copies) || input.policy.copies < 0)) {
    throw new EngineError('invalid-input', `redundancy ${input.policy.copies} is not a whole number of copies`, 'Write REDUNDANCY <copies> with copies of at least 1.');
  }
  if (Number.isNaN(input.now.getTime())) {
    throw new EngineError('invalid-input', 'the time retention is judged at is not a valid date');
  }
}

function dateBackup(info: BackupInfo): DatedBackup {
  return { info, beginMs: parseBackupTime(info, info.beginTime), endMs: info.endTime === null ? null : parseBackupTime(info, info.endTime) };
}

function parseBackupTime(info: BackupInfo, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new EngineError('catalog-failed', `backup '${info.backupId}' has an unreadable time '${text}'`, 'Check its backup.json: begin and end times are ISO 8601.');
  }
  return ms;
}

function sortNewestFirst(backups: DatedBackup[]): DatedBackup[] {
  return [...backups].sort((a, b) => b.beginMs - a.beginMs || (a.info.backupId < b.info.backupId ? 1 : a.info.backupId > b.info.backupId ? -1 : 0));
}

function judgeByPolicy(candidates: DatedBackup[], policy: RetentionPolicy | null, windowStart: Date | null): Map<BackupId, Judgement> {
  if (policy?.kind === 'redundancy') return judgeByRedundancy(candidates, policy.copies);
  if (policy?.kind === 'recovery-window' && windowStart !== null) return judgeByWindow(candidates, policy, windowStart);
  return new Map(candidates.map(({ info }) => [info.backupId, { status: 'VALID', reason: 'no retention policy is set' }]));
}

function judgeByRedundancy(candidates: DatedBackup[], copies: number): Map<BackupId, Judgement> {
  const policyText = formatPolicy({ kind: 'redundancy', copies });
  return new Map(candidates.map(({ info }, index): [BackupId, Judgement] => [
    info.backupId,
    index < copies
      ? { status: 'VALID', reason: `one of the ${describeNewest(copies)} that ${policyText} keeps` }
      : { status: 'OBSOLETE', reason: `older than the ${describeNewest(copies)} that ${policyText} keeps` },
  ]));
}

/**
 * Every backup that ends inside [windowStart, now] is kept, and so is the newest
 * one that ends at or before windowStart: recovery to windowStart itself must
 * start from it. The end, not the begin, matters: a backup is only consistent,
 * and so only a starting point, from its end on.
 */
function judgeByWindow(candidates: DatedBackup[], window: RecoveryWindow, windowStart: Date): Map<BackupId, Judgement> {
  const startText = `the recovery window starting ${formatUtcMinute(windowStart)}`;
  const verdicts = new Map<BackupId, Judgement>();
  let baseFound = false;
  for (const { info, endMs } of candidates) {
    if (baseFound) {
      verdicts.set(info.backupId, { status: 'OBSOLETE', reason: `older than ${startText} and not needed as its base` });
    } else if (endMs !== null && endMs <= windowStart.getTime()) {
      baseFound = true;
      verdicts.set(info.backupId, { status: 'VALID', reason: `the base for ${startText}: the newest backup ending before it` });
    } else {
      // A DONE backup without an end time is judged inside the window: that keeps it, the safe side.
      verdicts.set(info.backupId, { status: 'VALID', reason: `ends inside ${startText} (${formatPolicy(window)})` });
    }
  }
  return verdicts;
}

/** The newest `minimumRedundancy` unmarked completed backups are never OBSOLETE, whatever the policy says. */
function protectMinimumRedundancy(candidates: DatedBackup[], verdicts: Map<BackupId, Judgement>, minimumRedundancy: number): void {
  for (const { info } of candidates.slice(0, minimumRedundancy)) {
    const verdict = verdicts.get(info.backupId);
    if (verdict?.status !== 'OBSOLETE') continue;
    verdicts.set(info.backupId, {
      status: 'POTENTIALLY_OBSOLETE',
      reason: `${verdict.reason}, but minimum_redundancy = ${minimumRedundancy} keeps the ${describeNewest(minimumRedundancy)}`,
    });
  }
}

function judgeOutsidePolicy(info: BackupInfo): Judgement {
  if (info.status === 'FAILED') return { status: 'FAILED', reason: 'failed: never recoverable, outside the retention policy, removable by cleanup' };
  if (info.status !== 'DONE') return { status: 'IN_PROGRESS', reason: `not finished (${info.status}): outside the retention policy, never deleted by it` };
  if (info.keep === 'full') return { status: 'KEEP:FULL', reason: 'kept (target full): outside the retention policy, with all WAL from its begin on' };
  return { status: 'KEEP:STANDALONE', reason: 'kept (target standalone): outside the retention policy, with only the WAL between its begin and end' };
}

/** Backups that recover to any later moment: the policy's survivors and full keeps (standalone keeps stop at their end). */
function findFirstRecoverable(dated: DatedBackup[], verdicts: RetentionVerdict[]): RetentionReport['firstRecoverable'] {
  const recoverable = new Set<RetentionStatus>(['VALID', 'POTENTIALLY_OBSOLETE', 'KEEP:FULL']);
  for (let index = dated.length - 1; index >= 0; index -= 1) {
    const backup = dated[index];
    const verdict = verdicts[index];
    if (backup && verdict && recoverable.has(verdict.status)) {
      return { backupId: backup.info.backupId, from: backup.info.endTime ?? backup.info.beginTime };
    }
  }
  return null;
}

function describeNewest(count: number): string {
  return count === 1 ? 'newest completed backup' : `${count} newest completed backups`;
}
