/**
 * Where the streaming archiver starts, always at a segment boundary: the
 * newest .partial in streaming/ (rewritten from its first byte), else the
 * segment after the newest archived one, else the slot's restart_lsn, else the
 * server's position. Only segments on the server's timeline history count.
 * Pure: the inputs are read by local-state.ts and the replication session.
 */
import { floorToSegment, segmentStartLsn } from '../lsn';
import { timelineAt, timelineEnd, type ServerHistory } from './timeline-history';

export interface LocalSegment {
  name: string;
  timeline: number;
  segmentNumber: bigint;
}

export interface StartInputs {
  segmentSize: number;
  history: ServerHistory;
  /** .partial files in streaming/ */
  partials: LocalSegment[];
  /** the newest archived segment of each timeline (more is fine) */
  archived: LocalSegment[];
  /** null when the slot reserves nothing yet (a new slot reports 0/0) */
  slotRestartLsn: bigint | null;
  /** IDENTIFY_SYSTEM's xlogpos */
  serverPosition: bigint;
  /** after `receive-wal --reset`: the archive is ignored, the slot or the server is followed (reset removed the partials) */
  ignoreArchive: boolean;
}

export type StartReason = 'partial' | 'archive' | 'slot' | 'server';

export interface StartPosition {
  lsn: bigint;
  timeline: number;
  reason: StartReason;
  /** the .partial being resumed, if any */
  partial: LocalSegment | null;
  /** .partial files that are not resumed (older, or off the server's history): kept aside in errors/ */
  strayPartials: LocalSegment[];
}

export function chooseStartPosition(inputs: StartInputs): StartPosition {
  const { segmentSize, history } = inputs;
  // The OLDEST resumable partial: after a kill -9 the previous segment may still be a .partial (not yet
  // fsynced and renamed) while the next one was already begun; resuming at the newer one would skip it.
  const partials = [...inputs.partials].sort(compareNewestFirst);
  const onHistory = partials.filter((segment) => isPartialOnHistory(segment, segmentSize, history));
  const oldestNumber = onHistory.reduce<bigint | null>((oldest, segment) => (oldest === null || segment.segmentNumber < oldest ? segment.segmentNumber : oldest), null);
  // Of that segment, the newest timeline on the history (newest first above).
  const resumable = onHistory.find((segment) => segment.segmentNumber === oldestNumber);
  const strayPartials = partials.filter((segment) => segment !== resumable);
  if (resumable) {
    // Its own timeline: when the switch point lies inside this segment, the
    // new timeline's file holds the old one's bytes up to it.
    return { lsn: segmentStartLsn(resumable.segmentNumber, segmentSize), timeline: resumable.timeline, reason: 'partial', partial: resumable, strayPartials };
  }
  const newestArchived = inputs.ignoreArchive ? undefined
    : [...inputs.archived].sort(compareNewestFirst).find((segment) => isCompleteOnHistory(segment, segmentSize, history));
  if (newestArchived) {
    const lsn = segmentStartLsn(newestArchived.segmentNumber + 1n, segmentSize);
    return { lsn, timeline: timelineAt(lsn, history), reason: 'archive', partial: null, strayPartials };
  }
  if (inputs.slotRestartLsn !== null && inputs.slotRestartLsn > 0n) {
    const lsn = floorToSegment(inputs.slotRestartLsn, segmentSize);
    return { lsn, timeline: timelineAt(lsn, history), reason: 'slot', partial: null, strayPartials };
  }
  const lsn = floorToSegment(inputs.serverPosition, segmentSize);
  return { lsn, timeline: timelineAt(lsn, history), reason: 'server', partial: null, strayPartials };
}

/** A partial segment can be resumed when its timeline is on the history and had not ended before the segment began. */
export function isPartialOnHistory(segment: LocalSegment, segmentSize: number, history: ServerHistory): boolean {
  const end = timelineEnd(segment.timeline, history);
  if (end === undefined) return false;
  return end === null || segmentStartLsn(segment.segmentNumber, segmentSize) < end;
}

/**
 * An archived segment is on the history when its timeline is, and (for an
 * ancestor) the whole segment lies before the switch point: the segment that
 * holds the switch comes from the new timeline, whatever an old primary archived.
 */
export function isCompleteOnHistory(segment: LocalSegment, segmentSize: number, history: ServerHistory): boolean {
  const end = timelineEnd(segment.timeline, history);
  if (end === undefined) return false;
  return end === null || segmentStartLsn(segment.segmentNumber + 1n, segmentSize) <= end;
}

function compareNewestFirst(a: LocalSegment, b: LocalSegment): number {
  if (a.segmentNumber !== b.segmentNumber) return a.segmentNumber > b.segmentNumber ? -1 : 1;
  return b.timeline - a.timeline;
}
