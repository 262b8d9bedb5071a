import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createRingReadSocket, releaseReadView } from '../../transport/ring-read-socket';
import { writeBytes } from '../disk-pool';
import { spareWriteBlocks } from '../spare-buffers';
import { BlockCopies } from './block-copies';

const pattern = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) % 251));

test('copies are equal to their chunks, cut at block ends, and survive the chunk being overwritten', () => {
  const copies = new BlockCopies();
  const chunk = pattern(writeBytes + 1000, 1);
  const views: Buffer[] = [];
  copies.keep(chunk, views);
  const expected = Buffer.from(chunk);
  chunk.fill(0xee);
  assert.equal(views.length, 2);
  assert.equal(views[0]!.length, writeBytes);
  assert.deepEqual(Buffer.concat(views), expected);
});

test('blocks come back once every view of them is released, and only then', () => {
  const copies = new BlockCopies();
  const held: Buffer[] = [];
  copies.keep(pattern(writeBytes, 2), held);
  const heldCopy = Buffer.concat(held);
  // Many more copies, each released at once: they reuse one or two blocks, never the held one.
  for (let round = 0; round < 50; round++) {
    const views: Buffer[] = [];
    copies.keep(pattern(100_000, round), views);
    assert.deepEqual(Buffer.concat(views), pattern(100_000, round));
    copies.release(views);
  }
  assert.deepEqual(Buffer.concat(held), heldCopy, 'a held view was overwritten');
  assert.ok(copies.blockCount <= 3, `${copies.blockCount} blocks for 5 MB of released copies`);
  copies.release(held);
  const before = copies.blockCount;
  for (let round = 0; round < 20; round++) {
    const views: Buffer[] = [];
    copies.keep(pattern(writeBytes, round), views);
    copies.release(views);
  }
  assert.equal(copies.blockCount, before, 'released blocks are reused, not made anew');
});

test('a later backup takes up the blocks an earlier one released, and two at once never share a held block', () => {
  const first = new BlockCopies();
  const firstViews: Buffer[] = [];
  first.keep(pattern(4 * writeBytes, 3), firstViews);
  const firstBlocks = new Set(firstViews.map((view) => view.buffer));
  first.release(firstViews);
  assert.ok(spareWriteBlocks.count >= 3, `${spareWriteBlocks.count} spare blocks`);

  // Two streams of the next backup at once: both draw on the spare blocks.
  const left = new BlockCopies();
  const right = new BlockCopies();
  const leftViews: Buffer[] = [];
  const rightViews: Buffer[] = [];
  left.keep(pattern(2 * writeBytes, 4), leftViews);
  right.keep(pattern(2 * writeBytes, 5), rightViews);
  const reused = [...leftViews, ...rightViews].filter((view) => firstBlocks.has(view.buffer));
  assert.ok(reused.length >= 3, 'blocks of the earlier backup are used again');
  const leftBlocks = new Set(leftViews.map((view) => view.buffer));
  assert.ok(rightViews.every((view) => !leftBlocks.has(view.buffer)), 'a held block went to the other stream');
  assert.deepEqual(Buffer.concat(leftViews), pattern(2 * writeBytes, 4));
  assert.deepEqual(Buffer.concat(rightViews), pattern(2 * writeBytes, 5));
  left.release(leftViews);
  right.release(rightViews);
});

test('the process keeps at most 288 spare blocks (72 MiB)', () => {
  const copies = new BlockCopies();
  const views: Buffer[] = [];
  copies.keep(Buffer.alloc(300 * writeBytes), views);
  copies.release(views);
  assert.equal(spareWriteBlocks.count, 288);
});

test('a view of the connection\'s ring is kept as it is, held until released; other chunks are copied', async () => {
  const server = net.createServer((socket) => socket.end(pattern(100_000, 9)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reads = createRingReadSocket({ ringBytes: 1024 * 1024, readBytes: 64 * 1024 });
  const copies = new BlockCopies();
  const kept: Buffer[] = [];
  const seen: { first: Buffer | null } = { first: null };
  reads.socket.on('data', (chunk: Buffer) => {
    seen.first ??= chunk;
    copies.keep(chunk.subarray(0, 10), kept);
  });
  reads.socket.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  await new Promise((resolve) => reads.socket.once('end', resolve));
  reads.socket.destroy();
  server.close();
  assert.ok(seen.first !== null && kept.length > 0);
  assert.equal(kept[0]!.buffer, seen.first.buffer, 'the ring\'s own memory, not a copy');
  assert.equal(copies.blockCount, 0, 'no block was used');
  copies.release(kept);
  assert.throws(() => releaseReadView(kept[0]!), /released more often/, 'release() gave the view back to its ring');

  const plain: Buffer[] = [];
  copies.keep(pattern(1000, 3), plain);
  assert.equal(copies.blockCount, 1);
  assert.notEqual(plain[0]!.buffer, pattern(1000, 3).buffer);
});
