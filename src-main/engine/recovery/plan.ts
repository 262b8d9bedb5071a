/**
 * The restore planner: from a server's backups and a view of its WAL archive,
 * picks the backup, the target timeline and every WAL segment recovery needs
 * (across timeline switches), or refuses with the reason; a restore point target
 * is placed with the restore points found in the archived WAL, when known. Pure:
 * the plan is the object the CLI prints and the UI's restore composer shows;
 * nothing is read here.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { EngineError } from '../../../shared/errors';
import { formatLsn, formatSegmentName, historyFileName, parseLsn, segmentNumberOf } from '../wal/lsn';
import { parseWalFileName } from '../wal/segment-name';
import type { ServerHistory, TimelineSwitch } from '../wal/streaming/timeline-history';
import { describeRestorePoint, placeRestorePoint, restorePointsOnHistory, unknownRestorePointWarning, type PlacedRestorePoint } from './restore-point-target';
import { describeRecoveryTarget, type RecoveryTarget } from './target';
import { defaultThroughputEstimate, type ThroughputEstimate } from './throughput-estimate';

/** One archived segment, as archive-view.ts reads it from the store. */
export interface ArchivedSegment {
  name: string;
  timeline: number;
  segmentNumber: bigint;
  /** when it arrived in the archive (the file's mtime), ISO; null when unknown */
  archivedAt: string | null;
}

export interface WalArchiveView {
  segmentSize: number;
  segments: ReadonlyMap<string, ArchivedSegment>;
  /** parsed N.history files by timeline N */
  histories: ReadonlyMap<number, TimelineSwitch[]>;
}

export interface RestorePlan {
  server: string;
  backup: BackupInfo;
  target: RecoveryTarget;
  targetDescription: string;
  targetTimeline: number;
  /** a restore point target known in the archived wal: the one recovery will stop at; null otherwise */
  restorePoint: RestorePoint | null;
  /** segment names in replay order, each from the timeline recovery reads it on */
  walSegments: string[];
  historyFiles: string[];
  dataBytes: number;
  walBytes: number;
  bytesToCopy: number;
  warnings: string[];
  /** the copy rate the estimate uses, where it came from ('measured' on this machine, or 'assumed'), and in words */
  throughputBytesPerSecond: number;
  throughputSource: ThroughputEstimate['source'];
  throughputBasis: string;
  estimatedSeconds: number;
}

export interface PlanRestoreInput {
  server: string;
  backups: readonly BackupInfo[];
  archive: WalArchiveView;
  target: RecoveryTarget;
  /** a backup id or name; null or 'latest' lets the planner choose */
  backupSelector: string | null;
  /** this machine's restore rate (throughput-estimate.ts); absent: the default estimate */
  throughput?: ThroughputEstimate;
  /** with a restore point target, the restore points of that name found in the archived wal (any timeline); absent: none known */
  restorePoints?: readonly RestorePoint[];
}

export function planRestore(input: PlanRestoreInput): RestorePlan {
  const { archive, target } = input;
  // 1. the target timeline and its history (timeline 1 has none)
  const backups = input.backups.filter((backup) => backup.status === 'DONE' && backup.endLsn !== null && backup.beginWal !== null)
    .sort((a, b) => (a.backupId < b.backupId ? -1 : 1));
  if (backups.length === 0) {
    throw new EngineError('target-unreachable', `server '${input.server}' has no complete backup to restore`, `take one with \`barkeep backup ${input.server}\``);
  }
  const explicit = selectExplicitBackup(input, backups);
  const targetTimeline = resolveTargetTimeline(input, backups, explicit);
  const history = readTimelineHistory(input.server, archive, targetTimeline);

  // 2. the backup: the newest on the target's timeline history that ends before the target
  const onHistory = backups.filter((backup) => isOnHistory(backup, history));
  const candidates = explicit ? [explicit] : onHistory;
  if (explicit && !isOnHistory(explicit, history)) {
    throw new EngineError('target-unreachable', `backup ${explicit.backupId} is not on the history of timeline ${targetTimeline}`,
      'choose a backup taken on that timeline or one of its ancestors before the switch, or another --target-tli');
  }
  const placed = placeNamedTarget(input, history, candidates, explicit !== null);
  const fitting = candidates.filter((backup) => endsBeforeTarget(backup, target));
  const backup = placed?.backup ?? fitting.at(-1);
  if (!backup) throw refuseBeforeBackups(input.server, target, explicit ?? onHistory[0] ?? backups[0]!, explicit !== null);

  // 3. the WAL from the backup's begin to the target (or to the end of the archive), without gaps
  const walSegments = listNeededSegments(input.server, archive, history, backup, target);
  const historyFiles = [...archive.histories.keys()].filter((tli) => tli === targetTimeline || history.switches.some((entry) => entry.timeline === tli))
    .sort((a, b) => a - b).map(historyFileName);

  // 4. sizes, warnings and the time it should take
  const warnings = collectWarnings(archive, target, walSegments);
  if (target.kind === 'name' && placed === null) {
    warnings.push(unknownRestorePointWarning(input.server, target.name, targetTimeline, input.restorePoints?.filter((point) => point.name === target.name) ?? []));
  }
  const dataBytes = backup.sizeBytes;
  const walBytes = walSegments.length * archive.segmentSize;
  const throughput = input.throughput !== undefined && input.throughput.bytesPerSecond > 0 ? input.throughput : defaultThroughputEstimate();
  return {
    server: input.server, backup, target, targetTimeline,
    targetDescription: placed ? describeRestorePoint(placed.restorePoint) : describeRecoveryTarget(target), restorePoint: placed?.restorePoint ?? null,
    walSegments, historyFiles, dataBytes, walBytes, bytesToCopy: dataBytes + walBytes, warnings,
    throughputBytesPerSecond: throughput.bytesPerSecond, throughputSource: throughput.source, throughputBasis: throughput.basis,
    estimatedSeconds: Math.ceil((dataBytes + walBytes) / throughput.bytesPerSecond),
  };
}

function selectExplicitBackup(input: PlanRestoreInput, backups: readonly BackupInfo[]): BackupInfo | null {
  if (input.backupSelector === null || input.backupSelector === 'latest' || input.backupSelector === 'last') return null;
  const selector = input.backupSelector;
  const found = (selector === 'oldest' || selector === 'first') ? backups[0]
    : backups.find((backup) => backup.backupId === selector || backup.name === selector);
  if (found) return found;
  const any = input.backups.find((backup) => backup.backupId === selector || backup.name === selector);
  throw new EngineError(any ? 'target-unreachable' : 'backup-unknown',
    any ? `backup ${any.backupId} of server '${input.server}' is ${any.status}, not DONE` : `server '${input.server}' has no backup '${selector}'`,
    `restore one of the complete backups: ${backups.map((backup) => backup.backupId).join(', ')}`);
}

function backupTimeline(backup: BackupInfo): number {
  return backup.timeline ?? parseWalFileName(backup.beginWal!)?.timeline ?? 1;
}

function knownTimelines(archive: WalArchiveView): Set<number> {
  const timelines = new Set<number>(archive.histories.keys());
  for (const segment of archive.segments.values()) timelines.add(segment.timeline);
  return timelines;
}

function resolveTargetTimeline(input: PlanRestoreInput, backups: readonly BackupInfo[], explicit: BackupInfo | null): number {
  const known = knownTimelines(input.archive);
  const wanted = input.target.timeline;
  if (wanted === 'current') {
    // 'current' is the backup's timeline; without an id, the newest backup's.
    return backupTimeline(explicit ?? backups.at(-1)!);
  }
  if (wanted === 'latest') return Math.max(1, ...known);
  if (!known.has(wanted)) {
    throw new EngineError('target-unreachable', `timeline ${wanted} is unknown to the archive of server '${input.server}'`,
      `the archive holds timeline${known.size === 1 ? '' : 's'} ${[...known].sort((a, b) => a - b).join(', ') || 'none'}: choose one of them, current or latest`);
  }
  return wanted;
}

function readTimelineHistory(server: string, archive: WalArchiveView, timeline: number): ServerHistory {
  if (timeline === 1) return { current: 1, switches: [] };
  const switches = archive.histories.get(timeline);
  if (!switches) {
    throw new EngineError('target-unreachable', `history file ${historyFileName(timeline)} of timeline ${timeline} is missing from the archive of server '${server}'`,
      'without it recovery cannot follow the switch to that timeline: archive it from the server (pg_wal/) or choose --target-tli current');
  }
  return { current: timeline, switches };
}

/** True when the backup's timeline is the target's or an ancestor that the backup ended on before the switch. */
function isOnHistory(backup: BackupInfo, history: ServerHistory): boolean {
  const timeline = backupTimeline(backup);
  if (timeline === history.current) return true;
  const ended = history.switches.find((entry) => entry.timeline === timeline);
  return ended !== undefined && parseLsn(backup.endLsn!) <= ended.switchLsn;
}

/**
 * A restore point target placed with the restore points of its name on the target timeline's history: the
 * backup recovery reaches one from (refused when none does). Null for other targets, or when none is known
 * there (wal archived before Barkeep scanned it): then it is planned as before, with a warning.
 */
function placeNamedTarget(input: PlanRestoreInput, history: ServerHistory, candidates: readonly BackupInfo[], explicit: boolean): PlacedRestorePoint | null {
  const { target } = input;
  if (target.kind !== 'name') return null;
  const known = restorePointsOnHistory((input.restorePoints ?? []).filter((point) => point.name === target.name), history);
  return known.length === 0 ? null : placeRestorePoint(input.server, target.name, candidates, known, explicit);
}

function endsBeforeTarget(backup: BackupInfo, target: RecoveryTarget): boolean {
  if (target.kind === 'time') return backup.endTime !== null && Date.parse(backup.endTime) < target.epochMs;
  if (target.kind === 'lsn') return parseLsn(backup.endLsn!) <= target.lsn;
  // An xid, or a restore point name the catalog does not know, cannot be placed without decoding WAL: any backup may precede it.
  return true;
}

function refuseBeforeBackups(server: string, target: RecoveryTarget, oldest: BackupInfo, explicit: boolean): EngineError {
  const which = explicit ? `backup ${oldest.backupId}` : `the oldest usable backup (${oldest.backupId})`;
  const end = target.kind === 'time' ? `ended at ${oldest.endTime}` : `ended at lsn ${oldest.endLsn}`;
  return new EngineError('target-unreachable', `${describeRecoveryTarget(target)} is before the end of ${which}, which ${end}, for server '${server}'`,
    explicit ? 'choose an older backup, or leave the backup id out to let Barkeep choose' : 'a backup can only be rolled forward: choose a later target');
}

function timelineForSegment(segmentNumber: bigint, history: ServerHistory, segmentSize: number): number {
  // PostgreSQL reads a segment from the newest timeline that had begun by that segment.
  let chosen = history.switches[0]?.timeline ?? history.current;
  for (let index = 0; index < history.switches.length; index += 1) {
    const begin = segmentNumberOf(history.switches[index]!.switchLsn, segmentSize);
    if (segmentNumber >= begin) chosen = history.switches[index + 1]?.timeline ?? history.current;
  }
  return history.switches.length === 0 ? history.current : chosen;
}

function listNeededSegments(server: string, archive: WalArchiveView, history: ServerHistory, backup: BackupInfo, target: RecoveryTarget): string[] {
  const size = archive.segmentSize;
  const first = segmentNumberOf(parseLsn(backup.beginLsn ?? backup.endLsn!), size);
  const nameAt = (number: bigint): string => formatSegmentName(timelineForSegment(number, history, size), number, size);
  let lastArchived = -1n;
  for (const segment of archive.segments.values()) {
    if (segment.segmentNumber >= first && segment.segmentNumber > lastArchived && segment.name === nameAt(segment.segmentNumber)) lastArchived = segment.segmentNumber;
  }
  let last = lastArchived;
  if (target.kind === 'immediate') last = segmentNumberOf(parseLsn(backup.endLsn!), size);
  if (target.kind === 'lsn') {
    last = segmentNumberOf(target.lsn, size);
    if (last > lastArchived) {
      throw new EngineError('target-unreachable',
        `lsn ${formatLsn(target.lsn)} is past the last archived wal of server '${server}' (${lastArchived < 0n ? 'none after the backup' : nameAt(lastArchived)})`,
        `archive the missing wal first (\`barkeep switch-wal ${server}\` closes the current segment), or choose an earlier target`);
    }
  }
  const end = segmentNumberOf(parseLsn(backup.endLsn!), size);
  if (last < end) last = end;
  const names: string[] = [];
  for (let number = first; number <= last; number += 1n) {
    const name = nameAt(number);
    if (!archive.segments.has(name)) {
      const where = number <= end ? `needed by backup ${backup.backupId} itself` : `between backup ${backup.backupId} and ${describeRecoveryTarget(target)}`;
      throw new EngineError('target-unreachable', `wal gap: segment ${name} of server '${server}' is missing from the archive, ${where}`,
        'recovery cannot cross a gap: restore to a target before it, or from a backup taken after it');
    }
    names.push(name);
  }
  return names;
}

function collectWarnings(archive: WalArchiveView, target: RecoveryTarget, walSegments: readonly string[]): string[] {
  const warnings: string[] = [];
  if (target.kind === 'xid') {
    warnings.push(`${describeRecoveryTarget(target)} cannot be placed without decoding wal: the newest backup was chosen and all archived wal after it is copied; recovery fails if the target is not in it`);
  }
  if (target.kind === 'time') {
    const lastName = walSegments.at(-1);
    const lastArrival = lastName === undefined ? null : archive.segments.get(lastName)?.archivedAt ?? null;
    if (lastArrival !== null && Date.parse(lastArrival) < target.epochMs) {
      warnings.push(`the target time is later than the arrival of the last archived wal (${lastName} at ${lastArrival}): recovery may end before reaching it`);
    }
  }
  return warnings;
}

