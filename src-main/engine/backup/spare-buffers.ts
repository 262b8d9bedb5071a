/**
 * The process's spare write blocks (process/spare-buffers.ts): shared memory
 * for what the rsync method keeps of its streams but cannot hold in the
 * connection's read ring (packets cut across reads, decompressed output), and
 * for the postgres method's small files.
 */
import { SpareBuffers } from '../process/spare-buffers';
import { writeBytes } from './disk-pool';

/**
 * Blocks of disk-pool's writeBytes (256 KiB). As many as two streams' write
 * pools hold at their high-water mark (32 MiB each), and some.
 */
export const spareWriteBlocks = new SpareBuffers(288, 60_000);

/** Shared memory, so that the hashing worker (background-hasher.ts) reads the bytes where they are. */
export function takeWriteBlock(): Buffer {
  return spareWriteBlocks.take() ?? Buffer.from(new SharedArrayBuffer(writeBytes));
}
