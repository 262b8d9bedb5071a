import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import { parseLsn } from '../lsn';
import { SegmentWriter } from './segment-writer';

const segmentSize = 1024 * 1024;
const folders: string[] = [];
after(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

interface Handed { name: string; file: string; header: Buffer; data: Buffer; existedAtCall: boolean }

function makeWriter(options: { batchBytes?: number; fail?: boolean; retainData?: boolean } = {}) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-segment-writer-'));
  folders.push(folder);
  const completed: Handed[] = [];
  const events: string[] = [];
  const writer = new SegmentWriter({
    folder, segmentSize, batchBytes: options.batchBytes, maxInFlight: 2, retainData: options.retainData,
    completeSegment: (segment) => {
      if (options.fail) throw new EngineError('wal-conflict', `refused ${segment.name}`);
      assert.equal(segment.data === null, options.retainData === false, 'the bytes come along only when retained');
      completed.push({ ...segment, data: Buffer.from(segment.data ?? readFileSync(segment.file)), existedAtCall: existsSync(segment.file) });
    },
  });
  writer.attach({
    onFlushed: (flushed) => events.push(`flushed ${flushed.toString(16)}`),
    onDrained: () => events.push('drained'),
    onFailure: (error) => events.push(`failed ${error.message}`),
  });
  return { writer, folder, completed, events };
}

/** Deterministic WAL-like bytes: byte i of the stream is a function of its LSN. */
function walBytes(start: bigint, length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) data[index] = Number((start + BigInt(index)) * 7n % 251n);
  return data;
}

test('streamed WAL crossing segment boundaries lands in complete, renamed segments with the right bytes', async () => {
  const { writer, folder, completed, events } = makeWriter({ batchBytes: 64 * 1024 });
  const start = parseLsn('0/300000');
  writer.begin(1, start);
  assert.equal(writer.currentSegmentName, '000000010000000000000003');
  // Messages of awkward sizes, one of which straddles the boundary between segments 3 and 4.
  let lsn = start;
  for (const size of [25, 128 * 1024, 700_000, 300_000, 2 * segmentSize - 25 - 128 * 1024 - 1_000_000 - 100]) {
    writer.append(lsn, walBytes(lsn, size));
    lsn += BigInt(size);
  }
  assert.equal(writer.flushed, start, 'nothing is flushed before its fsync has finished');
  assert.equal(writer.backlogged, false);
  await writer.drain();
  assert.deepEqual(completed.map((segment) => segment.name), ['000000010000000000000003']);
  assert.ok(completed[0]!.existedAtCall, 'the complete file exists when it is handed over');
  assert.ok(completed[0]!.data.equals(walBytes(start, segmentSize)));
  assert.ok(readFileSync(path.join(folder, '000000010000000000000003')).equals(walBytes(start, segmentSize)));
  assert.equal(writer.flushed, start + BigInt(segmentSize), 'flushed stops at the archived segment until the next fsync');
  assert.equal(writer.position, lsn);
  assert.ok(writer.dirty);

  writer.requestSync();
  await writer.drain();
  assert.equal(writer.flushed, lsn);
  assert.deepEqual(events, ['flushed 400000', `flushed ${lsn.toString(16)}`]);
  const partial = readFileSync(path.join(folder, '000000010000000000000004.partial'));
  assert.ok(partial.equals(walBytes(start + BigInt(segmentSize), Number(lsn - start) - segmentSize)));

  writer.append(lsn, walBytes(lsn, 40));
  writer.append(lsn + 40n, walBytes(lsn + 40n, 60));
  await writer.drain();
  assert.equal(completed.length, 2);
  assert.equal(completed[1]!.name, '000000010000000000000004');
  assert.ok(completed[1]!.data.equals(walBytes(start + BigInt(segmentSize), segmentSize)));
  assert.equal(writer.flushed, start + 2n * BigInt(segmentSize));
  assert.equal(writer.currentSegmentName, '000000010000000000000005');
  assert.equal(await writer.close(), null, 'no segment is open right after a boundary');
});

test('completed segments waiting for their fsync turn the writer backlogged until they drain', async () => {
  const { writer, events } = makeWriter();
  const start = parseLsn('0/100000');
  writer.begin(1, start);
  writer.append(start, walBytes(start, 2 * segmentSize + 10));
  assert.equal(writer.backlogged, true, 'two segments in flight');
  await writer.drain();
  assert.equal(writer.backlogged, false);
  assert.ok(events.includes('drained'));
  assert.equal(writer.flushed, start + 2n * BigInt(segmentSize));
  await writer.close();
});

test('without retained bytes one buffer serves every segment; the header still comes along', async () => {
  const { writer, completed } = makeWriter({ retainData: false });
  const start = parseLsn('0/500000');
  writer.begin(1, start);
  writer.append(start, walBytes(start, 3 * segmentSize));
  await writer.close();
  assert.deepEqual(completed.map((segment) => segment.name), ['000000010000000000000005', '000000010000000000000006', '000000010000000000000007']);
  completed.forEach((segment, index) => {
    const segmentStart = start + BigInt(index * segmentSize);
    assert.ok(segment.data.equals(walBytes(segmentStart, segmentSize)), `${segment.name} on disk`);
    assert.ok(segment.header.equals(walBytes(segmentStart, 40)), `${segment.name} header`);
  });
});

test('a gap or an overlap in the stream is refused', () => {
  const { writer } = makeWriter();
  writer.begin(2, parseLsn('0/100000'));
  writer.append(parseLsn('0/100000'), Buffer.alloc(10));
  for (const start of ['0/100009', '0/10000B']) {
    assert.throws(() => writer.append(parseLsn(start), Buffer.alloc(1)),
      (error: unknown) => error instanceof EngineError && error.code === 'archiver-failed' && error.message.includes('0/10000A was expected'));
  }
  writer.discard();
});

test('a failure while archiving fails the writer: flushed stays, later calls throw it', async () => {
  const { writer, events } = makeWriter({ fail: true });
  const start = parseLsn('0/100000');
  writer.begin(1, start);
  writer.append(start, walBytes(start, segmentSize + 5));
  await assert.rejects(writer.drain(), /refused 000000010000000000000001/);
  assert.deepEqual(events, ['failed refused 000000010000000000000001']);
  assert.equal(writer.flushed, start);
  assert.throws(() => writer.append(start + BigInt(segmentSize) + 5n, Buffer.alloc(1)), /refused/);
  writer.discard();
});

test('a start inside a segment is refused, and close() keeps the fsynced partial file', async () => {
  const { writer, folder } = makeWriter();
  assert.throws(() => writer.begin(1, parseLsn('0/100010')), /segment boundary/);
  writer.begin(1, parseLsn('0/200000'));
  writer.append(parseLsn('0/200000'), walBytes(0n, 5000));
  const file = await writer.close();
  assert.equal(file, path.join(folder, '000000010000000000000002.partial'));
  assert.equal(writer.flushed, parseLsn('0/200000') + 5000n);
  assert.equal(readFileSync(file).length, 5000);
  // Resuming rewrites the partial file from its first byte.
  writer.begin(1, parseLsn('0/200000'));
  writer.append(parseLsn('0/200000'), walBytes(0n, 10));
  await writer.close();
  assert.equal(readFileSync(file).length, 10);
  assert.deepEqual(readdirSync(folder), ['000000010000000000000002.partial']);
});
