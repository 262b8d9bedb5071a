/**
 * Turns the tar entries of a BASE_BACKUP stream into files under the backup's
 * data folder while they arrive, off the thread that reads the socket. With
 * checksums 'server' the server's manifest brings every file's SHA-256 and
 * no file is hashed here. With checksums 'local' small files are hashed here;
 * large ones go in shared batches that a worker hashes while the thread pool
 * writes them. The stream's bytes are copied once, into blocks this writer
 * reuses after each write (the socket's read buffer is reused at once, and
 * reused memory is memory the kernel has already mapped). Writes carry their file offset, so several go at once,
 * within a file and across files (creating files is the slow part on many
 * volumes); the socket pauses while too much waits. Each finished file is
 * hard-linked to the previous backup's identical copy (file-reuse.ts). No
 * fsync here, but of large files as they finish, so their writeback overlaps the transfer.
 */
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, symlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import { SpareBuffers } from '../../process/spare-buffers';
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import { findIdenticalFile, linkToPrevious } from '../file-reuse';
import { BackgroundHasher } from '../background-hasher';
import { DiskPool, writeAt, writeBytes, writeFileNow, type FlowControl } from '../disk-pool';
import { spareWriteBlocks, takeWriteBlock } from '../spare-buffers';
import type { TarEntry, TarSink } from './tar-reader';

export type { FlowControl } from '../disk-pool';

export interface ArrivalOptions {
  dataFolder: string;
  previous: PreviousBackup | null;
  reuse: 'off' | 'copy' | 'link';
  /**
   * 'local': SHA-256 of every file computed here, and identical files linked as they arrive.
   * 'server': the server's manifest carries the checksums; entries keep sha256 '' and linking waits for it.
   */
  checksums: 'local' | 'server';
  flow: FlowControl;
  /** after each file is stored (written, or linked) */
  onFile?: ((file: BackupFileEntry) => void) | undefined;
}

interface ArrivingFile {
  entry: BackupFileEntry;
  absolute: string;
  mode: number;
  /** not a large file with local checksums: filled into blocks, hashed on this thread if at all */
  inline: boolean;
  /** inline files with local checksums: hashed on this thread */
  hash: Hash | null;
  /** large files: hashed by the worker from the shared batch being filled */
  hashId: number | null;
  /** the block (inline files) or shared batch (large files) being filled, and its bytes so far */
  batch: Buffer | null;
  fill: number;
  /** where the next write goes */
  offset: number;
  opening: Promise<FileHandle> | null;
  writes: Promise<void>[];
}

/** A large file's data goes to the hashing worker in shared batches of this size (fewer messages). */
const batchBytes = 1024 * 1024;
/** Files from this size on are hashed by the worker, and fsynced as soon as they are written. */
const largeFileBytes = 16 * 1024 * 1024;
/** Batches back from the worker and the disk, kept for the next file and the next backup (process/spare-buffers.ts). */
const spareHashBatches = new SpareBuffers(48, 60_000);

export class ArrivalWriter {
  readonly files: BackupFileEntry[] = [];
  private readonly pool: DiskPool;
  private readonly openHandles = new Set<FileHandle>();
  private readonly createdFolders = new Set<string>();
  /** every file's last step (close, reuse) and every early fsync, until settled */
  private readonly pending = new Set<Promise<void>>();
  private hasher: BackgroundHasher | null = null;

  constructor(private readonly options: ArrivalOptions) {
    this.pool = new DiskPool(options.flow);
  }

  /** A sink for one archive; `prefix` is '' for the main data folder, 'pg_tblspc/<oid>' for a tablespace. */
  archiveSink(prefix: string): TarSink {
    let current: ArrivingFile | null = null;
    return {
      onEntry: (entry) => {
        current = entry.type === 'file' ? this.beginFile(prefix, entry) : null;
        if (entry.type !== 'file') this.storeSpecial(prefix, entry);
      },
      onData: (chunk) => {
        if (current) this.appendData(current, chunk);
      },
      onEntryEnd: () => {
        if (current) this.endFile(current);
        current = null;
      },
    };
  }

  /** Waits for every write; throws the first disk error. */
  async finish(): Promise<void> {
    await this.settleAll();
    this.pool.throwFailure();
  }

  /** After a failure: lets started work settle and closes what is still open. */
  async abort(): Promise<void> {
    this.pool.fail(new EngineError('cancelled', 'the backup stopped'));
    await this.settleAll();
    await Promise.all([...this.openHandles].map((handle) => handle.close().catch(() => undefined)));
    this.openHandles.clear();
  }

  private async settleAll(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.hasher?.close();
  }

  private beginFile(prefix: string, entry: TarEntry): ArrivingFile {
    const relative = joinRelative(prefix, entry.path);
    const absolute = this.absolutePath(relative);
    this.ensureFolder(path.dirname(absolute));
    const local = this.options.checksums === 'local';
    const inline = !local || entry.size < largeFileBytes;
    return {
      entry: { path: relative, size: entry.size, mtime: entry.mtime, sha256: '', reused: false },
      absolute,
      mode: entry.mode || 0o600,
      inline,
      hash: local && inline ? createHash('sha256') : null,
      hashId: inline ? null : (this.hasher ??= new BackgroundHasher()).begin(),
      batch: null,
      fill: 0,
      offset: 0,
      opening: null,
      writes: [],
    };
  }

  /** `chunk` is valid only during the call (the socket's read buffer): its bytes are copied into a block or batch. */
  private appendData(file: ArrivingFile, chunk: Buffer): void {
    if (file.inline) {
      file.hash?.update(chunk);
      for (let offset = 0; offset < chunk.length;) {
        file.batch ??= takeWriteBlock();
        const taken = Math.min(writeBytes - file.fill, chunk.length - offset);
        chunk.copy(file.batch, file.fill, offset, offset + taken);
        file.fill += taken;
        offset += taken;
        if (file.fill === writeBytes) this.flushBlock(file);
      }
      return;
    }
    for (let offset = 0; offset < chunk.length;) {
      file.batch ??= spareHashBatches.take() ?? Buffer.from(new SharedArrayBuffer(batchBytes));
      const taken = Math.min(batchBytes - file.fill, chunk.length - offset);
      chunk.copy(file.batch, file.fill, offset, offset + taken);
      file.fill += taken;
      offset += taken;
      if (file.fill === batchBytes) this.flushBatch(file);
    }
  }

  /** A large file's batch: hashed by the worker while the pool writes it; reused once both are done. */
  private flushBatch(file: ArrivingFile): void {
    const batch = file.batch;
    const length = file.fill;
    file.batch = null;
    file.fill = 0;
    if (!batch) return;
    if (length === 0) {
      spareHashBatches.give(batch);
      return;
    }
    const hashed = this.hasher!.update(file.hashId!, [batch.subarray(0, length)]);
    this.pool.track(length, hashed);
    const written = this.write(file, [batch.subarray(0, length)]);
    // Failed writes are the pool's failure already; the batch is simply not reused then.
    Promise.all([hashed, written]).then(() => spareHashBatches.give(batch), () => undefined);
  }

  /** An inline file's block: written by the pool, then reused. */
  private flushBlock(file: ArrivingFile): void {
    const block = file.batch;
    const length = file.fill;
    file.batch = null;
    file.fill = 0;
    const written = this.write(file, block ? [block.subarray(0, length)] : []);
    // Failed writes are the pool's failure already; the block is simply not reused then.
    if (block) written.then(() => spareWriteBlocks.give(block), () => undefined);
  }

  /** Queues a positional write of `parts` at the file's next offset, after the file's previous write. */
  private write(file: ArrivingFile, parts: Buffer[]): Promise<void> {
    const position = file.offset;
    const bytes = byteLength(parts);
    file.offset += bytes;
    const written = this.pool.run(bytes, async () => writeAt(await this.openFile(file), parts, position), file.writes.at(-1));
    file.writes.push(written);
    return written;
  }

  private endFile(file: ArrivingFile): void {
    this.files.push(file.entry);
    if (file.inline && file.writes.length === 0) {
      this.storeSmallFile(file);
      return;
    }
    if (file.inline) {
      if (file.hash) file.entry.sha256 = file.hash.digest('hex');
      if (file.fill > 0) this.flushBlock(file);
    } else {
      this.flushBatch(file);
    }
    const digest = file.hashId === null ? null : this.hasher!.digest(file.hashId);
    const writes = file.writes;
    const last = Promise.all(writes).then(async () => {
      if (digest) file.entry.sha256 = await digest;
      const handle = await this.openFile(file);
      this.openHandles.delete(handle);
      await this.settleFile(file, handle);
    }).catch((error: unknown) => this.pool.fail(error instanceof Error ? error : new Error(String(error))));
    this.keepPending(last);
  }

  /**
   * A small file that arrived whole: written right here (writeFileNow), not
   * through the pool. Linking to the previous backup's identical copy, when it
   * applies, still runs off this thread.
   */
  private storeSmallFile(file: ArrivingFile): void {
    if (file.hash) file.entry.sha256 = file.hash.digest('hex');
    const block = file.batch;
    file.batch = null;
    try {
      writeFileNow(file.absolute, block ? [block.subarray(0, file.fill)] : [], { flags: 'wx', mode: file.mode });
    } catch (error) {
      this.pool.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      // Written at once, on this thread: the very next file reuses the block.
      if (block) spareWriteBlocks.give(block);
    }
    const { previous, reuse } = this.options;
    if (reuse === 'link' && previous && file.entry.sha256 !== '' && findIdenticalFile(previous, file.entry)) {
      this.keepPending(linkToPrevious(previous, file.entry.path, file.entry.size, file.absolute).then((reused) => {
        file.entry.reused = reused;
        this.options.onFile?.(file.entry);
      }).catch((error: unknown) => this.pool.fail(error instanceof Error ? error : new Error(String(error)))));
      return;
    }
    this.options.onFile?.(file.entry);
  }

  /** A fully written file: linked to the previous backup's identical copy when there is one, else closed (large ones after an fsync). */
  private async settleFile(file: ArrivingFile, handle: FileHandle): Promise<void> {
    const { previous, reuse } = this.options;
    // Without a checksum yet (server checksums), linking waits for the server's manifest: linkUnchangedFiles.
    if (reuse === 'link' && previous && file.entry.sha256 !== '' && findIdenticalFile(previous, file.entry)) {
      await handle.close();
      file.entry.reused = await linkToPrevious(previous, file.entry.path, file.entry.size, file.absolute);
    } else if (file.entry.size >= largeFileBytes) {
      // Its fsync runs beside the stream, on a thread of its own, then closes it.
      this.keepPending(handle.sync().finally(() => handle.close()).catch((error: unknown) => this.pool.fail(error as Error)));
    } else {
      await handle.close();
    }
    this.options.onFile?.(file.entry);
  }

  private keepPending(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private openFile(file: ArrivingFile): Promise<FileHandle> {
    file.opening ??= open(file.absolute, 'wx', file.mode).then((handle) => {
      this.openHandles.add(handle);
      return handle;
    });
    return file.opening;
  }

  private storeSpecial(prefix: string, entry: TarEntry): void {
    const relative = joinRelative(prefix, entry.path);
    const absolute = this.absolutePath(relative);
    if (entry.type === 'directory' || (entry.type === 'symlink' && /^pg_tblspc\/[^/]+$/.test(relative))) {
      // A tablespace link becomes a real folder: its own archive is extracted into it.
      this.ensureFolder(absolute, entry.mode || 0o700);
    } else if (entry.type === 'symlink' && entry.linkTarget !== null) {
      this.ensureFolder(path.dirname(absolute));
      symlinkSync(entry.linkTarget, absolute);
    }
  }

  /** Folders are few: created at once, on this thread, so every file's folder exists before its first write. */
  private ensureFolder(folder: string, mode = 0o700): void {
    if (this.createdFolders.has(folder)) return;
    mkdirSync(folder, { recursive: true, mode });
    this.createdFolders.add(folder);
  }

  private absolutePath(relative: string): string {
    return path.join(this.options.dataFolder, ...relative.split('/'));
  }
}

function byteLength(parts: readonly Buffer[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

/** Checks an archive path and joins it under the prefix; refuses anything that would leave the data folder. */
export function joinRelative(prefix: string, entryPath: string): string {
  const parts = entryPath.split('/');
  if (entryPath === '' || entryPath.startsWith('/') || parts.some((part) => part === '..' || part === '')) {
    throw new EngineError('backup-failed', `the server sent an unsafe path '${entryPath}' in the backup archive`,
      'check the server: a data folder never holds such a path');
  }
  return prefix === '' ? entryPath : `${prefix}/${entryPath}`;
}
