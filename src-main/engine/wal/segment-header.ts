/**
 * Checks that a file is the WAL segment its name says it is, from its first
 * page's long header: magic of a known PostgreSQL version, long-header flag,
 * timeline (the name's or an ancestor's) and page address matching the name,
 * segment size matching the file.
 */
import { EngineError } from '../../../shared/errors';
import { parseWalFileName } from './segment-name';

/** XLOG_PAGE_MAGIC per major version (src/include/access/xlog_internal.h). */
export const walPageMagics: ReadonlyMap<number, string> = new Map([
  [0xd101, '12'], [0xd106, '13'], [0xd10d, '14'], [0xd110, '15'], [0xd113, '16'], [0xd116, '17'], [0xd118, '18'],
]);

const xlpLongHeader = 0x0002;
export const walLongHeaderBytes = 40;

export interface WalSegmentHeader {
  magic: number;
  pgMajor: string;
  timeline: number;
  pageAddress: bigint;
  systemId: string;
  segmentSize: number;
  blockSize: number;
}

export function readWalSegmentHeader(page: Buffer): WalSegmentHeader {
  if (page.length < walLongHeaderBytes) throw new EngineError('wal-invalid', `a WAL segment starts with a ${walLongHeaderBytes}-byte header; got ${page.length} bytes`);
  const magic = page.readUInt16LE(0);
  return {
    magic,
    pgMajor: walPageMagics.get(magic) ?? 'unknown',
    timeline: page.readUInt32LE(4),
    pageAddress: page.readBigUInt64LE(8),
    systemId: page.readBigUInt64LE(24).toString(),
    segmentSize: page.readUInt32LE(32),
    blockSize: page.readUInt32LE(36),
  };
}

/**
 * Validates a segment's header against its name (and, when known, the server's
 * system identifier). Returns the header; throws 'wal-invalid' naming what is wrong.
 */
export function validateWalSegment(name: string, firstPage: Buffer, fileSize: number, expectedSystemId: string | null): WalSegmentHeader {
  const parsed = parseWalFileName(name);
  if (parsed?.kind !== 'segment' || parsed.partial) throw new EngineError('wal-invalid', `'${name}' is not a WAL segment name`);
  const problem = (text: string): never => {
    throw new EngineError('wal-invalid', `wal segment '${name}' is refused: ${text}`, 'archive_command must send %p of the segment named %f, unchanged');
  };
  if (firstPage.length < walLongHeaderBytes) problem(`it has ${fileSize} bytes, too few for a page header`);
  const header = readWalSegmentHeader(firstPage);
  if (!walPageMagics.has(header.magic)) problem(`unknown page magic 0x${header.magic.toString(16)}`);
  if ((firstPage.readUInt16LE(2) & xlpLongHeader) === 0) problem('its first page has no long header');
  // The first segment of a new timeline starts as a copy of its parent's last one, so its first page
  // carries the parent timeline (seen after a promotion on PostgreSQL 15): an older timeline is fine.
  if (header.timeline === 0 || header.timeline > parsed.timeline) problem(`its header says timeline ${header.timeline}, its name timeline ${parsed.timeline}`);
  const segmentSize = header.segmentSize;
  if (segmentSize < 1024 * 1024 || (segmentSize & (segmentSize - 1)) !== 0) problem(`its header has an invalid segment size ${segmentSize}`);
  if (fileSize !== segmentSize) problem(`it has ${fileSize} bytes, its header says ${segmentSize}`);
  const segmentsPerLog = 0x1_0000_0000 / segmentSize;
  const expectedAddress = (BigInt(parsed.log) * BigInt(segmentsPerLog) + BigInt(parsed.segment)) * BigInt(segmentSize);
  if (parsed.segment >= segmentsPerLog) problem(`segment number ${parsed.segment} does not exist with ${segmentSize}-byte segments`);
  if (header.pageAddress !== expectedAddress) problem(`its page address 0x${header.pageAddress.toString(16)} does not match its name`);
  if (expectedSystemId !== null && header.systemId !== expectedSystemId) {
    throw new EngineError('wal-invalid', `wal segment '${name}' belongs to system ${header.systemId}, this server's archive to system ${expectedSystemId}`,
      'the archive_command points at the wrong Barkeep server name, or the cluster was re-created');
  }
  return header;
}
