/**
 * Places a restore point target (--target-name) with the restore points the
 * catalog found in the archived WAL: which of them recovery along the target
 * timeline's history replays, which backup reaches one (recovery stops at the
 * first of that name after the backup's start, and fails if that is before
 * the backup is consistent), and the words the plan uses. Pure, as plan.ts.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { EngineError } from '../../../shared/errors';
import { parseLsn } from '../wal/lsn';
import type { ServerHistory } from '../wal/streaming/timeline-history';

export interface PlacedRestorePoint {
  backup: BackupInfo;
  restorePoint: RestorePoint;
}

/** The restore points recovery to `history.current` replays: on that timeline, or on an ancestor before it ended. Oldest first. */
export function restorePointsOnHistory(points: readonly RestorePoint[], history: ServerHistory): RestorePoint[] {
  return points.filter((point) => {
    if (point.timeline === history.current) return true;
    const ended = history.switches.find((entry) => entry.timeline === point.timeline);
    return ended !== undefined && parseLsn(point.startLsn) < ended.switchLsn;
  }).sort((a, b) => (parseLsn(a.startLsn) < parseLsn(b.startLsn) ? -1 : 1));
}

/** The restore point recovery from `backup` stops at: the first of `points` (oldest first) at or after the backup's start. */
function firstAfterStart(backup: BackupInfo, points: readonly RestorePoint[]): RestorePoint | undefined {
  const start = parseLsn(backup.beginLsn ?? backup.endLsn!);
  return points.find((point) => parseLsn(point.startLsn) >= start);
}

/**
 * The newest of `candidates` (oldest first) whose restore point comes after its end, with that restore
 * point; throws 'target-unreachable' when none has one (`explicit`: the candidate is the backup asked for).
 */
export function placeRestorePoint(server: string, name: string, candidates: readonly BackupInfo[], points: readonly RestorePoint[], explicit: boolean): PlacedRestorePoint {
  for (const backup of [...candidates].reverse()) {
    const restorePoint = firstAfterStart(backup, points);
    if (restorePoint !== undefined && parseLsn(restorePoint.startLsn) >= parseLsn(backup.endLsn!)) return { backup, restorePoint };
  }
  const known = describeKnown(points);
  if (explicit && candidates[0] !== undefined) {
    const backup = candidates[0];
    const first = firstAfterStart(backup, points);
    throw new EngineError('target-unreachable',
      `restore point '${name}' cannot be reached from backup ${backup.backupId} of server '${server}', which ended at lsn ${backup.endLsn}: `
        + (first ? `recovery from it would stop at the one at lsn ${first.endLsn}, before the backup is consistent` : `the known ones (${known}) are before its start`),
      'choose an older backup, or leave the backup id out to let Barkeep choose');
  }
  throw new EngineError('target-unreachable',
    `restore point '${name}' cannot be reached from any backup of server '${server}': recovery from a backup stops at the first one of that name`
      + ` after the backup's start, and for every backup that one is missing or comes before the backup is consistent (known: ${known})`,
    'a backup can only be rolled forward to a restore point made after it ended: stop elsewhere with --target-lsn or --target-time');
}

/** The target in words when the restore point is known: where and when it was made. */
export function describeRestorePoint(point: RestorePoint): string {
  return `restore point '${point.name}' at lsn ${point.endLsn} on timeline ${point.timeline}, made ${point.time}`;
}

/** The plan's warning when no restore point of that name is known on the history recovery follows. */
export function unknownRestorePointWarning(server: string, name: string, targetTimeline: number, elsewhere: readonly RestorePoint[]): string {
  const timelines = [...new Set(elsewhere.map((point) => point.timeline))].sort((a, b) => a - b);
  const where = timelines.length === 0 ? '' : ` on the history of timeline ${targetTimeline} (only on timeline${timelines.length === 1 ? '' : 's'} ${timelines.join(', ')})`;
  return `no restore point named '${name}' is known in the archived wal of server '${server}'${where}; recovery will replay all wal if it is not found`;
}

function describeKnown(points: readonly RestorePoint[]): string {
  const shown = points.slice(-3).map((point) => `lsn ${point.endLsn} on timeline ${point.timeline}`);
  return points.length > shown.length ? `${shown.join(', ')} and ${points.length - shown.length} older` : shown.join(', ');
}
