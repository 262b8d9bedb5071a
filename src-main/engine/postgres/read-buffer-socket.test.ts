import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createReadBufferSocket, divertReads } from './read-buffer-socket';

/** 3 MiB of varied bytes, far more than one read buffer. */
const payload = Buffer.alloc(3 * 1024 * 1024);
for (let index = 0; index < payload.length; index += 1) payload[index] = (index * 13 + (index >> 10)) & 0xff;

async function serve(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((peer) => peer.end(payload));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a read-buffer socket gives the driver copies, and a diverted consumer views of one kept buffer', async () => {
  const server = await serve();
  try {
    const socket = createReadBufferSocket();
    const driverChunks: Buffer[] = [];
    const divertedCopies: Buffer[] = [];
    const viewBuffers = new Set<ArrayBufferLike>();
    let paused = false;
    socket.on('data', (chunk: Buffer) => {
      driverChunks.push(chunk);
      // After the first read, the rest is diverted; the pause and resume on the way must not lose a byte.
      if (driverChunks.length === 1) {
        socket.pause();
        paused = true;
        divertReads(socket, (view) => {
          viewBuffers.add(view.buffer);
          divertedCopies.push(Buffer.from(view));
        });
        setTimeout(() => socket.resume(), 20);
      }
    });
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    socket.connect(server.port, '127.0.0.1');
    await ended;
    socket.destroy();

    assert.ok(paused);
    assert.equal(driverChunks.length, 1, 'the driver sees nothing once the reads are diverted');
    assert.ok(divertedCopies.length > 1, 'the payload took several reads');
    assert.equal(viewBuffers.size, 1, 'every diverted read is a view of the same buffer');
    assert.notEqual(driverChunks[0]!.buffer, [...viewBuffers][0], 'the driver got a copy, not the kept buffer');
    assert.ok(Buffer.concat([...driverChunks, ...divertedCopies]).equals(payload), 'every byte arrived once, in order');
  } finally {
    await server.close();
  }
});

test('divertReads declines a socket it did not make', () => {
  assert.equal(divertReads(new net.Socket(), () => undefined), null);
  assert.equal(divertReads({}, () => undefined), null);
});
