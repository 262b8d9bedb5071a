/**
 * The restore composer's slice against the real contract client over an
 * in-memory door: the plan of the draft as it is now (an older reply is
 * dropped), which plan Run stands on while a new one comes and that a run
 * starts only from the plan of the choices shown, a start refused in the
 * engine's words and kept beside Run, a drill that sends no destination, and
 * the outcome of a finished job.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RestorePlanView } from '../../shared/domain/restore';
import type { ErrorPayload } from '../../shared/errors';
import { createClient } from '../../shared/ipc/client';
import type { ChannelName } from '../../shared/ipc/contract';
import type { RendererTransport } from '../app/transport/renderer-transport';
import { createBarkeepStore } from './barkeep-store';
import { selectCurrentPlan, selectPlanPending, selectRunBasis, selectShownPlan } from './restore-draft-slice';

type Handler = (input: unknown) => unknown;

function memoryDoor(handlers: Partial<Record<ChannelName, Handler>>) {
  const calls: Array<{ channel: string; input: unknown }> = [];
  const transport: RendererTransport = {
    kind: 'http',
    async call(channel, input) {
      calls.push({ channel, input });
      const handler = handlers[channel];
      if (handler === undefined) return { ok: false, error: { code: 'internal', message: `no handler for ${channel}` } };
      try {
        return { ok: true, value: await handler(input) };
      } catch (error) {
        return { ok: false, error: error as ErrorPayload };
      }
    },
    subscribe: () => () => undefined,
    onConnection: () => () => undefined,
  };
  return { store: createBarkeepStore({ client: createClient(transport), transportKind: 'http' }), calls };
}

function planView(targetDescription: string): RestorePlanView {
  return {
    server: 'pg' as RestorePlanView['server'],
    backup: { backupId: '20261124T030000', name: null, beginTime: '2026-11-24T03:00:00Z', endTime: '2026-11-24T03:01:00Z', endLsn: '0/2000100', timeline: 1, sizeBytes: 100, tablespaces: [], chosen: false },
    targetKind: 'xid', targetDescription, targetTimeText: null, targetTimeline: 1,
    wal: { segments: 1, first: '000000010000000000000002', last: '000000010000000000000002', historyFiles: [] },
    dataBytes: 100, walBytes: 16, bytesToCopy: 116, throughput: { bytesPerSecond: 1000, source: 'assumed', basis: 'default' }, estimatedSeconds: 1,
    warnings: [], destination: null, settings: null, commandLine: null, drillCommandLine: 'barkeep drill pg',
  };
}

test('the plan of an incomplete draft says what is missing, and asks nothing', async () => {
  const door = memoryDoor({});
  await door.store.getState().planRestore();
  assert.deepEqual(door.store.getState().restorePlan, { status: 'incomplete', missing: 'Choose the server to restore.' });
  assert.deepEqual(door.calls, []);
});

test('only the reply for the draft as it is now lands; an older, slower one is dropped', async () => {
  const replies: Array<(view: RestorePlanView) => void> = [];
  const door = memoryDoor({ 'restore:plan': () => new Promise((resolve) => replies.push(resolve)) });
  const state = () => door.store.getState();
  state().updateRestoreDraft({ server: 'pg', targetKind: 'xid', xid: '100' });
  const first = state().planRestore();
  state().updateRestoreDraft({ xid: '200' });
  const second = state().planRestore();
  assert.equal(replies.length, 2);
  replies[1]!(planView('transaction 200'));
  await second;
  replies[0]!(planView('transaction 100'));
  await first;
  const plan = state().restorePlan;
  assert.equal(plan.status, 'loaded');
  assert.equal(plan.status === 'loaded' ? plan.value.targetDescription : null, 'transaction 200');
  assert.deepEqual((door.calls[1]!.input as { target: unknown }).target, { kind: 'xid', xid: '200' });
});

test('a refused start is kept beside Run in the engine\'s words; a drill sends no destination; the outcome is read once', async () => {
  const refusal = { code: 'restore-refused', message: "the destination '/srv/x' is not empty (keep-me)", hint: 'restore into an empty or new folder' };
  const door = memoryDoor({
    'restore:plan': () => planView('transaction 100'),
    'restore:start': () => { throw refusal; },
    'restore:drill': () => ({ jobId: 'drill-000001' }),
    'jobs:list': () => [],
    'restore:outcome': () => ({
      kind: 'drill', server: 'pg', ok: true, backupId: '20261124T030000', target: 'transaction 100', durationSeconds: 2, copiedBytes: 116, walSegments: 1,
      reachedState: 'promoted', reachedLsn: '0/3000000', reachedTime: null, timeline: 2, validation: [{ database: 'postgres', query: 'select 1 as ok', rows: [{ ok: 1 }] }], error: null,
    }),
  });
  const state = () => door.store.getState();
  state().updateRestoreDraft({ server: 'pg', targetKind: 'xid', xid: '100', folder: '/srv/x' });
  await state().planRestore();
  await state().startRestore();
  assert.deepEqual(state().restoreStartProblem, { title: 'Could not start the restore of pg', ...refusal });
  assert.equal(state().restoreRun, null);
  // Changing the draft clears the refusal: it was about the draft as it was.
  state().updateRestoreDraft({ folder: '/srv/y' });
  assert.equal(state().restoreStartProblem, null);

  await state().planRestore();
  await state().startDrill();
  const drillCall = door.calls.find((call) => call.channel === 'restore:drill')!;
  assert.deepEqual(drillCall.input, { server: 'pg', backup: null, target: { kind: 'xid', xid: '100' }, timeline: 'latest', action: 'pause', exclusive: false });
  assert.deepEqual(state().restoreRun, { kind: 'drill', jobId: 'drill-000001', dest: null });
  await state().loadRestoreOutcome(state().restoreRun!.jobId);
  const outcome = state().restoreOutcomes['drill-000001'];
  assert.equal(outcome?.status, 'loaded');
  assert.equal(outcome?.status === 'loaded' && outcome.value.kind === 'drill' ? outcome.value.validation[0]!.rows[0]!.ok : null, 1);
});

test('Run stands on the last plan while a new one comes, but a run starts only from the plan of the choices shown', async () => {
  const replies: Array<(view: RestorePlanView) => void> = [];
  const door = memoryDoor({
    'restore:plan': () => new Promise((resolve) => replies.push(resolve)),
    'restore:drill': () => ({ jobId: 'drill-000002' }),
    'jobs:list': () => [],
  });
  const state = () => door.store.getState();
  const drillCalls = () => door.calls.filter((call) => call.channel === 'restore:drill');
  state().updateRestoreDraft({ server: 'pg', targetKind: 'xid', xid: '100' });

  // No plan yet: nothing to stand on, and a start is refused without asking the engine.
  assert.equal(selectRunBasis(state()), null);
  await state().startDrill();
  assert.equal(state().restoreStartProblem?.message, 'the drill of pg as composed now has no plan yet');
  assert.equal(drillCalls().length, 0);

  const first = state().planRestore();
  assert.equal(selectPlanPending(state()), true);
  replies[0]!(planView('transaction 100'));
  await first;
  const plan100 = selectCurrentPlan(state());
  assert.equal(plan100?.targetDescription, 'transaction 100');

  // The same choices asked again (a refresh): their plan stays current all along.
  const refresh = state().planRestore();
  assert.equal(state().restorePlan.status, 'loading');
  assert.equal(selectCurrentPlan(state()), plan100);
  assert.equal(selectPlanPending(state()), false);
  replies[1]!(planView('transaction 100'));
  await refresh;

  // Changed choices: from the edit on, before the plan is even asked for, the plan of 100 is not theirs;
  // the buttons stand on it, but a start is refused.
  state().updateRestoreDraft({ xid: '200' });
  assert.equal(selectCurrentPlan(state()), null);
  assert.equal(selectPlanPending(state()), true);
  assert.equal(selectRunBasis(state())?.targetDescription, 'transaction 100');
  await state().startDrill();
  assert.equal(drillCalls().length, 0, 'no drill from the plan of other choices');
  const second = state().planRestore();
  assert.equal(selectRunBasis(state())?.targetDescription, 'transaction 100', 'still while it is asked for');
  replies[2]!(planView('transaction 200'));
  await second;
  assert.equal(selectCurrentPlan(state())?.targetDescription, 'transaction 200');
  await state().startDrill();
  assert.equal(drillCalls().length, 1);
  assert.deepEqual((drillCalls()[0]!.input as { target: unknown }).target, { kind: 'xid', xid: '200' });

  // After a run the last plan is still shown, but stands for nothing until the new one lands.
  const afterRun = state().planRestore({ afterRun: true });
  assert.equal(selectShownPlan(state())?.targetDescription, 'transaction 200');
  assert.equal(selectCurrentPlan(state()), null);
  assert.equal(selectRunBasis(state()), null);
  replies[3]!(planView('transaction 200, again'));
  await afterRun;
  assert.equal(selectCurrentPlan(state())?.targetDescription, 'transaction 200, again');
});
