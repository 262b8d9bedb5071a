/**
 * The jobs slice records when each progress event of a running job arrived,
 * per phase, and forgets a job's samples once it finished: what the Jobs
 * view's throughput is measured from. Hand-made snapshots, times given.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobSnapshot } from '../../shared/domain/job';
import { JobId, ServerName } from '../../shared/domain/names';
import { createClient } from '../../shared/ipc/client';
import { measureThroughput } from '../features/jobs/job-throughput';
import { createBarkeepStore } from './barkeep-store';

const MiB = 1024 ** 2;
const id = JobId.parse('0f6b1c2d-aaaa-4bbb-8ccc-123456789abc');

function snapshot(state: JobSnapshot['state'], phase: string, bytesDone: number): JobSnapshot {
  return {
    id, kind: 'backup', server: ServerName.parse('pg'), title: 'backup pg', state, phase, bytesDone, bytesTotal: 40 * MiB,
    createdAt: '2026-11-24T10:00:00.000Z', startedAt: '2026-11-24T10:00:00.000Z', finishedAt: state === 'succeeded' ? '2026-11-24T10:00:20.000Z' : null, error: null,
  };
}

test('progress samples per phase while a job runs, none once it finished', () => {
  const client = createClient({ call: async () => ({ ok: false, error: { code: 'internal', message: 'unused' } }), subscribe: () => () => undefined });
  const store = createBarkeepStore({ client, transportKind: 'http' });
  const receive = store.getState().receiveJobEvent;

  receive({ type: 'started', job: snapshot('running', 'starting', 0) }, 1_000);
  receive({ type: 'progress', job: snapshot('running', 'copying', MiB) }, 2_000);
  receive({ type: 'progress', job: snapshot('running', 'copying', 3 * MiB) }, 3_000);
  // The new phase started the window over: the 'starting' sample is gone.
  assert.deepEqual(store.getState().jobProgressSamples[id], [
    { at: 2_000, bytes: MiB, phase: 'copying' },
    { at: 3_000, bytes: 3 * MiB, phase: 'copying' },
  ]);
  const held = store.getState().jobProgressSamples;
  receive({ type: 'log', job: snapshot('running', 'copying', 3 * MiB), line: { at: '2026-11-24T10:00:03.000Z', level: 'info', message: 'x' } }, 3_500);
  assert.equal(store.getState().jobProgressSamples, held, 'a log event adds no sample');
  // 2 MiB in one second.
  assert.deepEqual(measureThroughput(store.getState().jobProgressSamples[id]!, 3_200), { kind: 'rate', bytesPerSecond: 2 * MiB });

  receive({ type: 'succeeded', job: snapshot('succeeded', 'done', 40 * MiB) }, 20_000);
  assert.equal(store.getState().jobProgressSamples[id], undefined);
});
