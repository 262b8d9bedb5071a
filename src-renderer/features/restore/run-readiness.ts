/**
 * The Run step's rules, pure: which button can act on the plan it stands on,
 * and what a click made while the plan of the current choices was still
 * coming does once the plan state moves on. A run only ever starts from the
 * plan of the choices shown; the click waits for it rather than the buttons
 * blinking off and on at each edit.
 */
import type { RestorePlanView } from '../../../shared/domain/restore';

export type RunKind = 'restore' | 'drill';

/** A click on Restore… or the drill, made for the choices keyed `key`, waiting for their plan. */
export interface QueuedRun {
  kind: RunKind;
  key: string;
}

/** A restore needs a destination the engine has not refused, and the settings it will write there. */
export function destinationAccepted(plan: RestorePlanView): boolean {
  return plan.destination !== null && plan.destination.state !== 'refused' && plan.settings !== null;
}

/** `basis`: the plan the buttons stand on (selectRunBasis); `busy`: a run, or its start, is under way. */
export function runButtons(basis: RestorePlanView | null, busy: boolean): { canRestore: boolean; canDrill: boolean } {
  return {
    canRestore: basis !== null && !busy && destinationAccepted(basis),
    canDrill: basis !== null && !busy,
  };
}

/**
 * What a queued click does now: `go` (open the restore's confirmation, or
 * start the drill) once the plan of its choices is there and allows it;
 * `drop` when the choices changed again or their plan refuses; else `wait`.
 */
export function settleQueuedRun(
  queued: QueuedRun,
  now: { key: string | null; current: RestorePlanView | null; pending: boolean },
): 'wait' | 'drop' | 'go' {
  if (now.key !== queued.key) return 'drop';
  if (now.current !== null) return queued.kind === 'drill' || destinationAccepted(now.current) ? 'go' : 'drop';
  return now.pending ? 'wait' : 'drop';
}
