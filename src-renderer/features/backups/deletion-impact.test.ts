/**
 * Unit tests for what the delete confirmation says will be lost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupList, BackupRow } from '../../../shared/domain/backup-view';
import type { BackupId, ServerName } from '../../../shared/domain/names';
import { describeDeletion } from './deletion-impact';

function row(id: string, changes: Partial<BackupRow> = {}): BackupRow {
  return {
    backupId: id as BackupId, name: null, status: 'DONE', method: 'postgres', beginTime: `${id}-begin`, endTime: `${id}-end`, timeline: 1,
    sizeBytes: 1000, ownBytes: 400, walBytes: 0, keep: null, retention: { status: 'VALID', reason: 'no retention policy is set' }, error: null,
    ...changes,
  };
}

// Newest first, as backups:list gives them: a failed one on top, then three complete ones.
const list: BackupList = {
  server: 'main' as ServerName,
  retentionPolicy: null,
  minimumRedundancy: 0,
  rows: [row('4', { status: 'FAILED', ownBytes: null }), row('3', { ownBytes: 300 }), row('2', { status: 'WAITING_FOR_WALS' }), row('1', { ownBytes: 100 })],
};

test('the oldest complete backup: the earliest recoverable point moves to the next one', () => {
  const impact = describeDeletion(list, '1')!;
  assert.equal(impact.freedBytes, 100);
  assert.deepEqual(impact.loss, { kind: 'earliest-point-moves', next: list.rows[2] });
  assert.equal(impact.remaining, 2);
  assert.equal(impact.belowMinimumRedundancy, false);
});

test('a newer backup loses no point in time while an older one remains', () => {
  assert.deepEqual(describeDeletion(list, '3')!.loss, { kind: 'none-older-remains', older: list.rows[2] });
});

test('a failed backup loses nothing and leaves the complete ones', () => {
  const impact = describeDeletion(list, '4')!;
  assert.deepEqual(impact.loss, { kind: 'none-failed' });
  assert.equal(impact.remaining, 3);
  assert.equal(impact.freedBytes, null);
});

test('the only complete backup, and minimum_redundancy', () => {
  const only: BackupList = { ...list, minimumRedundancy: 1, rows: [row('9')] };
  const impact = describeDeletion(only, '9')!;
  assert.deepEqual(impact.loss, { kind: 'last-backup' });
  assert.equal(impact.remaining, 0);
  assert.equal(impact.belowMinimumRedundancy, true, '0 left is below minimum_redundancy 1');
  assert.equal(describeDeletion(only, '8'), null);
});
