/**
 * Which archived WAL files no remaining backup needs (wal_retention_policy =
 * main), given the archive's file names and evaluateRetention's verdicts.
 * Pure and deliberately coarse on the safe side: when in doubt a file is kept,
 * with the reason counted. It deletes nothing itself.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { BackupId } from '../../../shared/domain/names';
import { parseWalFileName, splitCompressionSuffix } from '../wal/segment-name';
import type { RetentionReport, RetentionStatus } from './policy';

export type WalKeepReason =
  | 'history-file'
  | 'needed-by-backup'
  | 'standalone-keep-range'
  | 'unrecognised-name'
  | 'no-full-backup-remains'
  | 'backup-begin-unknown';

export interface WalDeletionInput {
  /** file names in the archive, as stored (a .gz or .zst suffix is fine) */
  walFiles: readonly string[];
  /** every backup of the server, obsolete ones included */
  backups: readonly BackupInfo[];
  retention: Pick<RetentionReport, 'backups'>;
}

export interface WalDeletionPlan {
  /** sorted */
  deletable: string[];
  /** sorted */
  kept: string[];
  keptBecause: Record<WalKeepReason, number>;
  /**
   * The lowest timeline and lowest begin position among the backups that recover
   * to any later moment, written as a segment name; null when none anchors.
   */
  firstNeeded: string | null;
  /** backups whose begin WAL is unknown, so nothing could be judged */
  blockedBy: BackupId[];
}

interface SegmentPosition {
  timeline: number;
  /** log + segment, 16 hex digits: fixed width, so text order is segment order */
  position: string;
}

interface StandaloneRange extends SegmentPosition {
  endPosition: string;
}

/** Gone with the backup that was their only reader: OBSOLETE ones; FAILED ones never were recoverable. */
const removedStatuses = new Set<RetentionStatus>(['OBSOLETE', 'FAILED']);

/**
 * The rule: every remaining backup except a standalone keep (VALID, POTENTIALLY_OBSOLETE,
 * KEEP:FULL, IN_PROGRESS) needs all WAL from its begin on, on its timeline and
 * the ones that branch from it. So a segment is kept when its timeline is at
 * least the lowest such backup's timeline AND its position is at least the
 * lowest such begin_wal — a superset of every backup's need, whatever the
 * branching. A standalone keep adds only its own [begin_wal, end_wal]. History
 * files are always kept. No such backup at all, or one whose begin is unknown
 * (a backup just starting): nothing is deleted.
 */
export function planWalDeletion(input: WalDeletionInput): WalDeletionPlan {
  const statusById = new Map(input.retention.backups.map((verdict) => [verdict.backupId, verdict.status]));
  // A backup the report does not know about is treated as remaining: the safe side.
  const remaining = input.backups.filter((backup) => !removedStatuses.has(statusById.get(backup.backupId) ?? 'IN_PROGRESS'));
  const standalone: StandaloneRange[] = [];
  const anchors: SegmentPosition[] = [];
  const blockedBy: BackupId[] = [];
  for (const backup of remaining) {
    const begin = readSegmentPosition(backup.beginWal);
    const end = readSegmentPosition(backup.endWal);
    const isStandalone = statusById.get(backup.backupId) === 'KEEP:STANDALONE';
    if (begin === null) blockedBy.push(backup.backupId);
    else if (isStandalone && end !== null) standalone.push({ ...begin, endPosition: end.position });
    // A standalone keep without an end is kept whole, like a full one.
    else anchors.push(begin);
  }
  const firstNeeded = anchors.length === 0 ? null : {
    timeline: Math.min(...anchors.map((anchor) => anchor.timeline)),
    position: anchors.map((anchor) => anchor.position).sort()[0] ?? '',
  };
  const blockingReason: WalKeepReason | null = blockedBy.length > 0 ? 'backup-begin-unknown' : firstNeeded === null ? 'no-full-backup-remains' : null;

  const plan: WalDeletionPlan = {
    deletable: [],
    kept: [],
    keptBecause: { 'history-file': 0, 'needed-by-backup': 0, 'standalone-keep-range': 0, 'unrecognised-name': 0, 'no-full-backup-remains': 0, 'backup-begin-unknown': 0 },
    firstNeeded: firstNeeded === null ? null : formatSegmentName(firstNeeded),
    blockedBy,
  };
  for (const fileName of input.walFiles) {
    const reason = findKeepReason(fileName, firstNeeded, standalone, blockingReason);
    if (reason === null) {
      plan.deletable.push(fileName);
    } else {
      plan.kept.push(fileName);
      plan.keptBecause[reason] += 1;
    }
  }
  plan.deletable.sort();
  plan.kept.sort();
  return plan;
}

function findKeepReason(
  fileName: string,
  firstNeeded: SegmentPosition | null,
  standalone: readonly StandaloneRange[],
  blockingReason: WalKeepReason | null,
): WalKeepReason | null {
  const parsed = parseWalFileName(splitCompressionSuffix(fileName).name);
  if (parsed === null) return 'unrecognised-name';
  if (parsed.kind === 'history') return 'history-file';
  if (blockingReason !== null || firstNeeded === null) return blockingReason ?? 'no-full-backup-remains';
  // Segments, .partial segments and .backup labels all start with timeline + log + segment.
  const file: SegmentPosition = { timeline: parsed.timeline, position: parsed.name.slice(8, 24) };
  if (file.timeline >= firstNeeded.timeline && file.position >= firstNeeded.position) return 'needed-by-backup';
  const inRange = standalone.some((range) =>
    file.timeline >= range.timeline && file.position >= range.position && file.position <= range.endPosition);
  return inRange ? 'standalone-keep-range' : null;
}

function readSegmentPosition(walName: string | null): SegmentPosition | null {
  if (walName === null) return null;
  const parsed = parseWalFileName(walName);
  if (parsed?.kind !== 'segment' || parsed.partial) return null;
  return { timeline: parsed.timeline, position: walName.slice(8, 24) };
}

function formatSegmentName(position: SegmentPosition): string {
  return `${position.timeline.toString(16).toUpperCase().padStart(8, '0')}${position.position}`;
}
