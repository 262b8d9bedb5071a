/**
 * A full disk on a real tmpfs: a real PostgreSQL cluster whose store
 * (backup_directory, wals_directory) lives on a small tmpfs. One backup fits;
 * a few days of injected usage history make a forecast; ballast files take
 * the volume below disk_warning_free_percent (`check` warns, `disk-usage`
 * forecasts) and then below disk_critical_free_percent (`check` fails).
 * Backups that would not fit fail before they start, and the first backup,
 * the catalog and the lock are exactly as they were.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { readUsageHistory, saveUsageSample } from '../../src-main/engine/disk/usage-history';
import type { DiskReport } from '../../src-main/engine/disk/volume-report';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import { makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

const MiB = 1024 ** 2;
/** A fresh PostgreSQL 15 cluster backs up to about 22 MiB, plus gzipped WAL: 96 MiB holds one backup with room to spare. */
const tmpfsMiB = 96;
/** the injected history grows this much per day */
const growthPerDay = 4 * MiB;

interface CheckJson {
  server: string;
  checks: { name: string; ok: boolean; severity: string; detail: string; hint?: string }[];
}

let unmount = async (): Promise<void> => {};
const mountDir = await makeTempDir('disk-full-mnt');
const mountError = mountTmpfs(mountDir);

function mountTmpfs(dir: string): string | null {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${tmpfsMiB}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()})`;
  // Runs before the folder's own cleanup (newest first), so a killed run leaves no mount behind.
  const unregister = registerExitCleanup(() => void spawnSync('umount', ['-l', dir]));
  unmount = async () => {
    const result = spawnSync('umount', [dir], { encoding: 'utf8' });
    if (result.status !== 0) spawnSync('umount', ['-l', dir]);
    unregister();
  };
  return null;
}

describe('a full backup volume', { skip: mountError ?? false }, () => {
  let fixture: ArchivedCluster;
  let first: BackupInfo;
  let firstFiles: string[];
  const store = path.join(mountDir, 'pg');
  const barkeep = (...args: string[]) => fixture.barkeep(...args);

  before(async () => {
    fixture = await startArchivedCluster('disk-full', [
      `backup_directory = ${store}`, 'archiver = on', 'compression = gzip', 'reuse_backup = off', 'retention_policy = REDUNDANCY 2',
      // The test cluster runs beside its backups on purpose: only the disk lines should warn here.
      'same_host_backups = accepted',
    ]);
    writeFileSync(fixture.configFile, [
      '[barkeep]', `barkeep_home = ${fixture.home}`, 'configuration_files_directory = conf.d',
      'disk_warning_free_percent = 20', 'disk_critical_free_percent = 10', 'disk_forecast_warning_days = 7', '',
    ].join('\n'));
  });

  after(async () => {
    await fixture?.stop();
    await unmount();
    await removeTempDir(mountDir);
  });

  it('takes one backup onto the tmpfs and records today\'s usage sample', async () => {
    const result = await barkeep('backup', 'pg', '--wait', '--wait-timeout', '60');
    assert.equal(result.code, 0, result.stderr);
    first = (await listBackups())[0]!;
    assert.equal(first.status, 'DONE');
    firstFiles = snapshotTree(path.join(store, 'base', first.backupId));
    assert.ok(first.sizeBytes > 10 * MiB && first.sizeBytes < 0.5 * tmpfsMiB * MiB, `backup of ${first.sizeBytes} bytes`);

    const history = withCatalog((catalog) => readUsageHistory(catalog, 'pg', new Date(Date.now() - 86_400_000)));
    assert.equal(history.length, 1, 'the backup recorded a sample');
    assert.ok(history[0]!.backupsBytes >= first.sizeBytes, JSON.stringify(history[0]));
    assert.ok(history[0]!.walBytes > 0, 'the archived WAL is counted');
  });

  it('with a few days of history, disk-usage forecasts when the volume fills up', async () => {
    // Four earlier days, each growthPerDay smaller than today's sample, at today's time of day.
    withCatalog((catalog) => {
      const [today] = readUsageHistory(catalog, 'pg', new Date(Date.now() - 86_400_000));
      for (let daysAgo = 1; daysAgo <= 4; daysAgo += 1) {
        const measuredAt = new Date(Date.parse(today!.measuredAt) - daysAgo * 86_400_000);
        saveUsageSample(catalog, {
          ...today!, day: measuredAt.toISOString().slice(0, 10), measuredAt: measuredAt.toISOString(),
          backupsBytes: today!.backupsBytes - daysAgo * growthPerDay,
        });
      }
    });
    const result = await barkeep('-f', 'json', 'disk-usage', 'pg');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as DiskReport;
    assert.equal(report.volumes.length, 1, 'backups and WAL share the tmpfs');
    const [volume] = report.volumes;
    assert.equal(volume!.mountPoint, mountDir);
    assert.equal(volume!.totalBytes, tmpfsMiB * MiB);
    assert.deepEqual(volume!.servers, ['pg']);
    assert.equal(volume!.state, 'ok');
    assert.equal(volume!.forecast.state, 'growing');
    assert.ok(volume!.forecast.state === 'growing');
    // Today's sample was measured again a few seconds later, with the same bytes: the slope stays within a hair of 4 MiB/day.
    assert.ok(Math.abs(volume!.forecast.bytesPerDay - growthPerDay) < 0.01 * growthPerDay, `growth ${volume!.forecast.bytesPerDay}`);
    assert.ok(Math.abs(volume!.forecast.fullInDays - volume!.freeBytes / volume!.forecast.bytesPerDay) < 1e-6);
    const [server] = report.servers;
    assert.equal(server!.server, 'pg');
    assert.ok(server!.growth.kind === 'rate' && server!.growth.samples === 5, JSON.stringify(server!.growth));
    // REDUNDANCY 2 with one backup (interval taken as a day) and reuse off: 2 × the backup + 2 days of WAL, and all the
    // WAL archived so far (less than a day ago) counts as one day's.
    const walArchived = withCatalog((catalog) => catalog.db.prepare("SELECT SUM(size_bytes) FROM wal_segments WHERE server = 'pg'").pluck().get() as number);
    assert.ok(walArchived > 0);
    assert.deepEqual(server!.retentionNeed, { bytes: 2 * first.sizeBytes + 2 * walArchived, backupsKept: 2, walDays: 2 });

    const table = await barkeep('disk-usage');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`^${escape(mountDir)}\\s+96\\.0 MiB\\s+[\\d.]+ MiB\\s+\\d+%\\s+ok\\s+4\\.0 MiB/day\\s+~\\d+ days\\s+pg$`, 'm'));
    assert.match(table.stdout, /^pg\s+[\d.]+ MiB\s+[\d.]+ (KiB|MiB)\s+4\.0 MiB\/day\s+~[\d.]+ MiB \(REDUNDANCY 2: 2 backups, ~2 days of WAL\)$/m);
  });

  it('below disk_warning_free_percent, check warns about the space and the forecast, and exits 0', async () => {
    fillUntilFreePercent(15, 'ballast-1');
    const result = await barkeep('-f', 'json', 'check', 'pg');
    const [report] = JSON.parse(result.stdout) as CheckJson[];
    const failing = report!.checks.filter((entry) => !entry.ok);
    assert.deepEqual(failing.map((entry) => [entry.name, entry.severity]), [['free disk space', 'warning'], ['disk forecast', 'warning']],
      JSON.stringify(failing, null, 2));
    assert.equal(result.code, 0, 'warnings alone exit 0');
    const space = failing[0]!;
    assert.match(space.detail, new RegExp(`^1[45]% free, [\\d.]+ MiB of 96\\.0 MiB on the volume of '${escape(mountDir)}', full in ~\\d days at 4\\.0 MiB/day$`));
    assert.match(space.hint ?? '', /disk_warning_free_percent is 20%/);
    assert.match(failing[1]!.detail, new RegExp(`^the volume of '${escape(mountDir)}' is full in ~\\d days at 4\\.0 MiB/day$`));

    const usage = JSON.parse((await barkeep('-f', 'json', 'disk-usage')).stdout) as DiskReport;
    assert.equal(usage.volumes[0]!.state, 'warning');
  });

  it('a backup bigger than the free space fails before it starts, harming nothing', async () => {
    const free = statfsSync(mountDir);
    const result = await barkeep('backup', 'pg');
    assert.equal(result.code, 1);
    const need = Math.ceil(first.sizeBytes * 1.2);
    assert.ok(need > free.bavail * free.bsize, 'the setup leaves less than the estimate free');
    assert.match(result.stderr, new RegExp(`^ERROR: backup of server 'pg' needs about ${escape(mebibytes(need))} \\(the last backup's size, plus 20%\\) `
      + `but the backup volume '${escape(mountDir)}' has [\\d.]+ MiB free$`, 'm'));
    assert.match(result.stderr, /^HINT: free space on that volume, delete obsolete backups with `barkeep retention pg`, or move backup_directory/m);
    await assertNothingHarmed();
  });

  it('below disk_critical_free_percent, check fails naming the volume and a backup refuses to start', async () => {
    fillUntilFreePercent(5, 'ballast-2');
    const check = await barkeep('check', 'pg');
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, new RegExp(`^\\tfree disk space: FAILED \\([45]% free, [\\d.]+ MiB of 96\\.0 MiB on the volume of '${escape(mountDir)}', full in ~\\d days? at 4\\.0 MiB/day\\)$`, 'm'));
    assert.match(check.stdout, /^\t\tHINT: .*disk_critical_free_percent is 10% \(barkeep\.conf\): below it backups refuse to start$/m);
    const failed = check.stdout.split('\n').filter((line) => / FAILED | WARNING /.test(line)).map((line) => line.trim().split(':')[0]);
    assert.deepEqual(failed, ['free disk space', 'disk forecast'], check.stdout);

    const backup = await barkeep('backup', 'pg');
    assert.equal(backup.code, 1);
    assert.match(backup.stderr, new RegExp(`^ERROR: backup of server 'pg' refused: the backup volume '${escape(mountDir)}' has [45]\\.\\d% free `
      + `\\([\\d.]+ MiB of 96\\.0 MiB\\), below disk_critical_free_percent \\(10%\\)$`, 'm'));
    await assertNothingHarmed();
  });

  it('the first backup still verifies against its manifest', async () => {
    const result = await barkeep('verify-backup', 'pg', first.backupId);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /checksums: ok/);
    assert.match(result.stdout, /pg_verifybackup: passed/);
  });

  async function assertNothingHarmed(): Promise<void> {
    const backups = await listBackups();
    assert.deepEqual(backups.map((backup) => [backup.backupId, backup.status]), [[first.backupId, 'DONE']], 'no new catalog row');
    assert.deepEqual(readdirSync(path.join(store, 'base')), [first.backupId], 'no new or temporary backup folder');
    assert.deepEqual(snapshotTree(path.join(store, 'base', first.backupId)), firstFiles, 'the first backup is untouched');
    assert.ok(!existsSync(path.join(store, 'backup.lock')), 'no lock left');
  }

  async function listBackups(): Promise<BackupInfo[]> {
    const result = await barkeep('-f', 'json', 'list-backup', 'pg');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as BackupInfo[];
  }

  function withCatalog<T>(use: (catalog: Catalog) => T): T {
    const catalog = Catalog.open(path.join(fixture.home, 'catalog.db'));
    try {
      return use(catalog);
    } finally {
      catalog.close();
    }
  }
});

/** Writes a zero-filled file until the volume's free share is just below `percent`. */
function fillUntilFreePercent(percent: number, name: string): void {
  const before = statfsSync(mountDir);
  const target = Math.floor((before.blocks * percent) / 100) - 1;
  const ballastBlocks = before.bavail - target;
  assert.ok(ballastBlocks > 0, `already below ${percent}%`);
  writeFileSync(path.join(mountDir, name), Buffer.alloc(ballastBlocks * before.bsize));
  const after = statfsSync(mountDir);
  const freePercent = (after.bavail / after.blocks) * 100;
  assert.ok(freePercent < percent && freePercent > percent - 1, `ballast left ${freePercent}% free`);
}

/** Every file and folder under `root` with its size, inode and modification time. */
function snapshotTree(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).sort().map((entry) => {
    const stats = lstatSync(path.join(root, entry));
    return `${entry} ${stats.isDirectory() ? 'dir' : stats.size} ${stats.ino} ${stats.mtimeMs}`;
  });
}

function mebibytes(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
