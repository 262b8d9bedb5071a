/**
 * Copies of stream chunks in 256 KiB blocks that are reused once written, so
 * a tar stream's reader may hand over views of a buffer it reuses (the copy
 * connection's ring) and nothing of it is kept. A block goes back to the spare
 * list when every view cut from it has been released.
 *
 * Spare blocks outlive one backup: a process that runs backups one after
 * another (the app, `barkeep serve`, the bench) takes them up again instead of
 * allocating 35-70 MB anew per backup, which as external memory made V8 run 3-4
 * full mark-compacts per backup. They are let go a minute after the last use.
 */
import { writeBytes } from '../disk-pool';

/** two streams' write pools at their high-water mark (32 MiB each) in blocks, and some */
const maxSpareBlocks = 288;
const spareKeptMs = 60_000;

/** Blocks no backup uses right now, shared by every BlockCopies of the process. */
class SpareBlocks {
  private blocks: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;

  take(): Buffer | undefined {
    this.touch();
    return this.blocks.pop();
  }

  give(block: Buffer): void {
    this.touch();
    if (this.blocks.length < maxSpareBlocks) this.blocks.push(block);
  }

  get count(): number {
    return this.blocks.length;
  }

  private touch(): void {
    if (this.timer) this.timer.refresh();
    else {
      this.timer = setTimeout(() => {
        this.blocks = [];
        this.timer = null;
      }, spareKeptMs);
      this.timer.unref();
    }
  }
}

const spareBlocks = new SpareBlocks();

export class BlockCopies {
  private block: Buffer | null = null;
  private filled = 0;
  /** views not yet released, per block */
  private readonly held = new Map<ArrayBufferLike, number>();
  /** blocks this instance made or took (for tests: they are reused, not made anew) */
  private used = new Set<ArrayBufferLike>();

  /** Copies `chunk` into blocks and appends the views to `into`; each is held until release(). */
  copy(chunk: Buffer, into: Buffer[]): void {
    for (let offset = 0; offset < chunk.length;) {
      if (this.block === null || this.filled === this.block.length) this.nextBlock();
      const block = this.block!;
      const length = Math.min(chunk.length - offset, block.length - this.filled);
      chunk.copy(block, this.filled, offset, offset + length);
      into.push(block.subarray(this.filled, this.filled + length));
      this.held.set(block.buffer, (this.held.get(block.buffer) ?? 0) + 1);
      this.filled += length;
      offset += length;
    }
  }

  /** Gives views from copy() back; their blocks are reused once none is held. */
  release(views: readonly Buffer[]): void {
    for (const view of views) {
      const left = (this.held.get(view.buffer) ?? 1) - 1;
      if (left > 0) {
        this.held.set(view.buffer, left);
        continue;
      }
      this.held.delete(view.buffer);
      // The block being filled is not spare yet: nextBlock() returns it when it is full.
      if (this.block?.buffer !== view.buffer) spareBlocks.give(Buffer.from(view.buffer, 0, writeBytes));
    }
  }

  /** How many distinct blocks this instance has used. */
  get blockCount(): number {
    return this.used.size;
  }

  private nextBlock(): void {
    if (this.block !== null && !this.held.has(this.block.buffer)) spareBlocks.give(this.block);
    this.block = spareBlocks.take() ?? Buffer.allocUnsafeSlow(writeBytes);
    this.used.add(this.block.buffer);
    this.filled = 0;
  }
}

/** For tests: how many spare blocks the process keeps now. */
export function spareBlockCount(): number {
  return spareBlocks.count;
}
