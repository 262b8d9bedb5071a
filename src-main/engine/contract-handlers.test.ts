/**
 * The contract's engine side on a real engine (a temporary home, its catalog
 * and store, no PostgreSQL): malformed input is refused at the boundary and
 * never reaches a handler, and the backup and WAL channels answer from what
 * the catalog and store hold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { BackupId, ServerName } from '../../shared/domain/names';
import type { Envelope } from '../../shared/ipc/envelope';
import { writeServerConfig } from './config/write-server';
import { createHandlers, dispatch, type Handlers } from './contract-handlers';
import { Engine } from './engine';
import { writeBackupInfo } from './store/backup-info-file';

let folder: string;
let engine: Engine;
let handlers: Handlers;
const calls: string[] = [];

const main = ServerName.parse('main');

function backup(id: string, overrides: Partial<BackupInfo>): BackupInfo {
  return {
    formatVersion: 1, server: main, backupId: BackupId.parse(id), name: null, status: 'DONE', method: 'postgres',
    beginTime: '2026-11-20T01:00:00.000Z', endTime: '2026-11-20T01:05:00.000Z', beginLsn: null, endLsn: null,
    beginWal: null, endWal: null, timeline: 1, systemId: '7312345678901234567', pgVersion: '15.18', dataChecksums: true,
    sizeBytes: 0, ownBytes: null, walBytes: null, keep: null, error: null, ...overrides,
  };
}

const segment = (n: number): string => `00000001000000000000000${n}`;

before(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-handlers-'));
  engine = Engine.open({ configFile: path.join(folder, 'barkeep.conf'), createHome: true });
  writeServerConfig(engine.config, main, {
    conninfo: 'host=127.0.0.1 port=1 user=postgres',
    backup_method: 'postgres',
    retention_policy: 'REDUNDANCY 1',
  });
  const server = engine.reloadConfig().servers.find((candidate) => candidate.name === 'main')!;
  // Two complete backups (begin..end WAL 2..3 and 5..6) and a failed one; WAL 1..6 archived except 4.
  const infos = [
    backup('20261120T010000', { beginWal: segment(2), endWal: segment(3), sizeBytes: 9000, ownBytes: 4000 }),
    backup('20261121T010000', { beginWal: segment(5), endWal: segment(6), beginTime: '2026-11-21T01:00:00.000Z', endTime: '2026-11-21T01:05:00.000Z', sizeBytes: 9500, ownBytes: 4500 }),
    backup('20261122T010000', { status: 'FAILED', beginTime: '2026-11-22T01:00:00.000Z', endTime: null, error: 'connection lost' }),
  ];
  for (const info of infos) {
    writeBackupInfo(server, info);
    engine.catalog.upsertBackup(info);
  }
  engine.catalog.upsertWalSegments([1, 2, 3, 5, 6].map((n) => ({
    server: 'main', name: segment(n), timeline: 1, sizeBytes: n * 100, compression: null, archivedAt: `2026-11-21T0${n}:00:00.000Z`,
  })));
  const real = createHandlers(engine, 'http', '0.0.0-test');
  handlers = Object.fromEntries(Object.entries(real).map(([channel, handler]) => [channel, (input: never) => {
    calls.push(channel);
    return (handler as (input: never) => unknown)(input);
  }])) as unknown as Handlers;
});

after(async () => {
  await engine.close();
  rmSync(folder, { recursive: true, force: true });
});

async function call(channel: unknown, input: unknown): Promise<Envelope<unknown>> {
  return dispatch(handlers, channel, input);
}

function errorOf(envelope: Envelope<unknown>): { code: string; message: string } {
  assert.equal(envelope.ok, false, `expected an error, got ${JSON.stringify(envelope)}`);
  return (envelope as { ok: false; error: { code: string; message: string } }).error;
}

function valueOf<T>(envelope: Envelope<unknown>): T {
  assert.equal(envelope.ok, true, `expected a value, got ${JSON.stringify(envelope)}`);
  return (envelope as { ok: true; value: T }).value;
}

test('malformed input is refused with invalid-input, naming the field, before any handler runs', async () => {
  calls.length = 0;
  const cases: Array<[string, unknown, RegExp]> = [
    ['backups:keep', { server: 'main', backupId: '20261120T010000', target: 'forever' }, /'backups:keep' at 'target'/],
    ['backups:keep', { server: 'main', backupId: '20261120T010000' }, /at 'target'/],
    ['backups:show', { server: 'main', backupId: 'latest' }, /at 'backupId'.*20261124T030000/],
    ['backups:delete', { server: 'main', backupId: '20261120T010000', force: true }, /'backups:delete'/],
    ['backups:start', { server: 'all' }, /at 'server': reserved server name/],
    ['backups:verify', { server: 'main' }, /at 'backupId'/],
    ['wal:coverage', undefined, /at 'server'/],
    ['checks:list', { server: '../etc' }, /at 'server'/],
  ];
  for (const [channel, input, message] of cases) {
    const error = errorOf(await call(channel, input));
    assert.equal(error.code, 'invalid-input', channel);
    assert.match(error.message, message);
  }
  assert.equal(errorOf(await call('backups:purge', { server: 'main' })).message, "unknown channel 'backups:purge'");
  assert.deepEqual(calls, [], 'no handler saw malformed input');
});

test('backups:list gives rows newest first with sizes, WAL sizes and the retention verdict', async () => {
  const list = valueOf<{ retentionPolicy: string; minimumRedundancy: number; rows: Array<Record<string, unknown>> }>(await call('backups:list', { server: 'main' }));
  assert.equal(list.retentionPolicy, 'REDUNDANCY 1');
  assert.equal(list.minimumRedundancy, 0);
  assert.deepEqual(list.rows.map((row) => [row.backupId, row.status, (row.retention as { status: string }).status]), [
    ['20261122T010000', 'FAILED', 'FAILED'],
    ['20261121T010000', 'DONE', 'VALID'],
    ['20261120T010000', 'DONE', 'OBSOLETE'],
  ]);
  // WAL size: from its begin WAL to the next complete backup's. Segment n weighs n × 100 bytes:
  // the older one has 2 and 3 (4 is missing) = 500; the newer one 5 and 6 = 1100.
  assert.deepEqual(list.rows.map((row) => row.walBytes), [null, 1100, 500]);
  assert.deepEqual(list.rows.map((row) => [row.sizeBytes, row.ownBytes]), [[0, null], [9500, 4500], [9000, 4000]]);
  assert.match((list.rows[2]!.retention as { reason: string }).reason, /older than the newest completed backup that REDUNDANCY 1 keeps/);
  assert.equal(errorOf(await call('backups:list', { server: 'other' })).code, 'server-unknown');
});

test('wal:coverage places the backups, the gap, and the spans a restore reaches', async () => {
  const view = valueOf<{ segmentSize: number; timelines: Array<Record<string, unknown>> }>(await call('wal:coverage', { server: 'main' }));
  assert.equal(view.segmentSize, 16 * 1024 * 1024, 'no archived file to read a header from: the default size');
  assert.equal(view.timelines.length, 1);
  const timeline = view.timelines[0]!;
  assert.deepEqual((timeline.archive as { first: number; last: number; segments: number }), {
    firstSegment: segment(1), lastSegment: segment(6), first: 1, last: 6, segments: 5, storedBytes: 1700, lastArrivalAt: '2026-11-21T06:00:00.000Z',
  });
  assert.deepEqual(timeline.gaps, [{ from: 4, to: 4, fromName: segment(4), toName: segment(4), segments: 1 }]);
  // Runs 1..3 and 5..6; the first backup is consistent from 3, the second from 6.
  assert.deepEqual(timeline.recoverable, [
    { from: 3, to: 3, fromName: segment(3), toName: segment(3) },
    { from: 6, to: 6, fromName: segment(6), toName: segment(6) },
  ]);
  assert.deepEqual((timeline.backups as Array<{ backupId: string; beginSegment: number; endSegment: number }>)
    .map((placed) => [placed.backupId, placed.beginSegment, placed.endSegment]), [['20261120T010000', 2, 3], ['20261121T010000', 5, 6]]);
});

test('a kept backup cannot be deleted until released; an unknown id is backup-unknown; a delete frees its own bytes', async () => {
  const target = { server: 'main', backupId: '20261120T010000' };
  assert.deepEqual(valueOf(await call('backups:keep', { ...target, target: 'standalone' })), { backupId: '20261120T010000', keep: 'standalone' });
  const listed = valueOf<{ rows: Array<{ backupId: string; retention: { status: string } }> }>(await call('backups:list', { server: 'main' }));
  assert.equal(listed.rows.find((row) => row.backupId === target.backupId)?.retention.status, 'KEEP:STANDALONE');
  assert.equal(errorOf(await call('backups:delete', target)).code, 'backup-in-use');
  assert.deepEqual(valueOf(await call('backups:keep', { ...target, target: null })), { backupId: '20261120T010000', keep: null });

  const unknown = errorOf(await call('backups:delete', { server: 'main', backupId: '20261001T000000' }));
  assert.equal(unknown.code, 'backup-unknown');
  assert.deepEqual(valueOf(await call('backups:delete', target)), { backupId: '20261120T010000', status: 'DONE', freedBytes: 4000, remaining: 1 });
  const after = valueOf<{ rows: Array<{ backupId: string }> }>(await call('backups:list', { server: 'main' }));
  assert.deepEqual(after.rows.map((row) => row.backupId), ['20261122T010000', '20261121T010000']);
});
