/**
 * Writes many files at once without making the reader wait for each: every
 * file gets an ordered chain (open, batched writes, mtime, close) run by the
 * libuv thread pool, while the caller bounds the bytes queued and the files
 * open. Owns no parsing and no hashing; the tar extractor feeds it.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export interface FileWriteTarget {
  localPath: string;
  mode: number;
  mtime: Date;
}

export interface FileWriter {
  /** Queues bytes; they are written in order, in batches. */
  push(chunk: Buffer): void;
  /** Queues the rest of the file; `done` settles once it is written and closed. */
  end(): void;
  readonly done: Promise<void>;
}

export interface WritePool {
  start(target: FileWriteTarget): FileWriter;
  /** Resolves once queued bytes and open files are under their limits (backpressure for the reader). */
  waitForRoom(): Promise<void>;
  /** Waits for every file started so far; rejects with the first write error. */
  settle(): Promise<void>;
  /** Closes what is open, without waiting for queued writes. */
  abort(): Promise<void>;
}

export interface WritePoolOptions {
  /** called with the bytes of each batch once it is on disk */
  onWritten?(bytes: number): void;
  maxQueuedBytes?: number;
  maxOpenFiles?: number;
}

const batchBytes = 1024 * 1024;

export function createWritePool(opts: WritePoolOptions = {}): WritePool {
  const maxQueuedBytes = opts.maxQueuedBytes ?? 32 * 1024 * 1024;
  const maxOpenFiles = opts.maxOpenFiles ?? 64;
  let queuedBytes = 0;
  let failure: Error | null = null;
  let aborted = false;
  const active = new Set<Promise<void>>();
  const handles = new Set<FileHandle>();
  let wakeUp: (() => void) | null = null;
  const notify = (): void => {
    const wake = wakeUp;
    wakeUp = null;
    wake?.();
  };

  const start = (target: FileWriteTarget): FileWriter => {
    let chain: Promise<FileHandle> = open(target.localPath, 'w', target.mode).then(async (handle) => {
      if (aborted) {
        await handle.close();
        throw new Error(`writing '${target.localPath}' was aborted`);
      }
      handles.add(handle);
      return handle;
    });
    // Each step is awaited through `done` (or dropped on abort): never an unhandled rejection.
    chain.catch(() => {});
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = (): void => {
      if (pendingBytes === 0) return;
      const buffers = pending;
      const bytes = pendingBytes;
      pending = [];
      pendingBytes = 0;
      chain = chain.then(async (handle) => {
        if (aborted) throw new Error(`writing '${target.localPath}' was aborted`);
        await writeAll(handle, buffers, bytes);
        queuedBytes -= bytes;
        opts.onWritten?.(bytes);
        notify();
        return handle;
      });
      chain.catch(() => {});
    };
    let resolveDone!: () => void;
    let rejectDone!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // Settled through `active` and settle(); never an unhandled rejection on its own.
    done.catch(() => {});
    active.add(done);
    return {
      push: (chunk) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        queuedBytes += chunk.length;
        if (pendingBytes >= batchBytes) flush();
      },
      end: () => {
        flush();
        chain
          .then(async (handle) => {
            await handle.utimes(target.mtime, target.mtime);
            await handle.close();
            handles.delete(handle);
          })
          .then(resolveDone, (error: Error) => {
            failure ??= error;
            rejectDone(error);
          })
          .finally(() => {
            active.delete(done);
            notify();
          });
      },
      done,
    };
  };

  const waitForRoom = async (): Promise<void> => {
    while (!failure && (queuedBytes > maxQueuedBytes || active.size >= maxOpenFiles)) {
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
    }
    if (failure) throw failure;
  };

  const settle = async (): Promise<void> => {
    await Promise.allSettled([...active]);
    if (failure) throw failure;
  };

  const abort = async (): Promise<void> => {
    aborted = true;
    const openHandles = [...handles];
    handles.clear();
    await Promise.allSettled(openHandles.map((handle) => handle.close()));
  };

  return { start, waitForRoom, settle, abort };
}

async function writeAll(handle: FileHandle, buffers: Buffer[], bytes: number): Promise<void> {
  let written = 0;
  let rest = buffers;
  while (written < bytes) {
    const { bytesWritten } = await handle.writev(rest);
    written += bytesWritten;
    if (written < bytes) rest = [Buffer.concat(rest).subarray(bytesWritten)];
  }
}
