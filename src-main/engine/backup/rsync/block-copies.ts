/**
 * What a tar stream's reader keeps of the chunks it is handed: views of the
 * copy connection's ring, held there (ring-read-socket.ts), or else copies in
 * 256 KiB blocks that are reused once written, so the reader may hand over
 * views of a buffer it reuses and nothing of it is kept. A block goes back to
 * the spare list when every view cut from it has been released. Spare blocks
 * are the process's (spare-buffers.ts): a later backup takes up what an
 * earlier one released.
 */
import { holdReadView, releaseReadView } from '../../transport/ring-read-socket';
import { writeBytes } from '../disk-pool';
import { spareWriteBlocks, takeWriteBlock } from '../spare-buffers';

export class BlockCopies {
  private block: Buffer | null = null;
  private filled = 0;
  /** views not yet released, per block */
  private readonly held = new Map<ArrayBufferLike, number>();
  /** blocks this instance made or took (for tests: they are reused, not made anew) */
  private readonly used = new Set<ArrayBufferLike>();

  /** Appends `chunk` to `into` if its ring holds it, else copies of it in blocks; each is held until release(). */
  keep(chunk: Buffer, into: Buffer[]): void {
    if (holdReadView(chunk)) {
      into.push(chunk);
      return;
    }
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

  /** Gives views from keep() back; their blocks (or ring regions) are reused once none is held. */
  release(views: readonly Buffer[]): void {
    for (const view of views) {
      if (!this.held.has(view.buffer) && releaseReadView(view)) continue;
      const left = (this.held.get(view.buffer) ?? 1) - 1;
      if (left > 0) {
        this.held.set(view.buffer, left);
        continue;
      }
      this.held.delete(view.buffer);
      // The block being filled is not spare yet: nextBlock() returns it when it is full.
      if (this.block?.buffer !== view.buffer) spareWriteBlocks.give(Buffer.from(view.buffer, 0, writeBytes));
    }
  }

  /** How many distinct blocks this instance has used. */
  get blockCount(): number {
    return this.used.size;
  }

  private nextBlock(): void {
    if (this.block !== null && !this.held.has(this.block.buffer)) spareWriteBlocks.give(this.block);
    this.block = takeWriteBlock();
    this.used.add(this.block.buffer);
    this.filled = 0;
  }
}
