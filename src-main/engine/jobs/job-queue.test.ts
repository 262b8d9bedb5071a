import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobEvent } from '../../../shared/ipc/events';
import { EngineError } from '../../../shared/errors';
import { JobQueue } from './job-queue';

function recordEvents(queue: JobQueue): JobEvent[] {
  const events: JobEvent[] = [];
  queue.onEvent((event) => events.push(event));
  return events;
}

test('a job runs through queued, started, progress, log and succeeded', async () => {
  const queue = new JobQueue({ concurrency: 1 });
  const events = recordEvents(queue);
  const handle = queue.submit({
    kind: 'backup', server: null, title: 'copy files',
    run: async (ctx) => {
      ctx.progress({ phase: 'copying', bytesDone: 0, bytesTotal: 100 });
      ctx.log('copying base files');
      ctx.progress({ bytesDone: 100 });
      return 42;
    },
  });
  assert.equal(await handle.done, 42);
  assert.deepEqual(events.map((event) => event.type), ['queued', 'started', 'progress', 'log', 'succeeded']);
  const finished = queue.get(handle.id);
  assert.equal(finished?.state, 'succeeded');
  assert.equal(finished?.bytesDone, 100, 'the last progress is kept even when throttled');
  assert.equal(finished?.bytesTotal, 100);
  assert.deepEqual(queue.logs(handle.id)?.map((line) => line.message), ['copying base files']);
});

test('cancelling a running job aborts its signal and ends it cancelled', async () => {
  const queue = new JobQueue({ concurrency: 1 });
  let sawAbort = false;
  const handle = queue.submit({
    kind: 'backup', server: null, title: 'long copy',
    run: async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => { sawAbort = true; resolve(); }));
      ctx.signal.throwIfAborted();
    },
  });
  await sleep(10);
  assert.equal(queue.cancel(handle.id), true);
  await assert.rejects(handle.done, (error: unknown) => error instanceof EngineError && error.code === 'cancelled');
  assert.equal(sawAbort, true);
  assert.equal(queue.get(handle.id)?.state, 'cancelled');
  assert.equal(queue.get(handle.id)?.error?.code, 'cancelled');
});

test('a job that ignores its signal still ends cancelled, not succeeded', async () => {
  const queue = new JobQueue({ concurrency: 1 });
  const handle = queue.submit({ kind: 'check', server: null, title: 'stubborn', run: async () => { await sleep(30); return 'done'; } });
  await sleep(5);
  queue.cancel(handle.id);
  await assert.rejects(handle.done);
  assert.equal(queue.get(handle.id)?.state, 'cancelled');
});

test('concurrency is respected and a queued job can be cancelled before it starts', async () => {
  const queue = new JobQueue({ concurrency: 1 });
  const order: string[] = [];
  let release!: () => void;
  const first = queue.submit({ kind: 'backup', server: null, title: 'first', run: async () => { order.push('first'); await new Promise<void>((r) => { release = r; }); } });
  const second = queue.submit({ kind: 'backup', server: null, title: 'second', run: async () => { order.push('second'); } });
  const third = queue.submit({ kind: 'backup', server: null, title: 'third', run: async () => { order.push('third'); } });
  await sleep(5);
  assert.equal(queue.get(second.id)?.state, 'queued');
  queue.cancel(second.id);
  await assert.rejects(second.done);
  release();
  await first.done;
  await third.done;
  assert.deepEqual(order, ['first', 'third']);
  assert.equal(queue.get(second.id)?.state, 'cancelled');
  assert.equal(queue.get(second.id)?.startedAt, null);
});

test('a failing job carries the error code and hint', async () => {
  const queue = new JobQueue({ concurrency: 2 });
  const handle = queue.submit({ kind: 'check', server: null, title: 'check', run: async () => { throw new EngineError('postgres-unreachable', 'unable to connect', 'start the server'); } });
  await assert.rejects(handle.done);
  assert.deepEqual(queue.get(handle.id)?.error, { code: 'postgres-unreachable', message: 'unable to connect', hint: 'start the server' });
});

test('cancelling an unknown job is a clear error', () => {
  const queue = new JobQueue({ concurrency: 1 });
  assert.throws(() => queue.cancel('no-such-job'), /no job with id 'no-such-job'/);
});

test('a long-running job (an archiver) does not hold a place of the concurrency limit', async () => {
  const queue = new JobQueue({ concurrency: 1 });
  const archiver = queue.submit({
    kind: 'receive-wal', server: null, title: 'archiver', longRunning: true,
    run: (ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve())),
  });
  const backup = queue.submit({ kind: 'backup', server: null, title: 'backup', run: async () => 'done' });
  assert.equal(await backup.done, 'done');
  assert.equal(queue.get(archiver.id)?.state, 'running');
  await queue.cancelAll();
  assert.equal(queue.get(archiver.id)?.state, 'cancelled');
});
