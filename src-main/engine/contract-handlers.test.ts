/**
 * The contract's engine side on a real engine (a temporary home, its catalog
 * and store, no PostgreSQL): malformed input is refused at the boundary and
 * never reaches a handler, and the backup and WAL channels (restore points
 * too) answer from what the catalog and store hold; the disk channels report the real volume of the
 * temporary home with usage samples written into the catalog.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import type { DiskHistory, DiskReport, DiskStateChange } from '../../shared/domain/disk';
import { BackupId, ServerName } from '../../shared/domain/names';
import type { ServerSummary } from '../../shared/domain/server';
import type { Envelope } from '../../shared/ipc/envelope';
import type { PushEvent } from '../../shared/ipc/events';
import type { RestorePoint } from '../../shared/domain/restore-point';
import { saveDrill } from './catalog/drill-queries';
import { recordRestorePoints } from './catalog/restore-point-queries';
import { writeServerConfig } from './config/write-server';
import { createHandlers, dispatch, type Handlers } from './contract-handlers';
import { saveUsageSample } from './disk/usage-history';
import { Engine } from './engine';
import { writeBackupInfo } from './store/backup-info-file';
import { acquireArchiverLock } from './wal/archiver-lock';

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

test('wal:restore-points lists the server\'s restore points from the catalog, newest last, and refuses malformed input', async () => {
  const made = (name: string, time: string, timeline: number, startLsn: string, endLsn: string, n: number): RestorePoint =>
    ({ name, time, timeline, startLsn, endLsn, segment: `0000000${timeline}00000000000000${String(n).padStart(2, '0')}` }) as RestorePoint;
  const beforeX = made('before-x', '2026-11-21T02:30:00.123456Z', 1, '0/3000028', '0/3000060', 3);
  const nightlyOld = made('nightly', '2026-11-20T23:00:00.000000Z', 1, '0/2000100', '0/2000138', 2);
  const nightlyNew = made('nightly', '2026-11-21T05:59:00.000000Z', 1, '0/50000A0', '0/50000D8', 5);
  // Recorded out of order, as segments may be archived; another server's restore point is not main's.
  recordRestorePoints(engine.catalog, 'main', [beforeX, nightlyNew]);
  recordRestorePoints(engine.catalog, 'main', [nightlyOld]);
  recordRestorePoints(engine.catalog, 'elsewhere', [made('theirs', '2026-11-21T03:00:00.000000Z', 1, '0/3000100', '0/3000138', 3)]);
  calls.length = 0;
  assert.deepEqual(valueOf<RestorePoint[]>(await call('wal:restore-points', { server: 'main' })), [nightlyOld, beforeX, nightlyNew]);
  assert.deepEqual(calls, ['wal:restore-points']);

  calls.length = 0;
  for (const input of [undefined, {}, { server: '../etc' }, { server: 'main', name: 'nightly' }, { server: 42 }]) {
    const error = errorOf(await call('wal:restore-points', input));
    assert.equal(error.code, 'invalid-input', JSON.stringify(input));
    assert.match(error.message, /'wal:restore-points'/);
  }
  assert.deepEqual(calls, [], 'no handler saw malformed input');
  const unknown = errorOf(await call('wal:restore-points', { server: 'elsewhere' }));
  assert.equal(unknown.code, 'server-unknown', 'a server that is not configured, whatever rows the catalog holds for it');
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

// ── disk ──────────────────────────────────────────────────────────────────

const dayMs = 86_400_000;
const GiB = 1024 ** 3;
const store = ServerName.parse('store');

/** Rewrites one commented default of the global section, then reloads. */
function setGlobalOption(option: string, value: string): void {
  const file = engine.config.configFile;
  const text = readFileSync(file, 'utf8').replace(new RegExp(`^;? ?${option} = .*$`, 'm'), `${option} = ${value}`);
  writeFileSync(file, text);
  engine.reloadConfig();
}

test('disk inputs are checked at the boundary', async () => {
  calls.length = 0;
  assert.match(errorOf(await call('disk:history', { server: '../etc' })).message, /'disk:history' at 'server'/);
  assert.match(errorOf(await call('disk:report', { server: 'main' })).message, /'disk:report'/);
  assert.match(errorOf(await call('disk:measure', { all: true })).message, /'disk:measure'/);
  assert.deepEqual(calls, []);
  assert.equal(errorOf(await call('disk:history', { server: 'other' })).code, 'server-unknown');
});

test('disk:report: volumes read now, servers from their newest samples, growth and forecast from the history, the retention need', async () => {
  writeServerConfig(engine.config, store, { conninfo: 'host=127.0.0.1 port=1 user=postgres', backup_method: 'postgres', retention_policy: 'REDUNDANCY 2' });
  setGlobalOption('disk_warning_free_percent', '100');
  const volumeId = String(statSync(path.dirname(engine.catalog.file)).dev);
  // One complete backup of 5000 bytes: REDUNDANCY 2 with no backup interval known (1 day) and no WAL
  // needs B + (2 - 1) × A = 5000 + 5000 (reuse_backup = off: a next backup adds all its bytes).
  engine.catalog.upsertBackup(backup('20261101T010000', { server: store, sizeBytes: 5000, ownBytes: 5000 }));
  // Three daily samples one day apart: 1000, 2000, 3000 bytes (60% backups, 40% WAL): 1000 bytes a day.
  const base = Date.now();
  for (const daysAgo of [3, 2, 1]) {
    const moment = new Date(base - daysAgo * dayMs);
    saveUsageSample(engine.catalog, {
      server: store, day: moment.toISOString().slice(0, 10), measuredAt: moment.toISOString(),
      backupsBytes: 600 * (4 - daysAgo), walBytes: 400 * (4 - daysAgo), volumeId, walVolumeId: volumeId,
      volumeTotal: 100 * GiB, volumeFree: 5 * GiB,
    });
  }

  const report = valueOf<DiskReport>(await call('disk:report', {}));
  assert.deepEqual(report.thresholds, { warningFreePercent: 100, criticalFreePercent: 10 });
  const usage = report.servers.find((entry) => entry.server === 'store')!;
  assert.equal(usage.measuredAt, new Date(base - dayMs).toISOString());
  assert.deepEqual([usage.backupsBytes, usage.walBytes, usage.backupVolumeId, usage.walVolumeId], [1800, 1200, volumeId, volumeId]);
  assert.equal(usage.growth.kind, 'rate');
  assert.ok(usage.growth.kind === 'rate' && Math.abs(usage.growth.bytesPerDay - 1000) < 1e-6, JSON.stringify(usage.growth));
  assert.equal(usage.retentionPolicy, 'REDUNDANCY 2');
  assert.deepEqual(usage.retentionNeed, { bytes: 10_000, backupsKept: 2, walDays: 2 });

  // The home's volume, read now: every store of this home is on it, and with warning at 100% free it is in warning.
  assert.equal(report.volumes.length, 1);
  const volume = report.volumes[0]!;
  const space = statfsSync(path.dirname(engine.catalog.file));
  assert.equal(volume.id, volumeId);
  assert.equal(volume.totalBytes, space.blocks * space.bsize);
  assert.deepEqual(volume.servers, ['main', 'store']);
  assert.equal(volume.state, 'warning');
  assert.equal(volume.usedBytes, volume.totalBytes - volume.freeBytes);
  assert.equal(volume.storeBytes, report.servers.reduce((sum, entry) => sum + entry.backupsBytes + entry.walBytes, 0));
  // Only 'store' has history enough for a trend ('main' has at most today's sample): the volume grows by its 1000 bytes a day.
  assert.equal(volume.forecast.state, 'growing');
  assert.ok(volume.forecast.state === 'growing' && Math.abs(volume.forecast.bytesPerDay - 1000) < 1e-6);
  assert.ok(volume.forecast.state === 'growing' && Math.abs(volume.forecast.fullInDays - volume.freeBytes / volume.forecast.bytesPerDay) < 1e-6);

  const history = valueOf<DiskHistory>(await call('disk:history', { server: 'store' }));
  assert.deepEqual(history.samples.map((sample) => sample.backupsBytes + sample.walBytes), [1000, 2000, 3000]);
  assert.ok(Math.abs(Date.parse(history.since) - (Date.now() - 30 * dayMs)) < 60_000, 'the 30-day growth window');
  const everyone = valueOf<DiskHistory>(await call('disk:history', {}));
  assert.ok(everyone.samples.length >= 3);
  assert.deepEqual([...everyone.samples].sort((a, b) => a.day.localeCompare(b.day) || a.server.localeCompare(b.server)), everyone.samples, 'oldest first');

  // servers:list draws its small gauge from the newest sample: 5 GiB free of 100 GiB is 5%, below the critical 10%.
  const listed = valueOf<ServerSummary[]>(await call('servers:list', {})).find((entry) => entry.name === 'store')!;
  assert.deepEqual(listed.disk, {
    measuredAt: new Date(base - dayMs).toISOString(), backupsBytes: 1800, walBytes: 1200, volumeTotalBytes: 100 * GiB, volumeFreeBytes: 5 * GiB, state: 'critical',
  });
});

test('disk:measure walks the stores, records today\'s samples and invalidates disk', async () => {
  const events: PushEvent[] = [];
  const stop = engine.onEvent((event) => events.push(event));
  try {
    const before = Date.now();
    const report = valueOf<DiskReport>(await call('disk:measure', {}));
    for (const usage of report.servers) assert.ok(Date.parse(usage.measuredAt!) >= before, `${usage.server} measured now`);
    assert.ok(events.some((event) => event.kind === 'invalidate' && event.topic === 'disk'), 'disk invalidated');
    const history = valueOf<DiskHistory>(await call('disk:history', { server: 'store' }));
    assert.equal(history.samples.length, 4, 'three injected days and today');
    // The store of 'store' holds no file: today it measures 0 bytes.
    assert.deepEqual([history.samples.at(-1)!.backupsBytes, history.samples.at(-1)!.walBytes], [0, 0]);
  } finally {
    stop();
  }
});

test('servers:list tells WAL arrival, archiver state and the last drill from the catalog and the lock file', async () => {
  const summary = async (name: string): Promise<ServerSummary> =>
    valueOf<ServerSummary[]>(await call('servers:list', {})).find((entry) => entry.name === name)!;
  const main = await summary('main');
  // The highest archived segment of the newest timeline is 6, archived at 06:00.
  assert.deepEqual(main.wal, { lastSegment: segment(6), lastArrivalAt: '2026-11-21T06:00:00.000Z' });
  assert.deepEqual(main.archiver, { streaming: 'off', streamingPid: null, archiveCommand: false });
  assert.equal(main.lastDrill, null);

  saveDrill(engine.catalog, {
    server: 'main', backupId: '20261121T010000', target: 'the end of the archived WAL', startedAt: '2026-11-22T10:00:00.000Z',
    finishedAt: '2026-11-22T10:01:00.000Z', durationSeconds: 60, reachedLsn: null, reachedTime: null, timeline: 1, validation: [],
    ok: false, error: { code: 'drill-failed', message: 'the restored copy did not start' },
  });
  assert.deepEqual((await summary('main')).lastDrill, {
    ok: false, finishedAt: '2026-11-22T10:01:00.000Z', target: 'the end of the archived WAL', backupId: '20261121T010000', error: 'the restored copy did not start',
  });

  // Streaming wanted but nobody holds the lock: stopped; a live process holding it: running, with its pid.
  writeServerConfig(engine.config, store, {
    conninfo: 'host=127.0.0.1 port=1 user=postgres', backup_method: 'postgres', retention_policy: 'REDUNDANCY 2',
    streaming_archiver: 'on', slot_name: 'barkeep', archiver: 'on',
  });
  engine.reloadConfig();
  assert.deepEqual((await summary('store')).archiver, { streaming: 'stopped', streamingPid: null, archiveCommand: true });
  const lock = acquireArchiverLock('store', engine.server('store').backupDirectory, 'app');
  try {
    assert.deepEqual((await summary('store')).archiver, { streaming: 'running', streamingPid: process.pid, archiveCommand: true });
  } finally {
    lock.release();
  }
});

test('the disk watch reports a volume crossing into warning, then into critical, once each', async () => {
  const changes: DiskStateChange[] = [];
  const waitFor = async (count: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (changes.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  // The reports above already told the engine the volume is in warning: a new listener's first look finds no change.
  const stop = engine.onDiskStateChange((change) => changes.push(change));
  try {
    engine.invalidate('disk');
    await engine.diskReport();
    await engine.diskReport();
    assert.equal(changes.length, 0, 'no crossing while the state stays warning');

    // disk_critical_free_percent = 100: any volume with a used byte is critical.
    setGlobalOption('disk_critical_free_percent', '100');
    engine.invalidate('disk');
    await waitFor(1);
    assert.equal(changes.length, 1);
    assert.deepEqual([changes[0]!.previous, changes[0]!.volume.state, changes[0]!.thresholdFreePercent], ['warning', 'critical', 100]);
    assert.deepEqual(changes[0]!.volume.servers, ['main', 'store']);
    await engine.diskReport();
    engine.invalidate('backups', main);
    await engine.diskReport();
    assert.equal(changes.length, 1, 'one notification per crossing, not per refresh');
  } finally {
    stop();
  }
});
