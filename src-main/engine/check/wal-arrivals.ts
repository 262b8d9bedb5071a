/**
 * What WAL reached a server's store, read from disk (the source of truth, not
 * the catalog): the highest segment in wals/, incoming/ and streaming/, when
 * it arrived, and what waits in incoming/. Also reads a segment's header from
 * any of those places. Reads only; moving files is the archiver's job.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { StorePaths } from '../store/layout';
import { readWalSegmentHeader, walLongHeaderBytes, type WalSegmentHeader } from '../wal/segment-header';
import { parseWalFileName, splitCompressionSuffix } from '../wal/segment-name';

export type ArrivalPlace = 'wals' | 'incoming' | 'streaming';

export interface WalArrival {
  /** the segment name, without compression suffix */
  name: string;
  file: string;
  place: ArrivalPlace;
  compression: 'gzip' | 'zstd' | null;
  arrivedAt: Date;
}

export interface WalArrivals {
  /** the highest segment of each place */
  newestIn: Record<ArrivalPlace, WalArrival | null>;
  /** the highest segment over all places */
  newest: WalArrival | null;
  /** the latest arrival time among those segments */
  lastArrivalAt: Date | null;
  /** WAL files waiting in incoming/ for the archiver to take them */
  incomingQueue: { count: number; oldestAt: Date | null };
}

export async function scanWalArrivals(paths: StorePaths): Promise<WalArrivals> {
  const [wals, incoming, streaming] = await Promise.all([
    findNewestArchived(paths.walsDirectory),
    findNewestFlat(paths.incomingWalsDirectory, 'incoming'),
    findNewestFlat(paths.streamingWalsDirectory, 'streaming'),
  ]);
  const found = [wals, incoming.newest, streaming.newest].filter((arrival): arrival is WalArrival => arrival !== null);
  const newest = found.reduce<WalArrival | null>((best, arrival) => (best === null || arrival.name > best.name ? arrival : best), null);
  const lastArrivalAt = found.reduce<Date | null>((latest, arrival) => (latest === null || arrival.arrivedAt > latest ? arrival.arrivedAt : latest), null);
  return {
    newestIn: { wals, incoming: incoming.newest, streaming: streaming.newest },
    newest,
    lastArrivalAt,
    incomingQueue: incoming.queue,
  };
}

/** The long header of a stored segment (decompressed first when needed). */
export async function readArrivalHeader(arrival: WalArrival): Promise<WalSegmentHeader> {
  if (arrival.compression === null) {
    const handle = await open(arrival.file, 'r');
    try {
      const page = Buffer.alloc(walLongHeaderBytes);
      const { bytesRead } = await handle.read(page, 0, page.length, 0);
      return readWalSegmentHeader(page.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }
  // Loaded on demand: the compression check reports a codec that fails to load.
  const { decompressWal } = await import('../wal/compression');
  return readWalSegmentHeader(decompressWal(await readFile(arrival.file), arrival.compression));
}

/** wals/<timeline+log>/<segment>[.gz|.zst]: the last folder that holds a segment has the highest one. */
async function findNewestArchived(walsDirectory: string): Promise<WalArrival | null> {
  const folders = (await listNames(walsDirectory)).filter((name) => /^[0-9A-F]{16}$/.test(name)).sort().reverse();
  for (const folder of folders) {
    const names = (await listNames(path.join(walsDirectory, folder)))
      .map((fileName) => ({ fileName, ...splitCompressionSuffix(fileName) }))
      .filter((entry) => isCompleteSegment(entry.name))
      .sort((a, b) => (a.name < b.name ? 1 : -1));
    const top = names[0];
    if (top === undefined) continue;
    const file = path.join(walsDirectory, folder, top.fileName);
    const arrivedAt = await modifiedAt(file);
    if (arrivedAt !== null) return { name: top.name, file, place: 'wals', compression: top.compression, arrivedAt };
  }
  return null;
}

async function findNewestFlat(folder: string, place: ArrivalPlace): Promise<{ newest: WalArrival | null; queue: WalArrivals['incomingQueue'] }> {
  const walFiles = (await listNames(folder)).filter((name) => parseWalFileName(splitCompressionSuffix(name).name) !== null);
  let newest: WalArrival | null = null;
  let oldestAt: Date | null = null;
  for (const fileName of walFiles) {
    const file = path.join(folder, fileName);
    const arrivedAt = await modifiedAt(file);
    if (arrivedAt === null) continue;
    if (oldestAt === null || arrivedAt < oldestAt) oldestAt = arrivedAt;
    const { name, compression } = splitCompressionSuffix(fileName);
    if (isCompleteSegment(name) && (newest === null || name > newest.name)) {
      newest = { name, file, place, compression, arrivedAt };
    }
  }
  return { newest, queue: { count: walFiles.length, oldestAt } };
}

function isCompleteSegment(name: string): boolean {
  const parsed = parseWalFileName(name);
  return parsed?.kind === 'segment' && !parsed.partial;
}

async function listNames(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** null when the file went away meanwhile (the archiver moved it). */
async function modifiedAt(file: string): Promise<Date | null> {
  try {
    return (await stat(file)).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
