/**
 * The restore composer's slice: the draft being composed, the plan the engine
 * made of it (a reply to an older request is dropped; while a new plan comes,
 * the last one stays, marked with the choices it was made for), the restore
 * or drill job started from it, and the outcomes of such jobs. A run starts
 * only from a plan of the choices as they are; the engine refuses in its own
 * words, and the refusal stays beside the Run buttons.
 */
import type { JobId } from '../../shared/domain/names';
import type { RestoreOutcome, RestorePlanView } from '../../shared/domain/restore';
import { composePlanRequest, emptyRestoreDraft, planKeyOf, planKeyOfRequest, type RestoreDraft } from './restore-draft';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { describeError, type Problem } from './describe-error';
import type { Loadable } from './server-view-slice';

export type RestorePlanState =
  | { status: 'incomplete'; missing: string }
  /** `value` is the last plan, made for the choices keyed `valueKey` (null: none, or one a run has made out of date) */
  | { status: 'loading'; key: string; value: RestorePlanView | null; valueKey: string | null }
  | { status: 'loaded'; key: string; value: RestorePlanView }
  | { status: 'failed'; key: string; problem: Problem };

export interface RestoreRun {
  kind: 'restore' | 'drill';
  jobId: JobId;
  /** the folder (and host) it writes into, for the result's words; null for a drill */
  dest: string | null;
}

export interface RestoreDraftSlice {
  restoreDraft: RestoreDraft;
  restorePlan: RestorePlanState;
  restoreRun: RestoreRun | null;
  restoreStarting: 'restore' | 'drill' | null;
  restoreStartProblem: Problem | null;
  restoreOutcomes: Partial<Record<string, Loadable<RestoreOutcome>>>;
  updateRestoreDraft(patch: Partial<RestoreDraft>): void;
  /**
   * Asks the engine for the plan of the current draft. `afterRun`: a run has
   * changed the destination since the last plan, which no longer counts as
   * the plan of these choices.
   */
  planRestore(options?: { afterRun?: boolean }): Promise<void>;
  startRestore(): Promise<void>;
  startDrill(): Promise<void>;
  loadRestoreOutcome(jobId: JobId): Promise<void>;
  /** leaves the finished run's result, to compose another */
  clearRestoreRun(): void;
}

/** The plan made for the choices exactly as they are now (a refresh of it may be under way), else null. */
export function selectCurrentPlan(state: RestoreDraftSlice): RestorePlanView | null {
  const key = planKeyOf(state.restoreDraft);
  const plan = state.restorePlan;
  if (key === null) return null;
  if (plan.status === 'loaded') return plan.key === key ? plan.value : null;
  if (plan.status === 'loading') return plan.valueKey === key ? plan.value : null;
  return null;
}

/** The newest plan there is to show: the current one, or one made for earlier choices while the current one comes. */
export function selectShownPlan(state: RestoreDraftSlice): RestorePlanView | null {
  const plan = state.restorePlan;
  return plan.status === 'loaded' || plan.status === 'loading' ? plan.value : null;
}

/** A plan for the choices as they are now is still to come: asked for, or about to be. */
export function selectPlanPending(state: RestoreDraftSlice): boolean {
  const key = planKeyOf(state.restoreDraft);
  const plan = state.restorePlan;
  if (key === null || selectCurrentPlan(state) !== null) return false;
  return !(plan.status === 'failed' && plan.key === key);
}

/**
 * The plan the Run buttons stand on: the current plan, or while it comes, the
 * last plan made for other choices, so the buttons do not blink at each edit
 * (a click then waits for the current plan). A plan a run has made out of
 * date stands for nothing.
 */
export function selectRunBasis(state: RestoreDraftSlice): RestorePlanView | null {
  const current = selectCurrentPlan(state);
  if (current !== null || !selectPlanPending(state)) return current;
  const plan = state.restorePlan;
  if (plan.status === 'loaded') return plan.value;
  return plan.status === 'loading' && plan.valueKey !== null ? plan.value : null;
}

export const createRestoreDraftSlice =
  ({ client }: StoreDeps): SliceCreator<RestoreDraftSlice> =>
  (set, get) => {
    const currentRequest = () => composePlanRequest(get().restoreDraft);
    /** Numbers plan requests: only the reply to the newest may land. */
    let planSequence = 0;

    /** The job's queued event may have raced ahead of or behind the reply; make sure we hold it. */
    const holdJob = (jobId: JobId): void => {
      if (get().jobsById[jobId] === undefined) void get().refreshJobs();
    };

    const start = async (kind: 'restore' | 'drill'): Promise<void> => {
      const composed = currentRequest();
      if (!composed.ok) return;
      const { request } = composed;
      const action = kind === 'drill' ? `start the drill of ${request.server}` : `start the restore of ${request.server}`;
      // What runs is what the plan shown describes: never the plan of other choices.
      if (selectCurrentPlan(get()) === null) {
        set({
          restoreStartProblem: {
            title: `Could not ${action}`, code: 'restore-refused',
            message: `the ${kind} of ${request.server} as composed now has no plan yet`, hint: 'wait until the plan step shows these choices, then run again',
          },
        });
        return;
      }
      set({ restoreStarting: kind, restoreStartProblem: null });
      try {
        let run: RestoreRun;
        if (kind === 'drill') {
          const { jobId } = await client.invoke('restore:drill', {
            server: request.server, backup: request.backup, target: request.target, timeline: request.timeline, action: request.action, exclusive: request.exclusive,
          });
          run = { kind, jobId, dest: null };
        } else {
          if (request.destination === null) return;
          const { jobId } = await client.invoke('restore:start', { ...request, destination: request.destination });
          run = { kind, jobId, dest: request.destination.path };
        }
        set({ restoreRun: run });
        holdJob(run.jobId);
      } catch (error) {
        const problem = describeError(error, action);
        if (problem.code === 'unauthorized') get().failFatally(problem);
        set({ restoreStartProblem: problem });
      } finally {
        set({ restoreStarting: null });
      }
    };

    return {
      restoreDraft: emptyRestoreDraft,
      restorePlan: { status: 'incomplete', missing: 'Choose the server to restore.' },
      restoreRun: null,
      restoreStarting: null,
      restoreStartProblem: null,
      restoreOutcomes: {},

      updateRestoreDraft(patch) {
        set((state) => ({ restoreDraft: { ...state.restoreDraft, ...patch }, restoreStartProblem: null }));
      },

      async planRestore(options = {}) {
        const composed = currentRequest();
        if (!composed.ok) {
          planSequence += 1;
          set({ restorePlan: { status: 'incomplete', missing: composed.missing } });
          return;
        }
        const key = planKeyOfRequest(composed.request);
        const previous = get().restorePlan;
        if (previous.status === 'loading' && previous.key === key && options.afterRun !== true) return;
        // The last plan stays on show while the new one comes, filed under the choices it was made for.
        const last: { value: RestorePlanView | null; valueKey: string | null } = previous.status === 'loaded' ? { value: previous.value, valueKey: previous.key }
          : previous.status === 'loading' ? { value: previous.value, valueKey: previous.valueKey }
            : { value: null, valueKey: null };
        set({ restorePlan: { status: 'loading', key, value: last.value, valueKey: options.afterRun === true ? null : last.valueKey } });
        // Only the reply to the newest request may land; an older one (other choices, or the same asked again) is dropped.
        const sequence = ++planSequence;
        const isCurrent = (): boolean => sequence === planSequence;
        try {
          const value = await client.invoke('restore:plan', composed.request);
          if (isCurrent()) set({ restorePlan: { status: 'loaded', key, value } });
        } catch (error) {
          const problem = describeError(error, `plan the restore of ${composed.request.server}`);
          if (problem.code === 'unauthorized') get().failFatally(problem);
          if (isCurrent()) set({ restorePlan: { status: 'failed', key, problem } });
        }
      },

      startRestore: () => start('restore'),
      startDrill: () => start('drill'),

      async loadRestoreOutcome(jobId) {
        const write = (value: Loadable<RestoreOutcome>): void => set((state) => ({ restoreOutcomes: { ...state.restoreOutcomes, [jobId]: value } }));
        write({ status: 'loading', value: null });
        try {
          write({ status: 'loaded', value: await client.invoke('restore:outcome', { jobId }) });
        } catch (error) {
          const problem = describeError(error, 'read the result');
          if (problem.code === 'unauthorized') get().failFatally(problem);
          write({ status: 'failed', value: null, problem });
        }
      },

      clearRestoreRun() {
        set({ restoreRun: null, restoreStartProblem: null });
        void get().planRestore();
      },
    };
  };

