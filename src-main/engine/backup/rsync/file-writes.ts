/**
 * Writes many files at once without making the reader wait for each: a
 * file's bytes go out in positional writes of at most 256 KiB on libuv's
 * thread pool, one after another within a file and side by side across files,
 * then its mtime and close; the caller is held back while too many bytes wait.
 * (A small file that arrived whole is better stored at once: the hashing
 * worker does that. Writing back to disk early is early-writeback.ts's.)
 * Owns no parsing and no hashing; the tar extractor feeds it.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DiskPool, writeAt } from '../disk-pool';

/**
 * A file's bytes go to the pool in batches of this size, each written in
 * 256 KiB pieces (writeAt) by one task: the file's next batch waits for the
 * thread to come back through this thread's event loop, once per MiB.
 */
const batchBytes = 1024 * 1024;

export interface FileWriteTarget {
  localPath: string;
  mode: number;
  mtime: Date;
}

export interface FileWriter {
  /** Queues bytes, written in order of position: kept, not copied, until the pool's onWritten hands them back. */
  push(chunk: Buffer): void;
  /** Queues the rest of the file; `done` settles once it is written, dated and closed. */
  end(): void;
  readonly done: Promise<void>;
}

export interface WritePool {
  /**
   * A file's writer. `beside` runs on each batch of pushed chunks as it is
   * queued (the hashing worker reads them meanwhile); the batch is handed back
   * once both its write and `beside` are done, and a rejection fails the pool.
   */
  start(target: FileWriteTarget, beside?: (batch: readonly Buffer[]) => Promise<void>): FileWriter;
  /** True while too many bytes wait: the reader should stop until waitForRoom() resolves. */
  readonly full: boolean;
  /** Resolves once queued bytes are under the low-water mark again (backpressure for the reader). */
  waitForRoom(): Promise<void>;
  /** Counts `bytes` held by other work (files stored elsewhere) toward the high-water mark until `work` settles. */
  track(bytes: number, work: Promise<unknown>): void;
  /** Waits for every file started so far; rejects with the first write error. */
  settle(): Promise<void>;
  /** Closes what is open, without waiting for queued writes. */
  abort(): Promise<void>;
}

export interface WritePoolOptions {
  /** called with each batch of pushed chunks once it is in the page cache (they may be reused then) */
  onWritten?(bytes: number, chunks: readonly Buffer[]): void;
}

export function createWritePool(opts: WritePoolOptions = {}): WritePool {
  let paused = false;
  let wakeUp: (() => void) | null = null;
  const pool = new DiskPool({
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      const wake = wakeUp;
      wakeUp = null;
      wake?.();
    },
  });
  const active = new Set<Promise<void>>();
  const handles = new Set<FileHandle>();
  let aborted = false;

  const start = (target: FileWriteTarget, beside?: (batch: readonly Buffer[]) => Promise<void>): FileWriter => {
    let opening: Promise<FileHandle> | null = null;
    const openOnce = (): Promise<FileHandle> => {
      // Never an existing file: a path left hard-linked to a previous backup must fail, not write into it.
      opening ??= open(target.localPath, 'wx', target.mode).then(async (handle) => {
        if (aborted) {
          await handle.close();
          throw new Error(`writing '${target.localPath}' was aborted`);
        }
        handles.add(handle);
        return handle;
      });
      return opening;
    };
    /** the file's writes run one after another (disk-pool.ts's `after`), files side by side: the last settles after all */
    let lastWrite: Promise<void> | undefined;
    let parts: Buffer[] = [];
    let partsBytes = 0;
    let position = 0;
    const flush = (): void => {
      if (partsBytes === 0) return;
      const batch = parts;
      const bytes = partsBytes;
      const at = position;
      parts = [];
      partsBytes = 0;
      position += bytes;
      const alongside = beside?.(batch);
      const written = pool.run(bytes, async () => writeAt(await openOnce(), batch, at), lastWrite);
      lastWrite = written;
      if (alongside) {
        // Its bytes stay held until it is done too: they count toward the high-water mark meanwhile.
        pool.track(bytes, alongside);
        alongside.catch((error: unknown) => pool.fail(error instanceof Error ? error : new Error(String(error))));
      }
      // A failed write is the pool's failure already; its chunks are simply not handed back then.
      (alongside ? Promise.all([written, alongside]) : written).then(() => opts.onWritten?.(bytes, batch), () => undefined);
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
        parts.push(chunk);
        partsBytes += chunk.length;
        if (partsBytes >= batchBytes) flush();
      },
      end: () => {
        flush();
        Promise.resolve(lastWrite)
          .then(async () => {
            const handle = await openOnce();
            await handle.utimes(target.mtime, target.mtime);
            await handle.close();
            handles.delete(handle);
          })
          .then(resolveDone, (error: Error) => {
            pool.fail(error);
            rejectDone(error);
          })
          .finally(() => active.delete(done));
      },
      done,
    };
  };

  const waitForRoom = async (): Promise<void> => {
    pool.throwFailure();
    while (paused) {
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
      pool.throwFailure();
    }
  };

  const settle = async (): Promise<void> => {
    while (active.size > 0) await Promise.allSettled([...active]);
    pool.throwFailure();
  };

  const abort = async (): Promise<void> => {
    aborted = true;
    pool.fail(new Error('the copy stopped'));
    const openHandles = [...handles];
    handles.clear();
    await Promise.allSettled(openHandles.map((handle) => handle.close()));
  };

  return {
    start, waitForRoom, settle, abort,
    track: (bytes, work) => pool.track(bytes, work),
    get full() {
      return paused;
    },
  };
}
