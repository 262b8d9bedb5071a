/**
 * The Run step's rules: which button can act on the plan it stands on, and
 * what a click made while the plan of the current choices was coming does
 * once the plan state moves on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DestinationCheck, RestorePlanView } from '../../../shared/domain/restore';
import { runButtons, settleQueuedRun } from './run-readiness';

/** A plan with a destination verdict, or none; the rest of it does not matter here. */
function planWith(destination: 'ready' | 'refused' | null): RestorePlanView {
  const verdicts: Record<'ready' | 'refused', DestinationCheck> = {
    ready: { state: 'ready', folder: '/srv/r', exists: false },
    refused: { state: 'refused', error: { code: 'restore-refused', message: "the destination '/srv/r' is not empty (x)" } },
  };
  const part: Pick<RestorePlanView, 'destination' | 'settings'> = {
    destination: destination === null ? null : verdicts[destination],
    settings: destination === 'ready' ? { file: 'postgresql.auto.conf', signalFile: 'recovery.signal', originalArchiving: 'archive_mode = off', lines: [] } : null,
  };
  return part as RestorePlanView;
}

test('a restore needs an accepted destination, a drill only a plan; nothing while a run is under way', () => {
  assert.deepEqual(runButtons(null, false), { canRestore: false, canDrill: false });
  assert.deepEqual(runButtons(planWith(null), false), { canRestore: false, canDrill: true });
  assert.deepEqual(runButtons(planWith('refused'), false), { canRestore: false, canDrill: true });
  assert.deepEqual(runButtons(planWith('ready'), false), { canRestore: true, canDrill: true });
  assert.deepEqual(runButtons(planWith('ready'), true), { canRestore: false, canDrill: false });
});

test('a click made while the plan came waits for it, then goes, or gives up when the choices or the plan say no', () => {
  const restore = { kind: 'restore' as const, key: 'k1' };
  const drill = { kind: 'drill' as const, key: 'k1' };
  assert.equal(settleQueuedRun(restore, { key: 'k1', current: null, pending: true }), 'wait');
  assert.equal(settleQueuedRun(restore, { key: 'k1', current: planWith('ready'), pending: false }), 'go');
  assert.equal(settleQueuedRun(restore, { key: 'k1', current: planWith('refused'), pending: false }), 'drop', 'the new plan refuses the folder');
  assert.equal(settleQueuedRun(drill, { key: 'k1', current: planWith('refused'), pending: false }), 'go', 'a drill needs no destination');
  assert.equal(settleQueuedRun(drill, { key: 'k2', current: planWith('ready'), pending: false }), 'drop', 'the choices changed again after the click');
  assert.equal(settleQueuedRun(drill, { key: 'k1', current: null, pending: false }), 'drop', 'the plan of these choices failed');
});
