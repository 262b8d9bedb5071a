/**
 * Disk writes of arriving backup files (both methods) on libuv's thread pool,
 * a few at a time, the bytes waiting in them (and in other tracked work)
 * pausing the producer above a high-water mark. Keeps the first failure and
 * skips everything after it. Plus the positional write itself, in
 * page-cache-friendly pieces, and the whole-file write of a small file on the caller's thread.
 */
import { closeSync, futimesSync, openSync, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** Creating files is slow on many volumes and overlaps well; libuv runs 4 threads by default. */
const concurrency = 3;
const highWaterBytes = 32 * 1024 * 1024;
const lowWaterBytes = 8 * 1024 * 1024;

export class DiskPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private waitingBytes = 0;
  private paused = false;
  private failure: Error | null = null;

  constructor(private readonly flow: FlowControl) {}

  /**
   * `operation` once a thread is free (and `after` settled); `bytes` count
   * toward the high-water mark from now until it ends. Resolves when it ended;
   * rejects with its error (which also becomes the pool's failure, so
   * everything queued after it is skipped).
   *
   * `after` is the same file's previous write: ext4 lets one buffered write
   * into a file at a time (its inode lock), and the others spun on that lock
   * (perf: ~110 ms of the thread pool's CPU per full backup at pgbench scale 10).
   */
  run(bytes: number, operation: () => Promise<void>, after?: Promise<void>): Promise<void> {
    this.throwFailure();
    this.hold(bytes);
    const done = (async () => {
      if (after) await after.catch(() => undefined);
      await this.acquire();
      try {
        if (this.failure) throw this.failure;
        await operation();
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
        throw error;
      } finally {
        this.release();
        this.unhold(bytes);
      }
    })();
    done.catch(() => undefined);
    return done;
  }

  /** Counts `bytes` toward the high-water mark until `work` settles (memory held by other work, e.g. hashing). */
  track(bytes: number, work: Promise<unknown>): void {
    this.hold(bytes);
    // Whether it fulfils or rejects (its rejection is the caller's to handle, not a new unhandled one here).
    const unhold = (): void => this.unhold(bytes);
    work.then(unhold, unhold);
  }

  fail(error: Error): void {
    this.failure ??= error;
  }

  throwFailure(): void {
    if (this.failure) throw this.failure;
  }

  private hold(bytes: number): void {
    this.waitingBytes += bytes;
    if (!this.paused && this.waitingBytes > highWaterBytes) {
      this.paused = true;
      this.flow.pause();
    }
  }

  private unhold(bytes: number): void {
    this.waitingBytes -= bytes;
    if (this.paused && (this.waitingBytes < lowWaterBytes || this.failure)) {
      this.paused = false;
      this.flow.resume();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

/**
 * One write puts at most this much into the page cache. Not more: from 1 MiB
 * on the page cache takes large folios, and such writes measured up to 5×
 * slower here (256 KiB writes: a steady ~4.5 GB/s into the cache).
 */
export const writeBytes = 256 * 1024;
/** IOV_MAX on Linux */
const maximumWritevParts = 1024;

/** Writes `parts` from `position` on, at most writeBytes per call, until every byte is out. */
export async function writeAt(handle: FileHandle, parts: readonly Buffer[], position: number): Promise<void> {
  let at = position;
  let group: Buffer[] = [];
  let groupBytes = 0;
  const flush = async (): Promise<void> => {
    let waiting = group;
    group = [];
    groupBytes = 0;
    while (waiting.length > 0) {
      let written = (await handle.writev(waiting, at)).bytesWritten;
      at += written;
      let index = 0;
      while (index < waiting.length && written >= waiting[index]!.length) written -= waiting[index++]!.length;
      waiting = waiting.slice(index);
      if (written > 0) waiting[0] = waiting[0]!.subarray(written);
    }
  };
  for (const part of parts) {
    for (let offset = 0; offset < part.length;) {
      const piece = part.subarray(offset, offset + writeBytes - groupBytes);
      group.push(piece);
      groupBytes += piece.length;
      offset += piece.length;
      if (groupBytes >= writeBytes || group.length >= maximumWritevParts) await flush();
    }
  }
  if (group.length > 0) await flush();
}

/**
 * A small file that arrived whole (most files of a data folder): created,
 * written, dated (when `mtime` is given) and closed right here, a few syscalls
 * into the page cache, instead of as many trips through the thread pool and their
 * promises (measured: about a quarter less CPU for a pgbench cluster). Throws the syscall's error.
 */
export function writeFileNow(localPath: string, parts: readonly Buffer[], options: { flags: 'w' | 'wx'; mode: number; mtime?: Date }): void {
  const fd = openSync(localPath, options.flags, options.mode);
  try {
    let rest = parts;
    while (rest.length > 0) {
      let written = writevSync(fd, rest);
      let index = 0;
      while (index < rest.length && written >= rest[index]!.length) written -= rest[index++]!.length;
      rest = rest.slice(index);
      if (written > 0) rest = [rest[0]!.subarray(written), ...rest.slice(1)];
    }
    if (options.mtime) futimesSync(fd, options.mtime, options.mtime);
  } finally {
    closeSync(fd);
  }
}
