/**
 * Unit tests for merging job snapshots from jobs:list and job events, and for
 * the order the Jobs view shows them in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobLogLine, JobSnapshot } from '../../shared/domain/job';
import type { JobId } from '../../shared/domain/names';
import { fresherSnapshot, mergeJobList, mergeLogLines, orderJobIds } from './job-merge';

function job(id: string, changes: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id: id as JobId,
    kind: 'sandbox',
    server: null,
    title: `job ${id}`,
    state: 'running',
    phase: 'copy',
    bytesDone: 0,
    bytesTotal: null,
    createdAt: '2026-11-24T03:00:00.000Z',
    startedAt: '2026-11-24T03:00:01.000Z',
    finishedAt: null,
    error: null,
    ...changes,
  };
}

test('a later state wins over an earlier one, whichever side holds it', () => {
  const running = job('job-aaaaaa', { state: 'running', bytesDone: 10 });
  const done = job('job-aaaaaa', { state: 'succeeded', bytesDone: 10 });
  assert.equal(fresherSnapshot(running, done), done);
  assert.equal(fresherSnapshot(done, running), done);
});

test('a finished job never changes back, even to another finished state', () => {
  const failed = job('job-aaaaaa', { state: 'failed' });
  const cancelled = job('job-aaaaaa', { state: 'cancelled' });
  assert.equal(fresherSnapshot(failed, cancelled), failed);
});

test('among running snapshots more bytes win, and a tie goes to the incoming one', () => {
  const ahead = job('job-aaaaaa', { bytesDone: 500 });
  const behind = job('job-aaaaaa', { bytesDone: 100 });
  assert.equal(fresherSnapshot(ahead, behind), ahead);
  const newPhase = job('job-aaaaaa', { bytesDone: 500, phase: 'fsync' });
  assert.equal(fresherSnapshot(ahead, newPhase), newPhase);
});

test('a listed job replaces a stale held one; unfinished jobs missing from the list stay, finished ones go', () => {
  const held = {
    'job-aaaaaa': job('job-aaaaaa', { state: 'queued' }),
    'job-bbbbbb': job('job-bbbbbb', { state: 'running' }),
    'job-cccccc': job('job-cccccc', { state: 'succeeded' }),
  };
  const merged = mergeJobList(held, [job('job-aaaaaa', { state: 'running' })]);
  assert.deepEqual(Object.keys(merged).sort(), ['job-aaaaaa', 'job-bbbbbb']);
  assert.equal(merged['job-aaaaaa']?.state, 'running');
});

test('log lines from jobs:logs come first and live lines already in them are not repeated', () => {
  const line = (message: string): JobLogLine => ({ at: '2026-11-24T03:00:02.000Z', level: 'info', message });
  const merged = mergeLogLines([line('one'), line('two')], [line('two'), line('three')]);
  assert.deepEqual(
    merged.map((entry) => entry.message),
    ['one', 'two', 'three'],
  );
});

test('unfinished jobs are listed apart from finished ones, newest first', () => {
  const order = orderJobIds({
    'job-old-done': job('job-old-done', { state: 'failed', createdAt: '2026-11-24T01:00:00Z' }),
    'job-new-done': job('job-new-done', { state: 'succeeded', createdAt: '2026-11-24T02:00:00Z' }),
    'job-queued': job('job-queued', { state: 'queued', createdAt: '2026-11-24T04:00:00Z' }),
    'job-running': job('job-running', { state: 'running', createdAt: '2026-11-24T03:00:00Z' }),
  });
  assert.deepEqual(order, { active: ['job-queued', 'job-running'], recent: ['job-new-done', 'job-old-done'] });
});
