/**
 * Segment arithmetic for the "continuous archiving" check: where a segment
 * sits in the WAL stream, which segment the server completed last, and the
 * verdict on whether arrivals keep up with it. Pure functions, no I/O.
 */
import { parseWalFileName } from '../wal/segment-name';

export interface SegmentPosition {
  timeline: number;
  /** the segment's number in the WAL stream: log × segments per log + segment */
  index: number;
}

export function segmentPosition(name: string, segmentSize: number): SegmentPosition {
  const parsed = parseWalFileName(name);
  if (parsed?.kind !== 'segment') throw new Error(`'${name}' is not a WAL segment name`);
  return { timeline: parsed.timeline, index: parsed.log * segmentsPerLog(segmentSize) + parsed.segment };
}

/**
 * The segment an LSN ('16/B374D848') falls in: the one being written when the
 * LSN is the insert position. Unlike pg_walfile_name(), which names the
 * previous segment for an LSN exactly on a boundary (what pg_switch_wal() wants).
 */
export function segmentContaining(lsn: string, timeline: number, segmentSize: number): string {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(lsn.trim());
  if (!match) throw new Error(`'${lsn}' is not an LSN`);
  const position = BigInt(`0x${match[1]}`) * 0x1_0000_0000n + BigInt(`0x${match[2]}`);
  const index = Number(position / BigInt(segmentSize));
  return nameOf(timeline, index, segmentSize);
}

/** The segment before `name` on its timeline, or null when there is none (WAL starts at segment 1, never 0). */
export function previousSegmentName(name: string, segmentSize: number): string | null {
  const { timeline, index } = segmentPosition(name, segmentSize);
  if (index <= 1) return null;
  return nameOf(timeline, index - 1, segmentSize);
}

function nameOf(timeline: number, index: number, segmentSize: number): string {
  const perLog = segmentsPerLog(segmentSize);
  return [timeline, Math.floor(index / perLog), index % perLog].map((part) => part.toString(16).toUpperCase().padStart(8, '0')).join('');
}

export type ArchivingVerdict =
  | { state: 'nothing-completed' }
  | { state: 'nothing-arrived'; lastCompleted: string }
  | { state: 'up-to-date'; lastCompleted: string; newest: string }
  | { state: 'catching-up'; lastCompleted: string; newest: string; behindBy: number }
  | { state: 'stalled'; lastCompleted: string; newest: string; behindBy: number };

export interface ArchivingInput {
  /** the segment the server writes now (segmentContaining(pg_current_wal_lsn())) */
  currentSegment: string;
  segmentSize: number;
  /** the highest segment that reached the store, or null */
  newestArrived: string | null;
  lastArrivalAt: Date | null;
  now: Date;
  graceMs: number;
}

/**
 * Archiving is continuous when the newest segment that reached the store is at
 * or after the server's last completed segment. While it is behind, it stays
 * OK ('catching-up') for graceMs after the latest arrival; past that it has stalled.
 * Timelines are compared by position only: a promotion keeps positions going.
 */
export function judgeContinuousArchiving(input: ArchivingInput): ArchivingVerdict {
  const lastCompleted = previousSegmentName(input.currentSegment, input.segmentSize);
  if (lastCompleted === null) return { state: 'nothing-completed' };
  if (input.newestArrived === null) return { state: 'nothing-arrived', lastCompleted };
  const behindBy = segmentPosition(lastCompleted, input.segmentSize).index - segmentPosition(input.newestArrived, input.segmentSize).index;
  if (behindBy <= 0) return { state: 'up-to-date', lastCompleted, newest: input.newestArrived };
  const sinceArrival = input.lastArrivalAt === null ? Number.POSITIVE_INFINITY : input.now.getTime() - input.lastArrivalAt.getTime();
  const state = sinceArrival <= input.graceMs ? 'catching-up' : 'stalled';
  return { state, lastCompleted, newest: input.newestArrived, behindBy };
}

function segmentsPerLog(segmentSize: number): number {
  return 0x1_0000_0000 / segmentSize;
}
