import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackupInfo } from '../../../shared/domain/backup';
import { BackupId, Lsn, ServerName } from '../../../shared/domain/names';
import { writeBackupInfo } from '../store/backup-info-file';
import { writeStoreIdentity } from '../store/identity-file';
import { archiveWalBytes } from '../wal/archive-store';
import { restorePointBody, SegmentWriter } from '../wal/wal-segment-fixture';
import { Catalog } from './catalog';
import { migrations } from './migrations';
import { rebuildCatalog, timelineRow, walSegmentRow, type IndexedServer } from './rebuild';

function storeOf(home: string, name: string): IndexedServer {
  const dir = path.join(home, name);
  return {
    name,
    backupDirectory: dir,
    walsDirectory: path.join(dir, 'wals'),
    streamingWalsDirectory: path.join(dir, 'streaming'),
    incomingWalsDirectory: path.join(dir, 'incoming'),
    errorsDirectory: path.join(dir, 'errors'),
  };
}

function backup(server: string, id: string, overrides: Partial<BackupInfo> = {}): BackupInfo {
  return {
    formatVersion: 1, server: ServerName.parse(server), backupId: BackupId.parse(id), name: null, status: 'DONE', method: 'rsync',
    beginTime: '2026-11-20T01:00:00.000Z', endTime: '2026-11-20T01:05:00.000Z', beginLsn: Lsn.parse('0/2000028'), endLsn: Lsn.parse('0/2000100'),
    beginWal: '000000010000000000000002', endWal: '000000010000000000000002', timeline: 1, systemId: '7312345678901234567',
    pgVersion: '15.18', dataChecksums: true, sizeBytes: 41_000_000, ownBytes: 41_000_000, walBytes: 16_777_216, keep: null, error: null,
    ...overrides,
  };
}

/** The live path: what backup and archiver code do when a backup or segment lands. */
function populate(home: string, catalog: Catalog): IndexedServer[] {
  const main = storeOf(home, 'main');
  const reporting = storeOf(home, 'reporting');
  for (const store of [main, reporting]) writeStoreIdentity(store, { systemId: `73${store.name.length}00000000000000001`, pgVersion: '15.18', learntAt: '2026-11-20T00:00:00.000Z' });
  catalog.upsertServerFacts({ name: 'main', systemId: '73400000000000000001', pgVersion: '15.18', learntAt: '2026-11-20T00:00:00.000Z' });
  catalog.upsertServerFacts({ name: 'reporting', systemId: '73900000000000000001', pgVersion: '15.18', learntAt: '2026-11-20T00:00:00.000Z' });
  const infos = [
    backup('main', '20261120T010000'),
    backup('main', '20261121T010000', { keep: 'full', ownBytes: 1_200_000, name: 'before upgrade' }),
    backup('main', '20261122T010000', { status: 'FAILED', endTime: null, endLsn: null, error: 'connection lost' }),
    backup('reporting', '20261121T020000', { method: 'postgres', timeline: 2 }),
  ];
  for (const info of infos) {
    writeBackupInfo(info.server === 'main' ? main : reporting, info);
    catalog.upsertBackup(info);
  }
  const walFolder = path.join(main.walsDirectory, '0000000100000000');
  mkdirSync(walFolder, { recursive: true });
  for (const name of ['000000010000000000000002', '000000010000000000000003.gz', '000000010000000000000004.zst']) {
    writeFileSync(path.join(walFolder, name), Buffer.alloc(name.endsWith('2') ? 16 : 8, 1));
    const row = walSegmentRow('main', path.join(walFolder, name));
    assert.ok(row);
    catalog.upsertWalSegments([row]);
  }
  writeFileSync(path.join(walFolder, '000000010000000000000005.partial'), 'x');
  writeFileSync(path.join(main.walsDirectory, '00000002.history'), '1\t0/5000000\tno recovery target specified\n');
  const timeline = timelineRow('main', path.join(main.walsDirectory, '00000002.history'));
  assert.ok(timeline);
  catalog.upsertTimeline(timeline);
  return [main, reporting];
}

function indexRows(file: string): Record<string, unknown[]> {
  const catalog = Catalog.open(file);
  try {
    const rows: Record<string, unknown[]> = {};
    for (const table of ['servers', 'backups', 'wal_segments', 'timelines', 'restore_points']) {
      rows[table] = catalog.db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
    }
    return rows;
  } finally {
    catalog.close();
  }
}

test('rebuild-catalog brings back the same rows after catalog.db is deleted', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-rebuild-'));
  try {
    const file = path.join(home, 'catalog.db');
    const catalog = Catalog.open(file);
    const servers = populate(home, catalog);
    catalog.close();
    const before = indexRows(file);
    assert.equal(before.backups?.length, 4);
    assert.equal(before.wal_segments?.length, 3, 'a .partial segment is not archived WAL');
    assert.equal(before.timelines?.length, 1);

    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    assert.equal(existsSync(file), false);
    const report = rebuildCatalog(file, servers);

    assert.deepEqual(report, { servers: 2, backups: 4, walSegments: 3, timelines: 1, restorePoints: 0, problems: [], movedAside: null });
    assert.deepEqual(indexRows(file), before);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('restore points found as segments were archived come back from the segments themselves, compressed or not', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-rebuild-'));
  try {
    const file = path.join(home, 'catalog.db');
    const main = storeOf(home, 'main');
    const catalog = Catalog.open(file);
    // 1 MiB segments 3, 4 and 5 (0/300000, 0/400000, 0/500000), each with a restore point right after the
    // 40-byte long header (0x28), 98 bytes long: its aligned end is 0x90.
    const archive = (segmentNumber: number, name: string, compression: 'none' | 'gzip' | 'zstd'): void => {
      const writer = new SegmentWriter({ segmentNumber });
      writer.append(0, 0x70, restorePointBody(name, BigInt(segmentNumber) * 1_000_000n));
      archiveWalBytes({ server: 'main', walsDirectory: main.walsDirectory, errorsDirectory: main.errorsDirectory, compression },
        `00000001000000000000000${segmentNumber}`, writer.bytes, catalog);
    };
    archive(3, 'before-change', 'gzip');
    archive(4, 'before-change', 'zstd');
    archive(5, 'gone-with-its-segment', 'none');
    catalog.close();
    const before = indexRows(file).restore_points;
    assert.deepEqual(before, [
      { server: 'main', name: 'before-change', timeline: 1, start_lsn: '0/300028', end_lsn: '0/300090', time: '2000-01-01T00:00:03.000000Z', segment: '000000010000000000000003' },
      { server: 'main', name: 'before-change', timeline: 1, start_lsn: '0/400028', end_lsn: '0/400090', time: '2000-01-01T00:00:04.000000Z', segment: '000000010000000000000004' },
      { server: 'main', name: 'gone-with-its-segment', timeline: 1, start_lsn: '0/500028', end_lsn: '0/500090', time: '2000-01-01T00:00:05.000000Z', segment: '000000010000000000000005' },
    ]);

    rmSync(path.join(main.walsDirectory, '0000000100000000', '000000010000000000000005'));
    const report = rebuildCatalog(file, [main]);
    assert.equal(report.restorePoints, 2);
    assert.deepEqual(indexRows(file).restore_points, before.slice(0, 2));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a damaged backup.json is reported by name and the rest is indexed', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-rebuild-'));
  try {
    const file = path.join(home, 'catalog.db');
    const catalog = Catalog.open(file);
    const servers = populate(home, catalog);
    catalog.close();
    const damaged = path.join(home, 'main', 'base', '20261121T010000', 'backup.json');
    writeFileSync(damaged, '{"formatVersion": 1, "server": "main"');
    const report = rebuildCatalog(file, servers);
    assert.equal(report.backups, 3);
    assert.deepEqual(report.problems, [`backup metadata '${damaged}' is not valid JSON`]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an unreadable catalog is moved aside, never deleted', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-rebuild-'));
  try {
    const file = path.join(home, 'catalog.db');
    writeFileSync(file, 'this is not a sqlite database, but somebody may want it back');
    const report = rebuildCatalog(file, [storeOf(home, 'main')]);
    assert.ok(report.movedAside && existsSync(report.movedAside));
    assert.equal(report.servers, 1);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('migrations run once and record the schema version', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-catalog-'));
  try {
    const file = path.join(home, 'catalog.db');
    const first = Catalog.open(file);
    assert.equal(first.schemaVersion, migrations.at(-1)!.version);
    assert.equal(first.db.pragma('journal_mode', { simple: true }), 'wal');
    first.close();
    const again = Catalog.open(file);
    assert.equal(again.schemaVersion, migrations.at(-1)!.version);
    again.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
