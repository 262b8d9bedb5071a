import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyBothReader, type ReplicationMessage } from './copy-both-reader';
import { encodeStandbyStatus, parseReplicationMessage } from './replication-stream';

function xlogMessage(start: bigint, payload: Buffer): Buffer {
  const body = Buffer.alloc(25 + payload.length);
  body[0] = 0x77;
  body.writeBigUInt64BE(start, 1);
  body.writeBigUInt64BE(start + BigInt(payload.length), 9);
  payload.copy(body, 25);
  return frame(0x64, body);
}

function keepaliveMessage(walEnd: bigint, replyRequested: boolean): Buffer {
  const body = Buffer.alloc(18);
  body[0] = 0x6b;
  body.writeBigUInt64BE(walEnd, 1);
  body[17] = replyRequested ? 1 : 0;
  return frame(0x64, body);
}

function frame(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A pseudo-random split of `bytes` into chunks of 1 byte to ~70 KB, like socket reads. */
function chunk(bytes: Buffer, seed: number): Buffer[] {
  const chunks: Buffer[] = [];
  let state = seed;
  for (let offset = 0; offset < bytes.length;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = state % 7 === 0 ? 1 + (state % 30) : 1 + (state % 70_000);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

test('the CopyBoth reader yields the same WAL and keepalives however the socket splits them, from one reused read buffer, then hands over', () => {
  const wal = Buffer.alloc(300_000);
  for (let index = 0; index < wal.length; index += 1) wal[index] = (index * 13) % 256;
  const start = 0x1_0000_0000n;
  const stream = Buffer.concat([
    frame(0x57, Buffer.from([0, 0, 0])), // CopyBothResponse
    xlogMessage(start, wal.subarray(0, 131_072)),
    keepaliveMessage(start + 131_072n, true),
    frame(0x4e, Buffer.from('SNOTICE\0\0')), // a notice inside the copy is skipped
    xlogMessage(start + 131_072n, wal.subarray(131_072, 131_072)), // an empty one
    xlogMessage(start + 131_072n, wal.subarray(131_072)),
    frame(0x63, Buffer.alloc(0)), // CopyDone: pg's from here
    frame(0x54, Buffer.from('rest')),
  ]);
  for (const seed of [1, 2, 3, 42, 1234]) {
    const messages: ReplicationMessage[] = [];
    let handedOver: Buffer | null = null;
    // As from a read-buffer socket: what a message holds is valid only during onMessage, so it is copied there.
    const reader = new CopyBothReader({
      onMessage: (message) => messages.push(message.kind === 'xlog' ? { ...message, data: Buffer.from(message.data) } : message),
      onHandOver: (rest) => { handedOver = Buffer.from(rest); },
    });
    const chunks = chunk(stream, seed);
    const pgGets: Buffer[] = [];
    const readBuffer = Buffer.alloc(70_000);
    for (const piece of chunks) {
      if (handedOver !== null) {
        pgGets.push(piece);
        continue;
      }
      piece.copy(readBuffer);
      reader.push(readBuffer.subarray(0, piece.length));
      readBuffer.fill(0xee);
    }
    const received = messages.filter((message) => message.kind === 'xlog');
    let position = start;
    for (const message of received) {
      assert.equal(message.start, position, `seed ${seed}: contiguous pieces`);
      position += BigInt(message.data.length);
    }
    assert.ok(Buffer.concat(received.map((message) => message.data)).equals(wal), `seed ${seed}: the WAL bytes`);
    assert.deepEqual(messages.filter((message) => message.kind === 'keepalive'), [{ kind: 'keepalive', walEnd: start + 131_072n, replyRequested: true }]);
    assert.ok(Buffer.concat([handedOver ?? Buffer.alloc(0), ...pgGets]).equals(stream.subarray(stream.length - 5 - 9)), `seed ${seed}: pg gets CopyDone onwards`);
  }
});

test('an error before the copy starts goes straight to pg', () => {
  let handedOver: Buffer | null = null;
  const reader = new CopyBothReader({ onMessage: () => assert.fail('no message'), onHandOver: (rest) => { handedOver = rest; } });
  const error = frame(0x45, Buffer.from('SERROR\0\0'));
  assert.equal(reader.push(error), false);
  assert.ok(handedOver !== null && (handedOver as Buffer).equals(error));
});

test('unknown CopyData content is a protocol error', () => {
  const reader = new CopyBothReader({ onMessage: () => undefined, onHandOver: () => undefined });
  assert.throws(() => reader.push(frame(0x64, Buffer.from([0x3f, 1, 2]))), /unexpected replication message type 0x3f/);
});

test('whole XLogData and keepalive messages from pg parse; the WAL bytes are not copied', () => {
  const body = xlogMessage(0x1_0300_0000n, Buffer.from('WAL!')).subarray(5);
  const xlog = parseReplicationMessage(body);
  assert.ok(xlog?.kind === 'xlog');
  assert.equal(xlog.start, 0x1_0300_0000n);
  assert.equal(xlog.data.toString(), 'WAL!');
  assert.equal(xlog.data.buffer, body.buffer);
  assert.deepEqual(parseReplicationMessage(keepaliveMessage(42n, false).subarray(5)), { kind: 'keepalive', walEnd: 42n, replyRequested: false });
  assert.throws(() => parseReplicationMessage(Buffer.from([0x77, 1, 2])), /too short/);
  assert.throws(() => parseReplicationMessage(Buffer.from([0x3f, 0])), /unexpected replication message type 0x3f/);
});

test('a standby status update reports the flushed position as written and flushed', () => {
  const message = encodeStandbyStatus({ flushed: 0x5_0000_0000n, replyRequested: true }, Date.UTC(2000, 0, 1, 0, 0, 1));
  assert.equal(message.length, 34);
  assert.equal(String.fromCharCode(message[0]!), 'r');
  assert.equal(message.readBigUInt64BE(1), 0x5_0000_0000n);
  assert.equal(message.readBigUInt64BE(9), 0x5_0000_0000n);
  assert.equal(message.readBigUInt64BE(17), 0n, 'applied is unknown');
  assert.equal(message.readBigInt64BE(25), 1_000_000n, 'microseconds since 2000-01-01');
  assert.equal(message[33], 1);
});
