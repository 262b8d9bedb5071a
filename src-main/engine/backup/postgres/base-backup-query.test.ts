import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type pg from 'pg';
import { BaseBackupQuery } from './base-backup-query';

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type.charCodeAt(0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function resultSet(field: string, values: (string | null)[]): Buffer {
  const description = Buffer.concat([Buffer.from([0, 1]), Buffer.from(`${field}\0`), Buffer.alloc(18)]);
  const row = Buffer.concat([Buffer.from([0, values.length]), ...values.map((value) => {
    const length = Buffer.alloc(4);
    if (value === null) return (length.writeInt32BE(-1), length);
    length.writeInt32BE(Buffer.byteLength(value));
    return Buffer.concat([length, Buffer.from(value)]);
  })]);
  return Buffer.concat([message('T', description), message('D', row), message('C', Buffer.from('SELECT 1\0'))]);
}

function typed(kind: string, body: Buffer): Buffer {
  return message('d', Buffer.concat([Buffer.from(kind), body]));
}

/** What a PostgreSQL 15+ walsender answers to BASE_BACKUP: start, tablespaces, one CopyOut of typed messages, end. */
const archiveBytes = Buffer.alloc(3000, 0x41);
const progress = Buffer.alloc(8);
progress.writeBigInt64BE(3000n);
const response = Buffer.concat([
  resultSet('recptr', ['0/2000028', '1']),
  resultSet('spcoid', [null, null, '180000']),
  message('H', Buffer.from([0, 0, 0])),
  typed('n', Buffer.from('base.tar\0\0')),
  typed('d', archiveBytes.subarray(0, 1000)),
  typed('p', progress),
  typed('d', archiveBytes.subarray(1000)),
  typed('m', Buffer.alloc(0)),
  typed('d', Buffer.from('{"PostgreSQL-Backup-Manifest-Version": 1}')),
  message('c', Buffer.alloc(0)),
  message('C', Buffer.from('COPY\0')),
  resultSet('recptr', ['0/2000100', '1']),
  message('C', Buffer.from('BASE_BACKUP\0')),
  message('Z', Buffer.from('I')),
]);

/** A stand-in for pg's connection: its socket's 'data' events come from one buffer, scribbled over after each. */
function fakeConnection(): { connection: pg.Connection; feed(chunkSize: number): void; readyForQuery: number } {
  const stream = Object.assign(new EventEmitter(), { pause: () => undefined, resume: () => undefined, destroy: () => undefined });
  const state = {
    readyForQuery: 0,
    connection: Object.assign(new EventEmitter(), { stream, query: () => undefined }) as unknown as pg.Connection,
    feed(chunkSize: number) {
      const readBuffer = Buffer.alloc(chunkSize);
      for (let offset = 0; offset < response.length; offset += chunkSize) {
        const bytes = response.copy(readBuffer, 0, offset, offset + chunkSize);
        stream.emit('data', readBuffer.subarray(0, bytes));
        readBuffer.fill(0xee);
      }
    },
  };
  (state.connection as unknown as EventEmitter).on('readyForQuery', () => (state.readyForQuery += 1));
  return state;
}

test('reads a BASE_BACKUP answer cut anywhere, from a read buffer reused after every chunk', async () => {
  for (const chunkSize of [1, 4, 7, 100, response.length]) {
    const archives: string[] = [];
    const data: Buffer[] = [];
    const manifest: Buffer[] = [];
    const progressSeen: number[] = [];
    const query = new BaseBackupQuery('BASE_BACKUP (LABEL \'x\')', 'typed-messages', {
      onArchive: (name, location) => archives.push(`${name}@${location}`),
      onArchiveData: (chunk) => data.push(Buffer.from(chunk)),
      onManifestData: (chunk) => manifest.push(Buffer.from(chunk)),
      onServerProgress: (bytes) => progressSeen.push(bytes),
    });
    const fake = fakeConnection();
    query.submit(fake.connection);
    fake.feed(chunkSize);
    assert.equal(fake.readyForQuery, 1, `chunks of ${chunkSize}: ReadyForQuery reaches the driver`);
    query.handleReadyForQuery();
    const sets = await query.done;
    assert.deepEqual(archives, ['base.tar@null'], `chunks of ${chunkSize}`);
    assert.ok(Buffer.concat(data).equals(archiveBytes), `chunks of ${chunkSize}: archive bytes`);
    assert.equal(Buffer.concat(manifest).toString(), '{"PostgreSQL-Backup-Manifest-Version": 1}');
    assert.deepEqual(progressSeen, [3000]);
    assert.deepEqual(sets.map((set) => set.rows), [[['0/2000028', '1']], [[null, null, '180000']], [['0/2000100', '1']]]);
  }
});
