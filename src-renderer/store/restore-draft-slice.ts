/**
 * The restore composer's slice: the draft being composed, the plan the engine
 * made of it (a reply for an older draft is dropped), the restore or drill job
 * started from it, and the outcomes of such jobs. Starting is refused by the
 * engine in its own words; the refusal stays beside the Run buttons.
 */
import type { JobId } from '../../shared/domain/names';
import type { RestoreOutcome, RestorePlanView } from '../../shared/domain/restore';
import { composePlanRequest, emptyRestoreDraft, type RestoreDraft } from './restore-draft';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { describeError, type Problem } from './describe-error';
import type { Loadable } from './server-view-slice';

export type RestorePlanState =
  | { status: 'incomplete'; missing: string }
  | { status: 'loading'; key: string; value: RestorePlanView | null }
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
  /** asks the engine for the plan of the current draft */
  planRestore(): Promise<void>;
  startRestore(): Promise<void>;
  startDrill(): Promise<void>;
  loadRestoreOutcome(jobId: JobId): Promise<void>;
  /** leaves the finished run's result, to compose another */
  clearRestoreRun(): void;
}

export const createRestoreDraftSlice =
  ({ client }: StoreDeps): SliceCreator<RestoreDraftSlice> =>
  (set, get) => {
    const currentRequest = () => composePlanRequest(get().restoreDraft);

    /** The job's queued event may have raced ahead of or behind the reply; make sure we hold it. */
    const holdJob = (jobId: JobId): void => {
      if (get().jobsById[jobId] === undefined) void get().refreshJobs();
    };

    const start = async (kind: 'restore' | 'drill'): Promise<void> => {
      const composed = currentRequest();
      if (!composed.ok) return;
      const { request } = composed;
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
        const problem = describeError(error, kind === 'drill' ? `start the drill of ${request.server}` : `start the restore of ${request.server}`);
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

      async planRestore() {
        const composed = currentRequest();
        if (!composed.ok) {
          set({ restorePlan: { status: 'incomplete', missing: composed.missing } });
          return;
        }
        const key = JSON.stringify(composed.request);
        const previous = get().restorePlan;
        if (previous.status === 'loading' && previous.key === key) return;
        set({ restorePlan: { status: 'loading', key, value: previous.status === 'loaded' || previous.status === 'loading' ? previous.value : null } });
        // Only the reply for the draft as it still is may land; an older one is dropped.
        const isCurrent = (): boolean => {
          const state = get().restorePlan;
          return state.status !== 'incomplete' && state.key === key;
        };
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

