/**
 * Unit tests for collapsing bursts of refetches into one run in flight and
 * one queued behind it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalescedRun, coalescedRunByKey } from './coalesced-run';

function deferredRuns() {
  const pending: Array<() => void> = [];
  let started = 0;
  const run = () =>
    new Promise<void>((resolve) => {
      started += 1;
      pending.push(resolve);
    });
  return { run, pending, started: () => started };
}

test('calls during a run start exactly one more run, after it', async () => {
  const runs = deferredRuns();
  const refresh = coalescedRun(runs.run);
  const first = refresh();
  const second = refresh();
  const third = refresh();
  assert.equal(second, third);
  assert.equal(runs.started(), 1);

  runs.pending.shift()?.();
  await first;
  await Promise.resolve();
  assert.equal(runs.started(), 2);

  runs.pending.shift()?.();
  await second;
  assert.equal(runs.started(), 2);
});

test('a failed run does not stop the queued one', async () => {
  let calls = 0;
  const refresh = coalescedRun(async () => {
    calls += 1;
    if (calls === 1) throw new Error('first run fails');
  });
  const first = refresh();
  const second = refresh();
  await assert.rejects(first);
  await second;
  assert.equal(calls, 2);
});

test('keyed runs coalesce per key and never wait on another key', async () => {
  const started: string[] = [];
  const pending = new Map<string, Array<() => void>>();
  const refresh = coalescedRunByKey((key) => new Promise<void>((resolve) => {
    started.push(key);
    pending.set(key, [...(pending.get(key) ?? []), resolve]);
  }));
  const a1 = refresh('a');
  refresh('a');
  refresh('a');
  const b1 = refresh('b');
  // One run of a in flight (one more queued behind it), and b started at once.
  assert.deepEqual(started, ['a', 'b']);
  pending.get('b')!.shift()!();
  await b1;
  pending.get('a')!.shift()!();
  await a1;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(started, ['a', 'b', 'a'], 'the calls made while a ran became one more run of a');
});
