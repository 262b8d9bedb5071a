/**
 * The jobs slice: snapshots from jobs:list and job events, cancellation, and
 * the log lines of jobs whose logs are open, and the progress samples of
 * running jobs (when each event arrived: the Jobs view's throughput). Job
 * events carry data and are upserted here; a 'jobs' invalidation refetches the list.
 */
import { isTerminal, type JobLogLine, type JobSnapshot } from '../../shared/domain/job';
import type { JobId } from '../../shared/domain/names';
import type { JobEvent } from '../../shared/ipc/events';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRun } from './coalesced-run';
import { describeError, type Problem } from './describe-error';
import { fresherSnapshot, mergeJobList, mergeLogLines } from './job-merge';
import { appendProgressSample, type ProgressSample } from './progress-samples';

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
  /** Running jobs' progress as this window received it, over a sliding window; dropped when a job finishes. */
  jobProgressSamples: Partial<Record<string, ProgressSample[]>>;
  refreshJobs(): Promise<void>;
  /** `receivedAt` is when the event arrived (ms), for throughput; defaults to now. */
  receiveJobEvent(event: JobEvent, receivedAt?: number): void;
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
    jobProgressSamples: {},

    refreshJobs: coalescedRun(async () => {
      try {
        const listed = await client.invoke('jobs:list', {});
        set((state) => ({ jobsById: mergeJobList(state.jobsById, listed), jobsLoaded: true }));
      } catch (error) {
        get().reportError(error, 'refresh the list of jobs');
      }
    }),

    receiveJobEvent(event, receivedAt = Date.now()) {
      const { job } = event;
      set((state) => {
        const jobsById = { ...state.jobsById, [job.id]: fresherSnapshot(state.jobsById[job.id], job) };
        const jobProgressSamples = nextProgressSamples(state.jobProgressSamples, event, receivedAt);
        const logs = state.jobLogs[job.id];
        if (event.type !== 'log' || logs === undefined) return { jobsById, jobProgressSamples };
        return { jobsById, jobProgressSamples, jobLogs: { ...state.jobLogs, [job.id]: { ...logs, lines: [...logs.lines, event.line] } } };
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

/** Progress and start events add a sample; a finished job's samples go. Other events leave the map as it is. */
function nextProgressSamples(
  held: Partial<Record<string, ProgressSample[]>>,
  event: JobEvent,
  at: number,
): Partial<Record<string, ProgressSample[]>> {
  const { job } = event;
  if (isTerminal(job.state)) {
    if (held[job.id] === undefined) return held;
    const rest = { ...held };
    delete rest[job.id];
    return rest;
  }
  if (event.type !== 'progress' && event.type !== 'started') return held;
  return { ...held, [job.id]: appendProgressSample(held[job.id] ?? [], { at, bytes: job.bytesDone, phase: job.phase }) };
}
