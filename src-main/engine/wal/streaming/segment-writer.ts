/**
 * Writes streamed WAL into <streaming>/<segment>.partial at the right offsets
 * (256 KiB writes from a segment buffer) and fsyncs in the background, in order;
 * a full segment is fsynced, renamed and handed over to be archived. `flushed`,
 * the only position that may be reported to the server, moves only after that.
 * Never talks to PostgreSQL and never decides where streaming starts.
 */
import { closeSync, fsync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { EngineError } from '../../../../shared/errors';
import { formatLsn, formatSegmentName, segmentNumberOf, segmentOffsetOf, segmentStartLsn } from '../lsn';
import { fsyncFolder } from '../../store/atomic-file';
import { walLongHeaderBytes } from '../segment-header';

export interface CompletedSegment {
  name: string;
  /** the fsynced, renamed file in the streaming folder */
  file: string;
  /** the segment's first page header (walLongHeaderBytes) */
  header: Buffer;
  /** the segment's bytes when retainData is set (only valid during the call: the buffer is reused), else null */
  data: Buffer | null;
}

export interface SegmentWriterOptions {
  folder: string;
  segmentSize: number;
  /** Called for each completed segment, in order, after its fsync; throwing fails the writer. */
  completeSegment(segment: CompletedSegment): void;
  /** Bytes gathered before a write(2); default 256 KiB: written while still in the CPU cache, not reread cold. */
  batchBytes?: number;
  /** Completed segments whose fsync and archiving may be pending before `backlogged` turns true; default 2. */
  maxInFlight?: number;
  /** Hand each segment's bytes to completeSegment (to compress them); without, one buffer serves every segment. Default true. */
  retainData?: boolean;
}

/** What the stream listens to while it feeds the writer. */
export interface SegmentWriterListener {
  /** `flushed` moved (an fsync or a segment's archiving finished) */
  onFlushed(flushed: bigint): void;
  /** the backlog of segments in flight fell below the limit: reading may resume */
  onDrained(): void;
  /** a background step failed; every later call throws the same error */
  onFailure(error: Error): void;
}

interface OpenSegment {
  name: string;
  file: string;
  fd: number;
  startLsn: bigint;
  /** bytes received, written and fsynced from the segment's start */
  received: number;
  written: number;
  synced: number;
  /** an fsync of this partial file is queued */
  syncQueued: boolean;
  /** the folder entry of a new file is fsynced once, with its first fsync */
  entrySynced: boolean;
}

const fsyncAsync = promisify(fsync);

export class SegmentWriter {
  private readonly options: Required<SegmentWriterOptions>;
  private readonly freeBuffers: Buffer[] = [];
  private buffer: Buffer | null = null;
  private segment: OpenSegment | null = null;
  private timeline = 0;
  private nextLsn = 0n;
  private flushedLsn = 0n;
  /** background steps (fsyncs, completions), strictly in order */
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private failure: Error | null = null;
  private listener: SegmentWriterListener | null = null;

  constructor(options: SegmentWriterOptions) {
    this.options = {
      ...options,
      batchBytes: options.batchBytes ?? 256 * 1024,
      maxInFlight: options.maxInFlight ?? 2,
      retainData: options.retainData ?? true,
    };
  }

  /** The LSN up to which WAL is on disk (fsynced, and archived when its segment is complete). */
  get flushed(): bigint {
    return this.flushedLsn;
  }

  /** The LSN of the next byte expected from the server. */
  get position(): bigint {
    return this.nextLsn;
  }

  /** The segment being written, or the next one to be. */
  get currentSegmentName(): string {
    return this.segment?.name ?? formatSegmentName(this.timeline, segmentNumberOf(this.nextLsn, this.options.segmentSize), this.options.segmentSize);
  }

  /** True when received bytes are not fsynced yet. */
  get dirty(): boolean {
    return this.segment !== null && this.segment.synced < this.segment.received;
  }

  /** True while too many completed segments wait for their fsync: stop reading until onDrained. */
  get backlogged(): boolean {
    return this.inFlight >= this.options.maxInFlight;
  }

  attach(listener: SegmentWriterListener | null): void {
    this.listener = listener;
  }

  /** Starts writing `timeline` at `lsn`, a segment boundary. Any open segment must have been closed. */
  begin(timeline: number, lsn: bigint): void {
    if (this.segment) throw new Error('SegmentWriter.begin while a segment is open');
    if (segmentOffsetOf(lsn, this.options.segmentSize) !== 0) throw new Error(`streaming must start at a segment boundary, not ${formatLsn(lsn)}`);
    this.timeline = timeline;
    this.nextLsn = lsn;
    this.flushedLsn = lsn;
  }

  /** Adds WAL that starts at `start`; it must follow what came before without gap or overlap. */
  append(start: bigint, data: Buffer): void {
    if (this.failure) throw this.failure;
    if (start !== this.nextLsn) {
      throw new EngineError('archiver-failed', `the server sent WAL from ${formatLsn(start)} where ${formatLsn(this.nextLsn)} was expected`,
        'this is a protocol error: restart receive-wal; it resumes from the last complete segment');
    }
    const size = this.options.segmentSize;
    let offset = 0;
    while (offset < data.length) {
      const segment = this.segment ?? this.openSegment();
      const count = Math.min(data.length - offset, size - segment.received);
      data.copy(this.buffer!, segment.received, offset, offset + count);
      segment.received += count;
      offset += count;
      this.nextLsn += BigInt(count);
      if (segment.received === size) this.completeSegment(segment);
      else if (segment.received - segment.written >= this.options.batchBytes) this.writePending(segment);
    }
  }

  /** Writes what was received and queues an fsync of the open partial file; `flushed` moves when it is done. */
  requestSync(): void {
    const segment = this.segment;
    if (this.failure || !segment || segment.syncQueued || segment.synced === segment.received) return;
    this.writePending(segment);
    const mark = segment.received;
    segment.syncQueued = true;
    this.enqueue(async () => {
      await fsyncAsync(segment.fd);
      if (!segment.entrySynced) {
        fsyncFolder(this.options.folder);
        segment.entrySynced = true;
      }
      segment.synced = Math.max(segment.synced, mark);
      segment.syncQueued = false;
      this.advanceFlushed(segment.startLsn + BigInt(mark));
    });
  }

  /** Waits until every queued fsync and completion is done; throws a background failure. */
  async drain(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }

  /** Drains, then writes, fsyncs and closes the open .partial (a stop, a lost connection, a timeline's end); returns its path, if any. */
  async close(): Promise<string | null> {
    await this.drain();
    const segment = this.segment;
    if (!segment) return null;
    this.writePending(segment);
    await fsyncAsync(segment.fd);
    if (!segment.entrySynced) fsyncFolder(this.options.folder);
    closeSync(segment.fd);
    this.segment = null;
    this.flushedLsn = segment.startLsn + BigInt(segment.received);
    return segment.file;
  }

  /** Closes without writing more (after a failure); what was fsynced stays fsynced. Queued steps still finish. */
  discard(): void {
    const segment = this.segment;
    this.segment = null;
    if (!segment) return;
    // After the queued steps, which may still use the descriptor.
    void this.queue.then(() => closeQuietly(segment.fd));
  }

  private openSegment(): OpenSegment {
    const size = this.options.segmentSize;
    if (segmentOffsetOf(this.nextLsn, size) !== 0) throw new Error(`a segment must be opened at its start, not ${formatLsn(this.nextLsn)}`);
    this.buffer ??= this.freeBuffers.pop() ?? Buffer.allocUnsafe(size);
    const number = segmentNumberOf(this.nextLsn, size);
    const name = formatSegmentName(this.timeline, number, size);
    const file = path.join(this.options.folder, `${name}.partial`);
    // Rewritten from its first byte: the server still holds this segment (the slot's restart_lsn is in it or after it).
    const fd = openSync(file, 'w', 0o600);
    this.segment = {
      name, file, fd, startLsn: segmentStartLsn(number, size), received: 0, written: 0, synced: 0, syncQueued: false, entrySynced: false,
    };
    return this.segment;
  }

  private writePending(segment: OpenSegment): void {
    while (segment.written < segment.received) {
      segment.written += writeSync(segment.fd, this.buffer!, segment.written, segment.received - segment.written, segment.written);
    }
  }

  /** Hands the full segment to the background queue and moves on to a fresh buffer. */
  private completeSegment(segment: OpenSegment): void {
    this.writePending(segment);
    const header = Buffer.from(this.buffer!.subarray(0, walLongHeaderBytes));
    // Written already: unless its bytes are wanted later, the buffer can take the next segment at once.
    const data = this.options.retainData ? this.buffer! : null;
    if (data) this.buffer = null;
    this.segment = null;
    this.inFlight += 1;
    this.enqueue(async () => {
      try {
        await fsyncAsync(segment.fd);
      } finally {
        closeSync(segment.fd);
      }
      // No folder fsync here: once archived, a partial file resurrected by a crash is recognised as stale.
      const complete = path.join(this.options.folder, segment.name);
      renameSync(segment.file, complete);
      this.options.completeSegment({ name: segment.name, file: complete, header, data });
      if (data) this.freeBuffers.push(data);
      this.inFlight -= 1;
      this.advanceFlushed(segment.startLsn + BigInt(this.options.segmentSize));
      if (this.inFlight === this.options.maxInFlight - 1) this.listener?.onDrained();
    }, () => closeQuietly(segment.fd));
  }

  private advanceFlushed(lsn: bigint): void {
    if (lsn <= this.flushedLsn) return;
    this.flushedLsn = lsn;
    this.listener?.onFlushed(lsn);
  }

  /** Runs `step` after the queued ones; after a failure it is skipped and `skipped` releases what it holds. */
  private enqueue(step: () => Promise<void>, skipped?: () => void): void {
    this.queue = this.queue.then(async () => {
      if (this.failure) return skipped?.();
      try {
        await step();
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.listener?.onFailure(this.failure);
      }
    });
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing more to release.
  }
}
