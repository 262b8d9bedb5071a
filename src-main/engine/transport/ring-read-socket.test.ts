import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { createRingReadSocket, holdReadView, releaseReadView } from './ring-read-socket';

/** A loopback server that sends `total` patterned bytes in writes of varied sizes, then closes. */
async function serve(total: number): Promise<{ port: number; expected: string; close(): void }> {
  const data = Buffer.from(Array.from({ length: total }, (_, i) => (i * 31 + (i >> 12)) % 253));
  const server = net.createServer((socket) => {
    let offset = 0;
    let size = 1;
    const more = (): void => {
      while (offset < data.length) {
        const piece = data.subarray(offset, offset + size);
        offset += piece.length;
        size = (size * 7 + 13) % 200_000 + 1;
        if (!socket.write(piece)) return void socket.once('drain', more);
      }
      socket.end();
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, expected: createHash('sha256').update(data).digest('hex'), close: () => server.close() };
}

test('every byte arrives once, in order, each read a view of the ring', async () => {
  const server = await serve(24 * 1024 * 1024);
  const reads = createRingReadSocket({ ringBytes: 1024 * 1024, readBytes: 64 * 1024 });
  const hash = createHash('sha256');
  const rings = new Set<ArrayBufferLike>();
  let largest = 0;
  reads.socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    rings.add(chunk.buffer);
    largest = Math.max(largest, chunk.length);
  });
  reads.socket.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((resolve) => reads.socket.once('end', resolve));
  reads.socket.destroy();
  server.close();
  assert.equal(hash.digest('hex'), server.expected);
  assert.equal(rings.size, 1, 'all reads landed in the one ring');
  assert.ok(largest <= 64 * 1024);
});

test('a view stays intact until the ring has been read round; renew() keeps it intact for good', async () => {
  const server = await serve(16 * 1024 * 1024);
  const ringBytes = 1024 * 1024;
  const reads = createRingReadSocket({ ringBytes, readBytes: 64 * 1024 });
  let kept: { view: Buffer; copy: Buffer; readSince: number } | null = null;
  let retired: { view: Buffer; copy: Buffer } | null = null;
  let total = 0;
  reads.socket.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (kept) {
      kept.readSince += chunk.length;
      // Intact while less than ringBytes - readBytes came after it.
      if (kept.readSince < ringBytes - 64 * 1024) assert.ok(kept.view.equals(kept.copy), `overwritten after ${kept.readSince} bytes`);
    } else if (total > 1024 * 1024) {
      kept = { view: chunk, copy: Buffer.from(chunk), readSince: 0 };
    }
    if (!retired && total > 4 * 1024 * 1024) {
      retired = { view: chunk, copy: Buffer.from(chunk) };
      reads.renew();
    }
  });
  reads.socket.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((resolve) => reads.socket.once('end', resolve));
  reads.socket.destroy();
  server.close();
  assert.ok(retired, 'renewed once');
  const { view, copy } = retired as { view: Buffer; copy: Buffer };
  assert.ok(view.equals(copy), 'a view of a retired ring was overwritten');
  assert.equal(reads.renewals, 1);
});

test('pause() stops the reads and resume() goes on where they stopped', async () => {
  const server = await serve(8 * 1024 * 1024);
  const reads = createRingReadSocket({ ringBytes: 1024 * 1024, readBytes: 64 * 1024 });
  const hash = createHash('sha256');
  let paused = false;
  let pausedOnce = false;
  let total = 0;
  reads.socket.on('data', (chunk: Buffer) => {
    assert.equal(paused, false, 'a read arrived while paused');
    hash.update(chunk);
    total += chunk.length;
    if (!pausedOnce && total > 2 * 1024 * 1024) {
      pausedOnce = true;
      paused = true;
      reads.socket.pause();
      setTimeout(() => {
        paused = false;
        reads.socket.resume();
      }, 100);
    }
  });
  reads.socket.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((resolve) => reads.socket.once('end', resolve));
  reads.socket.destroy();
  server.close();
  assert.ok(pausedOnce);
  assert.equal(hash.digest('hex'), server.expected);
});

test('a held view stays intact however much is read after it; rings are taken up again once their views are released', async () => {
  const server = await serve(24 * 1024 * 1024);
  const ringBytes = 1024 * 1024;
  const reads = createRingReadSocket({ ringBytes, readBytes: 64 * 1024 });
  const hash = createHash('sha256');
  // About three rings' worth held at any time, released oldest first, as the write pool hands chunks back.
  const held: Array<{ view: Buffer; copy: Buffer }> = [];
  let heldBytes = 0;
  let released = 0;
  let lastReleased: Buffer | null = null;
  const memories = new Set<ArrayBufferLike>();
  reads.socket.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    memories.add(chunk.buffer);
    // Two views of one read, as a tar stream cuts a chunk where one file ends and the next begins.
    const cut = Math.floor(chunk.length / 3);
    for (const view of [chunk.subarray(0, cut), chunk.subarray(cut)]) {
      if (!holdReadView(view)) continue;
      held.push({ view, copy: Buffer.from(view) });
      heldBytes += view.length;
    }
    while (heldBytes > 3 * ringBytes) {
      const oldest = held.shift()!;
      assert.ok(oldest.view.equals(oldest.copy), `a held view was read over after ${released} releases`);
      releaseReadView(oldest.view);
      lastReleased = oldest.view;
      heldBytes -= oldest.view.length;
      released += 1;
    }
  });
  reads.socket.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((resolve) => reads.socket.once('end', resolve));
  reads.socket.destroy();
  server.close();
  assert.equal(hash.digest('hex'), server.expected);
  for (const { view, copy } of held) assert.ok(view.equals(copy), 'a view still held was read over');
  assert.ok(released > 100, `only ${released} views were released`);
  // 24 rings' worth went through about 4 rings held at once: rings set aside come back, not one new per lap.
  assert.ok(memories.size >= 4 && memories.size <= 8, `${memories.size} rings for 24 MiB`);
  for (const { view } of held) releaseReadView(view);
  assert.throws(() => releaseReadView(lastReleased!), /released more often than it was held/);
});

test('only views of a ring are held', () => {
  const plain = Buffer.alloc(100);
  assert.equal(holdReadView(plain), false);
  assert.equal(releaseReadView(plain), false);
  assert.equal(holdReadView(Buffer.from(new SharedArrayBuffer(100))), false, 'shared memory that is no ring\'s');
});

test('the rings a closed connection leaves with nothing held are the next connection\'s', async () => {
  const read = async (keep?: (chunk: Buffer) => void): Promise<Set<ArrayBufferLike>> => {
    const server = await serve(6 * 1024 * 1024);
    const reads = createRingReadSocket();
    const memories = new Set<ArrayBufferLike>();
    reads.socket.on('data', (chunk: Buffer) => {
      memories.add(chunk.buffer);
      keep?.(chunk);
    });
    reads.socket.connect({ host: '127.0.0.1', port: server.port });
    await new Promise((resolve) => reads.socket.once('end', resolve));
    reads.socket.destroy();
    await new Promise((resolve) => reads.socket.once('close', resolve));
    server.close();
    return memories;
  };
  const held: Buffer[] = [];
  const first = await read((chunk) => {
    if (held.length === 0 && holdReadView(chunk)) held.push(chunk);
  });
  const second = await read();
  assert.equal(first.size, 2, 'the held view set its ring aside');
  assert.ok(!second.has(held[0]!.buffer), 'a ring with a view held was taken up');
  assert.ok([...second].some((memory) => first.has(memory)), 'the free ring was not taken up');
  releaseReadView(held[0]!);
});
