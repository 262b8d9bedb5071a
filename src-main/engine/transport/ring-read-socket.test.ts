import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { createRingReadSocket } from './ring-read-socket';

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
