/**
 * Runs the arrival writer's disk operations on libuv's thread pool, a few at a
 * time, the bytes waiting in them (and in other tracked work) pausing the
 * producer above a high-water mark. Keeps the first failure and skips
 * everything after it.
 */

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
   * `operation` once a thread is free; `bytes` count toward the high-water mark
   * until it ends. Resolves when it ended; rejects with its error (which also
   * becomes the pool's failure, so everything queued after it is skipped).
   */
  run(bytes: number, operation: () => Promise<void>): Promise<void> {
    this.throwFailure();
    this.hold(bytes);
    const done = (async () => {
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
    void work.finally(() => this.unhold(bytes));
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
