import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseNumericZone, parseStartTime, readReuseHorizon } from './reuse-horizon';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-horizon-'));
after(() => rmSync(root, { recursive: true, force: true }));

function labelWith(startTime: string): string {
  return [
    'START WAL LOCATION: 0/A000028 (file 00000001000000000000000A)',
    'CHECKPOINT LOCATION: 0/A000060',
    'BACKUP METHOD: streamed',
    'BACKUP FROM: primary',
    `START TIME: ${startTime}`,
    'LABEL: barkeep backup pg 20240501T100000',
    'START TIMELINE: 1',
    '',
  ].join('\n');
}

function folderWithLabel(startTime: string): string {
  const folder = mkdtempSync(path.join(root, 'data-'));
  writeFileSync(path.join(folder, 'backup_label'), labelWith(startTime));
  return folder;
}

const noZones = async (): Promise<number | null> => null;

test('START TIME in UTC or with a numeric offset', async () => {
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 UTC'), noZones))?.toISOString(), '2024-05-01T10:00:00.000Z');
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 +03'), noZones))?.toISOString(), '2024-05-01T07:00:00.000Z');
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 -0430'), noZones))?.toISOString(), '2024-05-01T14:30:00.000Z');
});

test('a named zone is asked of the server; an unknown one errs early', async () => {
  const cest = async (abbreviation: string): Promise<number | null> => (abbreviation === 'CEST' ? 7200 : null);
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 CEST'), cest))?.toISOString(), '2024-05-01T08:00:00.000Z');
  // Unknown: read as the furthest zone east (UTC+14), so the horizon is never later than the truth.
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 XYZT'), cest))?.toISOString(), '2024-04-30T20:00:00.000Z');
  const failing = async (): Promise<number | null> => {
    throw new Error('connection lost');
  };
  assert.equal((await readReuseHorizon(folderWithLabel('2024-05-01 10:00:00 CEST'), failing))?.toISOString(), '2024-04-30T20:00:00.000Z');
});

test('no backup_label, or none with a START TIME: no horizon', async () => {
  assert.equal(await readReuseHorizon(mkdtempSync(path.join(root, 'empty-')), noZones), null);
  const folder = mkdtempSync(path.join(root, 'odd-'));
  writeFileSync(path.join(folder, 'backup_label'), 'START WAL LOCATION: 0/A000028\n');
  assert.equal(await readReuseHorizon(folder, noZones), null);
});

test('parseStartTime and parseNumericZone', () => {
  assert.deepEqual(parseStartTime(labelWith('2024-12-31 23:59:59 GMT')), { utcIfZoneless: new Date('2024-12-31T23:59:59Z'), zone: 'GMT' });
  assert.equal(parseNumericZone('GMT'), 0);
  assert.equal(parseNumericZone('+05:30'), 19800);
  assert.equal(parseNumericZone('CET'), null);
});
