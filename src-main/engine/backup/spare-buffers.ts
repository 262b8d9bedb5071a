/**
 * Write buffers that outlive one backup. A process that runs backups one
 * after another (the app, `barkeep serve`, the bench) takes them up again
 * instead of allocating tens of MB anew per backup: as external memory, that
 * made V8 run several full mark-compacts per backup. Let go a minute after the
 * last use, so an idle app does not keep them.
 */
import { writeBytes } from './disk-pool';

export class SpareBuffers {
  private buffers: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly max: number, private readonly keptMs: number) {}

  /** A spare buffer, or undefined: the caller makes one. */
  take(): Buffer | undefined {
    this.touch();
    return this.buffers.pop();
  }

  /** A buffer nothing refers to any more; beyond `max` spares it is left to the garbage collector. */
  give(buffer: Buffer): void {
    this.touch();
    if (this.buffers.length < this.max) this.buffers.push(buffer);
  }

  get count(): number {
    return this.buffers.length;
  }

  private touch(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.buffers = [];
      this.timer = null;
    }, this.keptMs);
    this.timer.unref();
  }
}

/**
 * Blocks of disk-pool's writeBytes (256 KiB): the rsync method's copies of its
 * streams and the postgres method's small files. As many as two streams' write
 * pools hold at their high-water mark (32 MiB each), and some.
 */
export const spareWriteBlocks = new SpareBuffers(288, 60_000);

/** Shared memory, so that the hashing worker (background-hasher.ts) reads the bytes where they are. */
export function takeWriteBlock(): Buffer {
  return spareWriteBlocks.take() ?? Buffer.from(new SharedArrayBuffer(writeBytes));
}
