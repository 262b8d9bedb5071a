import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { BackupInfo } from '../../../shared/domain/backup';
import type { JobSnapshot } from '../../../shared/domain/job';
import { BackupId, JobId, Lsn, ServerName } from '../../../shared/domain/names';
import { Catalog } from '../catalog/catalog';
import { saveDrill, type DrillRow } from '../catalog/drill-queries';
import { estimateRestoreThroughput, readRestoreMeasurements, type RestoreMeasurements } from './throughput-estimate';

const MiB = 1024 * 1024;
const none: RestoreMeasurements = { restores: [], drills: [], backups: [] };

test('restores come first: their bytes over their seconds, a long run weighing more than a short one', () => {
  const estimate = estimateRestoreThroughput({
    ...none,
    restores: [{ bytes: 300 * MiB, seconds: 2 }, { bytes: 100 * MiB, seconds: 1 }],
    drills: [{ bytes: 1000 * MiB, seconds: 1 }],
  });
  // (300 + 100) MiB in (2 + 1) s: 133.33 MiB/s, not the mean of 150 and 100 MiB/s
  assert.equal(estimate.bytesPerSecond, (400 * MiB) / 3);
  assert.equal(estimate.source, 'measured');
  assert.equal(estimate.basis, 'measured by the last 2 restores');
});

test('only the newest three runs count', () => {
  const estimate = estimateRestoreThroughput({
    ...none,
    restores: [{ bytes: 128 * MiB, seconds: 1 }, { bytes: 128 * MiB, seconds: 1 }, { bytes: 256 * MiB, seconds: 4 }, { bytes: 4096 * MiB, seconds: 1 }],
  });
  // 512 MiB in 6 s; the fourth (4 GiB/s) is older and left out
  assert.equal(estimate.bytesPerSecond, (512 * MiB) / 6);
  assert.equal(estimate.basis, 'measured by the last 3 restores');
});

test('runs under 64 MiB or without a duration measure nothing; the next kind of measurement is used', () => {
  const drills = estimateRestoreThroughput({
    restores: [{ bytes: 63 * MiB, seconds: 0.5 }, { bytes: 500 * MiB, seconds: 0 }],
    drills: [{ bytes: 1024 * MiB, seconds: 8 }],
    backups: [{ bytes: 640 * MiB, seconds: 1 }],
  });
  assert.equal(drills.bytesPerSecond, 128 * MiB);
  assert.equal(drills.basis, 'measured by the last drill (copy, start, recovery and validation)');

  const backups = estimateRestoreThroughput({ ...none, backups: [{ bytes: 640 * MiB, seconds: 4 }, { bytes: 64 * MiB, seconds: Number.NaN }] });
  assert.equal(backups.bytesPerSecond, 160 * MiB);
  assert.equal(backups.basis, 'measured by the last backup (its copy into the store)');
});

test('nothing measured: the default 200 MiB/s, and the plan says it is one', () => {
  const estimate = estimateRestoreThroughput({ ...none, restores: [{ bytes: 10 * MiB, seconds: 1 }] });
  assert.deepEqual(estimate, { bytesPerSecond: 200 * MiB, source: 'assumed', basis: 'default estimate: no restore measured yet' });
});

test('the catalog: succeeded restore jobs of the server, passed drills of backups still known, backups that copied everything', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'barkeep-throughput-'));
  const catalog = Catalog.open(path.join(dir, 'catalog.db'));
  try {
    let jobNumber = 0;
    const job = (overrides: Partial<JobSnapshot>): void => catalog.saveJob({
      id: JobId.parse(`restore-job-${++jobNumber}`), kind: 'restore', server: ServerName.parse('pg'), title: 'restore pg', state: 'succeeded', phase: 'done',
      bytesDone: 0, bytesTotal: null, createdAt: '2026-11-20T10:00:00.000Z', startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:00:10.000Z',
      error: null, ...overrides,
    });
    job({ bytesDone: 800 * MiB, startedAt: '2026-11-20T10:00:00.000Z', finishedAt: '2026-11-20T10:00:04.000Z' });
    job({ bytesDone: 900 * MiB, startedAt: '2026-11-21T10:00:00.000Z', finishedAt: '2026-11-21T10:00:02.500Z' });
    job({ bytesDone: 700 * MiB, state: 'failed' });
    job({ bytesDone: 600 * MiB, server: ServerName.parse('other') });
    job({ bytesDone: 500 * MiB, kind: 'backup' });

    const backups = [
      makeBackup('20261120T090000', { sizeBytes: 1000 * MiB, durationSeconds: 20 }),
      makeBackup('20261121T090000', { sizeBytes: 1200 * MiB, durationSeconds: 30, reusedFiles: 400 }),
      makeBackup('20261122T090000', { sizeBytes: 1100 * MiB, durationSeconds: null }),
      makeBackup('20261123T090000', { sizeBytes: 1300 * MiB, durationSeconds: 26 }),
      makeBackup('20261124T090000', { sizeBytes: 1400 * MiB, durationSeconds: 28, status: 'FAILED' }),
    ];
    const drill = (overrides: Partial<DrillRow>): number => saveDrill(catalog, {
      server: 'pg', backupId: '20261120T090000', target: 'the end of the archived wal', startedAt: '2026-11-22T10:00:00.000Z',
      finishedAt: '2026-11-22T10:00:40.000Z', durationSeconds: 40, reachedLsn: null, reachedTime: null, timeline: 1, validation: [], ok: true, error: null,
      ...overrides,
    });
    drill({});
    drill({ startedAt: '2026-11-23T10:00:00.000Z', backupId: '20261123T090000', durationSeconds: 13 });
    drill({ startedAt: '2026-11-23T11:00:00.000Z', backupId: '20261123T090000', durationSeconds: 3, ok: false });
    drill({ startedAt: '2026-11-23T12:00:00.000Z', backupId: '20261101T090000', durationSeconds: 5 });

    const measured = readRestoreMeasurements(catalog, 'pg', backups);
    assert.deepEqual(measured.restores, [{ bytes: 900 * MiB, seconds: 2.5 }, { bytes: 800 * MiB, seconds: 4 }]);
    assert.deepEqual(measured.drills, [{ bytes: 1300 * MiB, seconds: 13 }, { bytes: 1000 * MiB, seconds: 40 }]);
    assert.deepEqual(measured.backups, [{ bytes: 1300 * MiB, seconds: 26 }, { bytes: 1000 * MiB, seconds: 20 }]);
    // (900 + 800) MiB in (2.5 + 4) s
    assert.equal(estimateRestoreThroughput(measured).bytesPerSecond, (1700 * MiB) / 6.5);
  } finally {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function makeBackup(id: string, overrides: Partial<BackupInfo>): BackupInfo {
  return {
    formatVersion: 1, server: ServerName.parse('pg'), backupId: BackupId.parse(id), name: null, status: 'DONE', method: 'postgres',
    beginTime: '2026-11-20T09:00:00.000Z', endTime: '2026-11-20T09:01:00.000Z', beginLsn: Lsn.parse('0/2000028'), endLsn: Lsn.parse('0/2000100'),
    beginWal: '000000010000000000000002', endWal: '000000010000000000000002', timeline: 1, systemId: null, pgVersion: null, dataChecksums: null,
    sizeBytes: 0, ownBytes: null, walBytes: null, keep: null, error: null, ...overrides,
  };
}
