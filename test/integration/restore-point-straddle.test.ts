// A restore point whose record straddles two WAL segments, on a real PostgreSQL 15 cluster whose WAL is
// archived (plain, as by default) into a Barkeep home: logical messages fill the current segment up to a few
// dozen bytes before its end, so that pg_create_restore_point()'s 98-byte record starts in one segment and ends
// in the next. Neither segment alone holds it; Barkeep reads the earlier one's last page as the later one is
// archived, lists it with the LSN PostgreSQL returned and the later segment (recovery needs that one), finds it
// again at `rebuild-catalog`, and a `--target-name` plan knows it. pg_waldump shows the record where we say it starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readArchivedWal } from '../../src-main/engine/wal/archive-store';
import { formatLsn, parseLsn, parseSizeSetting } from '../../src-main/engine/wal/lsn';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import { archiveWrittenWal, newestBackup, takeBackup } from '../support/recovery-archive';
import { listRestorePoints, rebuildCatalogFromScratch } from '../support/restore-point-cli';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

/** A restore point that straddled: its name, where the insert position was before it, what PostgreSQL returned. */
interface Straddle { name: string; insertedFrom: bigint; lsn: string; earlierSegment: string; laterSegment: string }

let fixture: ArchivedCluster | undefined;
/** every restore point made (name and what pg_create_restore_point() returned), in order: attempts that did not straddle too */
const made: { name: string; lsn: string }[] = [];
let straddle: Straddle | undefined;

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const walsDirectory = (): string => path.join(fixture!.home, 'pg', 'wals');
const attempts = 5;

/**
 * Makes a restore point whose record starts in one segment and ends in the next. Each attempt reads the insert
 * position, fills what is left of its segment but 48 bytes with one non-transactional logical message, and makes
 * the restore point when the insert position is there. A record from elsewhere (the bgwriter's running-xacts,
 * autovacuum) slipping in between spoils an attempt; the next one starts from wherever the WAL is then.
 */
async function makeStraddlingRestorePoint(): Promise<Straddle> {
  const { psql } = fixture!.cluster;
  const segmentSize = parseSizeSetting(await psql('show wal_segment_size'));
  const blockSize = Number(await psql('show wal_block_size'));
  const insertLsn = async (): Promise<bigint> => parseLsn(await psql('select pg_current_wal_insert_lsn()'));
  const segmentEnd = (lsn: bigint): bigint => lsn - (lsn % BigInt(segmentSize)) + BigInt(segmentSize);
  /** Bytes records can still fill from `lsn` to the end of its segment: each later page starts with a 24-byte header. */
  const usableToSegmentEnd = (lsn: bigint): number => {
    const offset = Number(lsn % BigInt(segmentSize));
    const pagesAfter = (segmentSize - (offset - (offset % blockSize)) - blockSize) / blockSize;
    return blockSize - (offset % blockSize) + pagesAfter * (blockSize - 24);
  };
  /**
   * One message record of `bytes` bytes (a multiple of 8): 24-byte header, 5-byte block data header (main data
   * over 255 bytes), 24-byte xl_logical_message, the prefix 'x' and its zero byte, then the message.
   */
  const emitRecordOf = (bytes: number) => psql(`select pg_logical_emit_message(false, 'x', repeat('a', ${bytes - 24 - 5 - 24 - 2}))`);

  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const from = await insertLsn();
    const usable = usableToSegmentEnd(from);
    if (usable < 1024) {
      await emitRecordOf(1024); // too close to aim: on into the next segment
      continue;
    }
    await emitRecordOf(usable - 48);
    const insertedFrom = await insertLsn();
    // Between 8 and 97 bytes left: a 98-byte record cannot fit whole.
    const left = segmentEnd(from) - insertedFrom;
    if (left < 8n || left >= 98n) continue;
    const name = attempt === 1 ? 'straddle' : `straddle-${attempt}`;
    const lsn = await psql(`select pg_create_restore_point('${name}')`);
    made.push({ name, lsn });
    const end = parseLsn(lsn);
    // It straddled when it ends in the next segment before 40 + 98 bytes: a record starting there would end later.
    if (end > segmentEnd(from) && end - segmentEnd(from) < 40n + 98n) {
      const earlierSegment = await psql(`select pg_walfile_name('${formatLsn(insertedFrom)}')`);
      const laterSegment = await psql(`select pg_walfile_name('${lsn}')`);
      assert.notEqual(earlierSegment, laterSegment);
      return { name, insertedFrom, lsn, earlierSegment, laterSegment };
    }
  }
  return assert.fail(`no restore point record straddled two segments in ${attempts} attempts: other records kept slipping in`);
}

before(async () => {
  fixture = await startArchivedCluster('restore-point-straddle');
  await takeBackup(fixture);
  straddle = await makeStraddlingRestorePoint();
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
});

test('a restore point straddling two segments is listed with the LSN PostgreSQL returned and the later segment', async () => {
  const points = await listRestorePoints(fixture!);
  assert.deepEqual(points.map((point) => ({ name: point.name, lsn: point.endLsn })), made);
  const point = points.find((listed) => listed.name === straddle!.name)!;
  assert.equal(point.endLsn, straddle!.lsn);
  assert.equal(point.segment, straddle!.laterSegment);
  assert.equal(point.timeline, 1);
  // It starts in the earlier segment, at or after where the insert position was before it.
  const start = parseLsn(point.startLsn);
  assert.ok(start >= straddle!.insertedFrom, `${point.startLsn} is at or after ${formatLsn(straddle!.insertedFrom)}`);
  assert.equal(await fixture!.cluster.psql(`select pg_walfile_name('${point.startLsn}')`), straddle!.earlierSegment);
});

test('pg_waldump reads the RESTORE_POINT record where Barkeep says it starts', async () => {
  const point = (await listRestorePoints(fixture!)).find((listed) => listed.name === straddle!.name)!;
  const root = await makeTempDir('restore-point-straddle-waldump');
  try {
    for (const segment of [straddle!.earlierSegment, straddle!.laterSegment]) {
      const bytes = readArchivedWal(walsDirectory(), segment);
      assert.ok(bytes, `${segment} is archived`);
      writeFileSync(path.join(root, segment), bytes);
    }
    const waldump = spawnSync(path.join(fixture!.cluster.binDir, 'pg_waldump'),
      ['-p', root, '-r', 'XLOG', straddle!.earlierSegment, straddle!.laterSegment], { encoding: 'utf8' });
    // pg_waldump stops with an error at the end of the WAL it was given; the records before it are what counts.
    const found = [...waldump.stdout.matchAll(/lsn: ([0-9A-F]+\/[0-9A-F]+), prev [^,]+, desc: RESTORE_POINT (.+)$/gm)]
      .map((match) => ({ name: match[2]!, startLsn: formatLsn(parseLsn(match[1]!)) })); // it prints 0/0300A028
    assert.ok(found.some((record) => record.name === point.name && record.startLsn === point.startLsn), `${JSON.stringify(found)}\n${waldump.stderr}`);
  } finally {
    await removeTempDir(root);
  }
});

test('rebuild-catalog finds the straddling restore point again', async () => {
  const before = await listRestorePoints(fixture!);
  assert.equal(await rebuildCatalogFromScratch(fixture!), made.length);
  assert.deepEqual(await listRestorePoints(fixture!), before);
});

test('a restore plan to the straddling restore point knows it', async () => {
  const root = await makeTempDir('restore-point-straddle-plan');
  try {
    const backup = await newestBackup(fixture!);
    const planned = await barkeep('restore', 'pg', 'latest', path.join(root, 'data'), '--target-name', straddle!.name, '--dry-run');
    assert.equal(planned.code, 0, planned.stderr + planned.stdout);
    assert.match(planned.stdout, new RegExp(`backup: +${backup.backupId} `));
    assert.ok(planned.stdout.includes(`target:      restore point '${straddle!.name}' at lsn ${straddle!.lsn} on timeline 1, made `), planned.stdout);
    assert.doesNotMatch(planned.stdout, /WARNING/);
  } finally {
    await removeTempDir(root);
  }
});
