import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WireReader } from './wire-reader';

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type.charCodeAt(0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const stream = Buffer.concat([
  message('T', Buffer.from('row description')),
  message('C', Buffer.from('SELECT\0')),
  message('H', Buffer.from([0, 0, 0])),
  message('d', Buffer.concat([Buffer.from('d'), Buffer.alloc(70_000, 9)])),
  message('d', Buffer.from('p01234567')),
  message('c', Buffer.alloc(0)),
  message('Z', Buffer.from('I')),
  Buffer.from('after'),
]);

/** Every chunk arrives in the same buffer, as from a read-buffer socket, and is scribbled over once pushed. */
function read(chunkSize: number): { log: string[]; copied: Buffer; rest: Buffer | null } {
  const log: string[] = [];
  const copyParts: Buffer[] = [];
  const reader = new WireReader({
    onMessage: (type, body) => log.push(`${String.fromCharCode(type)}:${body.toString('latin1')}`),
    onCopyData: (piece, first, last) => {
      if (first) log.push('copy-start');
      copyParts.push(Buffer.from(piece));
      if (last) log.push('copy-end');
    },
  });
  const readBuffer = Buffer.alloc(chunkSize);
  let rest: Buffer | null = null;
  for (let offset = 0; offset < stream.length && rest === null; offset += chunkSize) {
    const bytes = stream.copy(readBuffer, 0, offset, offset + chunkSize);
    rest = reader.push(readBuffer.subarray(0, bytes));
    // What the caller hands back to the driver: the tail of this chunk, then the chunks after it.
    if (rest !== null) rest = Buffer.concat([rest, stream.subarray(offset + chunkSize)]);
    readBuffer.fill(0xee);
  }
  return { log, copied: Buffer.concat(copyParts), rest };
}

test('frames messages split anywhere, streams CopyData pieces, and stops after ReadyForQuery, from a reused read buffer', () => {
  for (const size of [1, 3, 5, 4096, stream.length]) {
    const { log, copied, rest } = read(size);
    assert.deepEqual(log, [
      'T:row description', 'C:SELECT\0', 'H:\0\0\0', 'copy-start', 'copy-end', 'copy-start', 'copy-end', 'c:', 'Z:I',
    ], `chunks of ${size}`);
    assert.equal(copied.length, 1 + 70_000 + 9);
    assert.equal(copied[0], 'd'.charCodeAt(0));
    assert.equal(rest?.toString(), 'after');
  }
});

test('CopyData pieces are slices of the pushed chunks, not copies', () => {
  const chunk = message('d', Buffer.from('dxyz'));
  let piece: Buffer | null = null;
  new WireReader({ onMessage: () => undefined, onCopyData: (data) => (piece = data) }).push(chunk);
  assert.ok(piece);
  assert.equal((piece as Buffer).buffer, chunk.buffer);
});
