/**
 * Positions in the WAL: LSN text ('16/B374D848') <-> bigint, and the segment
 * arithmetic around them (which segment holds an LSN, where a segment starts,
 * the file name of a segment on a timeline). Pure functions, no I/O; names are
 * parsed back by segment-name.ts.
 */
import { EngineError } from '../../../shared/errors';

const lsnPattern = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const logFileSize = 0x1_0000_0000n;

/** '16/B374D848' -> 0x16B374D848n; throws 'invalid-input' for anything else. */
export function parseLsn(text: string): bigint {
  const match = lsnPattern.exec(text.trim());
  if (!match) {
    throw new EngineError('invalid-input', `'${text}' is not a WAL location`, 'write it as PostgreSQL prints it, e.g. 0/3000000 or 16/B374D848');
  }
  return (BigInt(`0x${match[1]!}`) << 32n) | BigInt(`0x${match[2]!}`);
}

/** 0x16B374D848n -> '16/B374D848' (upper-case hex, as PostgreSQL prints it). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffff_ffffn).toString(16).toUpperCase()}`;
}

/** A WAL segment size is a power of two from 1 MiB to 1 GiB (initdb --wal-segsize). */
export function isValidSegmentSize(bytes: number): boolean {
  return Number.isInteger(bytes) && bytes >= 1024 * 1024 && bytes <= 1024 * 1024 * 1024 && (bytes & (bytes - 1)) === 0;
}

/** The number of the segment holding `lsn` (XLByteToSeg). */
export function segmentNumberOf(lsn: bigint, segmentSize: number): bigint {
  return lsn / BigInt(segmentSize);
}

/** The LSN where segment `segmentNumber` starts. */
export function segmentStartLsn(segmentNumber: bigint, segmentSize: number): bigint {
  return segmentNumber * BigInt(segmentSize);
}

/** `lsn` rounded down to the start of its segment. */
export function floorToSegment(lsn: bigint, segmentSize: number): bigint {
  return lsn - (lsn % BigInt(segmentSize));
}

/** Byte offset of `lsn` inside its segment. */
export function segmentOffsetOf(lsn: bigint, segmentSize: number): number {
  return Number(lsn % BigInt(segmentSize));
}

/** The 24-hex file name of a segment (XLogFileName): timeline, log, segment within the log. */
export function formatSegmentName(timeline: number, segmentNumber: bigint, segmentSize: number): string {
  const segmentsPerLog = logFileSize / BigInt(segmentSize);
  return `${hex8(BigInt(timeline))}${hex8(segmentNumber / segmentsPerLog)}${hex8(segmentNumber % segmentsPerLog)}`;
}

/** The segment number of a parsed name's log and segment parts (XLogFromFileName). */
export function segmentNumberFromName(log: number, segment: number, segmentSize: number): bigint {
  return BigInt(log) * (logFileSize / BigInt(segmentSize)) + BigInt(segment);
}

/** The name of a timeline's history file, e.g. 2 -> '00000002.history'. */
export function historyFileName(timeline: number): string {
  return `${hex8(BigInt(timeline))}.history`;
}

/** Parses PostgreSQL's size settings as SHOW prints them ('16MB', '1GB', '1048576'). */
export function parseSizeSetting(text: string): number {
  const match = /^(\d+)\s*(B|kB|MB|GB|TB)?$/.exec(text.trim());
  if (!match) throw new EngineError('invalid-input', `'${text}' is not a size PostgreSQL prints`);
  const units: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
  return Number(match[1]) * units[match[2] ?? 'B']!;
}

function hex8(value: bigint): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}
