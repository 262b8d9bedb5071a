/**
 * The job queue: every long operation runs as a job with an id, a phase, bytes
 * done and total, log lines and cancellation. Listeners (the doors) receive
 * job events; progress events are throttled, never one per chunk.
 */
import { randomUUID } from 'node:crypto';
import type { JobKind, JobLogLine, JobSnapshot } from '../../../shared/domain/job';
import { JobId, type ServerName } from '../../../shared/domain/names';
import type { JobEvent } from '../../../shared/ipc/events';
import { EngineError, toErrorPayload } from '../../../shared/errors';

export interface JobProgress {
  phase?: string;
  bytesDone?: number;
  bytesTotal?: number | null;
}

export interface JobContext {
  readonly signal: AbortSignal;
  progress(update: JobProgress): void;
  log(message: string, level?: JobLogLine['level']): void;
}

export interface JobSpec<T> {
  kind: JobKind;
  server: ServerName | null;
  title: string;
  /** runs until cancelled (an archiver): starts at once and does not take a place of the concurrency limit */
  longRunning?: boolean;
  run(ctx: JobContext): Promise<T>;
}

/** Where finished and running jobs are remembered (the catalog); optional for tests. */
export interface JobRecorder {
  saveJob(job: JobSnapshot): void;
  appendJobLog(jobId: string, line: JobLogLine): void;
}

export interface JobHandle<T> {
  readonly id: JobId;
  /** Resolves with the run's value; rejects with the run's error or a 'cancelled' EngineError. */
  readonly done: Promise<T>;
}

interface Entry {
  snapshot: JobSnapshot;
  longRunning: boolean;
  controller: AbortController;
  logs: JobLogLine[];
  start: () => void;
  reject: (error: unknown) => void;
  lastProgressAt: number;
}

const progressIntervalMs = 250;
const keptFinishedJobs = 200;

export class JobQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private running = 0;
  private readonly longRunningActive = new Set<Entry>();

  constructor(
    private readonly options: { concurrency: number; recorder?: JobRecorder } = { concurrency: 2 },
  ) {}

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  submit<T>(spec: JobSpec<T>): JobHandle<T> {
    const id = JobId.parse(randomUUID());
    const controller = new AbortController();
    let resolveDone!: (value: T) => void;
    let rejectDone!: (error: unknown) => void;
    const done = new Promise<T>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // A job nobody awaits must not crash the process with an unhandled rejection.
    done.catch(() => undefined);

    const entry: Entry = {
      snapshot: {
        id, kind: spec.kind, server: spec.server, title: spec.title, state: 'queued', phase: 'queued',
        bytesDone: 0, bytesTotal: null, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, error: null,
      },
      controller,
      longRunning: spec.longRunning === true,
      logs: [],
      lastProgressAt: 0,
      reject: (error) => rejectDone(error),
      start: () => {
        if (!entry.longRunning) this.running += 1;
        this.update(entry, { state: 'running', phase: 'starting', startedAt: new Date().toISOString() }, 'started');
        const ctx = this.contextFor(entry);
        Promise.resolve()
          .then(() => {
            controller.signal.throwIfAborted();
            return spec.run(ctx);
          })
          .then(
            (value) => {
              if (controller.signal.aborted) throw controller.signal.reason;
              this.finish(entry, 'succeeded', null);
              resolveDone(value);
            },
          )
          .catch((error: unknown) => {
            const cancelled = controller.signal.aborted;
            const failure = cancelled ? new EngineError('cancelled', `job '${spec.title}' was cancelled`) : error;
            this.finish(entry, cancelled ? 'cancelled' : 'failed', toErrorPayload(failure));
            rejectDone(failure);
          })
          .finally(() => {
            if (!entry.longRunning) this.running -= 1;
            this.longRunningActive.delete(entry);
            this.startWaiting();
          });
      },
    };
    this.entries.set(id, entry);
    this.emit({ type: 'queued', job: { ...entry.snapshot } });
    this.options.recorder?.saveJob(entry.snapshot);
    if (entry.longRunning) {
      this.longRunningActive.add(entry);
      entry.start();
    } else {
      this.waiting.push(entry);
      this.startWaiting();
    }
    return { id, done };
  }

  cancel(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) throw new EngineError('job-unknown', `no job with id '${id}'`, 'list jobs to see the current ids');
    if (entry.snapshot.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      entry.controller.abort();
      const error = new EngineError('cancelled', `job '${entry.snapshot.title}' was cancelled before it started`);
      this.finish(entry, 'cancelled', error.toPayload());
      entry.reject(error);
      return true;
    }
    if (entry.snapshot.state !== 'running') return false;
    entry.controller.abort();
    return true;
  }

  get(id: string): JobSnapshot | null {
    const entry = this.entries.get(id);
    return entry ? { ...entry.snapshot } : null;
  }

  list(): JobSnapshot[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.snapshot })).reverse();
  }

  logs(id: string): JobLogLine[] | null {
    return this.entries.get(id)?.logs.slice() ?? null;
  }

  /** Cancels every job and waits until none runs (used when a door shuts down). */
  async cancelAll(): Promise<void> {
    const pending = [...this.entries.values()].filter((entry) => entry.snapshot.state === 'queued' || entry.snapshot.state === 'running');
    for (const entry of pending) this.cancel(entry.snapshot.id);
    while (this.running > 0 || this.longRunningActive.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private startWaiting(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      this.waiting.shift()!.start();
    }
  }

  private contextFor(entry: Entry): JobContext {
    return {
      signal: entry.controller.signal,
      progress: (update) => {
        if (entry.snapshot.state !== 'running') return;
        const phaseChanged = update.phase !== undefined && update.phase !== entry.snapshot.phase;
        Object.assign(entry.snapshot, stripUndefined(update));
        const now = Date.now();
        if (phaseChanged || now - entry.lastProgressAt >= progressIntervalMs) {
          entry.lastProgressAt = now;
          this.emit({ type: 'progress', job: { ...entry.snapshot } });
          if (phaseChanged) this.options.recorder?.saveJob(entry.snapshot);
        }
      },
      log: (message, level = 'info') => {
        const line: JobLogLine = { at: new Date().toISOString(), level, message };
        entry.logs.push(line);
        this.options.recorder?.appendJobLog(entry.snapshot.id, line);
        this.emit({ type: 'log', job: { ...entry.snapshot }, line });
      },
    };
  }

  private finish(entry: Entry, state: 'succeeded' | 'failed' | 'cancelled', error: JobSnapshot['error']): void {
    const phase = state === 'succeeded' ? 'done' : state;
    this.update(entry, { state, phase, error, finishedAt: new Date().toISOString() }, state);
    this.forgetOldJobs();
  }

  private update(entry: Entry, patch: Partial<JobSnapshot>, type: 'started' | 'succeeded' | 'failed' | 'cancelled'): void {
    Object.assign(entry.snapshot, patch);
    this.options.recorder?.saveJob(entry.snapshot);
    this.emit({ type, job: { ...entry.snapshot } });
  }

  private forgetOldJobs(): void {
    const finished = [...this.entries.values()].filter((entry) => entry.snapshot.finishedAt !== null);
    for (const entry of finished.slice(0, Math.max(0, finished.length - keptFinishedJobs))) this.entries.delete(entry.snapshot.id);
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('barkeep: a job event listener failed:', error);
      }
    }
  }
}

function stripUndefined(update: JobProgress): Partial<JobSnapshot> {
  return Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined));
}
