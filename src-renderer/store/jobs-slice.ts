/**
 * The jobs slice: snapshots from jobs:list and job events, cancellation, and
 * the log lines of jobs whose logs are open. Job events carry data and are
 * upserted here; a 'jobs' invalidation refetches the list.
 */
import type { JobLogLine, JobSnapshot } from '../../shared/domain/job';
import type { JobId } from '../../shared/domain/names';
import type { JobEvent } from '../../shared/ipc/events';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRun } from './coalesced-run';
import { describeError, type Problem } from './describe-error';
import { fresherSnapshot, mergeJobList, mergeLogLines } from './job-merge';

export type JobLogs =
  | { status: 'loading'; lines: JobLogLine[] }
  | { status: 'loaded'; lines: JobLogLine[] }
  | { status: 'failed'; lines: JobLogLine[]; problem: Problem };

export interface JobsSlice {
  jobsById: Record<string, JobSnapshot>;
  jobsLoaded: boolean;
  /** Only jobs whose logs someone opened; live log lines are appended to these. */
  jobLogs: Partial<Record<string, JobLogs>>;
  cancellingJobIds: Partial<Record<string, true>>;
  refreshJobs(): Promise<void>;
  receiveJobEvent(event: JobEvent): void;
  cancelJob(id: JobId): Promise<void>;
  loadJobLogs(id: JobId): Promise<void>;
}

export const createJobsSlice =
  ({ client }: StoreDeps): SliceCreator<JobsSlice> =>
  (set, get) => ({
    jobsById: {},
    jobsLoaded: false,
    jobLogs: {},
    cancellingJobIds: {},

    refreshJobs: coalescedRun(async () => {
      try {
        const listed = await client.invoke('jobs:list', {});
        set((state) => ({ jobsById: mergeJobList(state.jobsById, listed), jobsLoaded: true }));
      } catch (error) {
        get().reportError(error, 'refresh the list of jobs');
      }
    }),

    receiveJobEvent(event) {
      const { job } = event;
      set((state) => {
        const jobsById = { ...state.jobsById, [job.id]: fresherSnapshot(state.jobsById[job.id], job) };
        const logs = state.jobLogs[job.id];
        if (event.type !== 'log' || logs === undefined) return { jobsById };
        return { jobsById, jobLogs: { ...state.jobLogs, [job.id]: { ...logs, lines: [...logs.lines, event.line] } } };
      });
    },

    async cancelJob(id) {
      set((state) => ({ cancellingJobIds: { ...state.cancellingJobIds, [id]: true } }));
      try {
        const { cancelled } = await client.invoke('jobs:cancel', { jobId: id });
        if (!cancelled) {
          const title = get().jobsById[id]?.title ?? id;
          get().notify('Nothing to cancel', `${title} had already finished.`);
        }
      } catch (error) {
        get().reportError(error, 'cancel the job');
      } finally {
        set((state) => {
          const cancellingJobIds = { ...state.cancellingJobIds };
          delete cancellingJobIds[id];
          return { cancellingJobIds };
        });
      }
    },

    async loadJobLogs(id) {
      const liveLines = (): JobLogLine[] => get().jobLogs[id]?.lines ?? [];
      const setLogs = (logs: JobLogs): void => set((state) => ({ jobLogs: { ...state.jobLogs, [id]: logs } }));
      setLogs({ status: 'loading', lines: liveLines() });
      try {
        const fetched = await client.invoke('jobs:logs', { jobId: id });
        setLogs({ status: 'loaded', lines: mergeLogLines(fetched, liveLines()) });
      } catch (error) {
        const problem = describeError(error, 'read the job log');
        if (problem.code === 'unauthorized') get().failFatally(problem);
        setLogs({ status: 'failed', lines: liveLines(), problem });
      }
    },
  });
