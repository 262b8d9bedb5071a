/**
 * The scheduler: a pass over every active server — archive incoming WAL, start
 * receive-wal, a due backup, retention, due checks, a disk usage sample — with
 * every job claimed in the catalog first, so that schedulers in several
 * processes sharing it (`barkeep cron`, `cron --daemon`, serve, the app) run
 * each job once. `barkeep cron` runs one pass; the in-process forms run one at
 * start and then one at the start of every minute. Steps live in *-steps.ts.
 */
import type { Engine } from '../engine';
import type { ServerConfig } from '../config/load';
import { backupStep, retentionStep } from './backup-steps';
import { drillStep } from './drill-step';
import { checkStep, diskSampleStep } from './health-steps';
import { errorMessage, isRoutine, type JobOutcome, type PassContext } from './pass-context';
import type { ReceiverLauncher } from './receiver-launcher';
import { wantsStreaming } from './receiver-launcher';
import { floorToMinute, ScheduleClaims, type ClaimTiming, type ScheduledJobName } from './schedule-claims';
import { archiveIncomingStep, receiveWalStep } from './wal-steps';

export interface SchedulerOptions {
  /** how receive-wal starts: in this process, or as a detached process */
  receivers: ReceiverLauncher;
  /** runs before each timed pass; `cron --daemon` reads the configuration files again here */
  beforePass?: () => void;
  timing?: ClaimTiming;
}

/** A timed pass starts this long after the minute turns, so that it never judges the minute before. */
const passOffsetMs = 500;

export class Scheduler {
  readonly claims: ScheduleClaims;
  private readonly listeners = new Set<(outcome: JobOutcome) => void>();
  /** long work of earlier passes: backups and checks, with what follows them */
  private readonly pending = new Set<Promise<void>>();
  /** jobs the scheduler submitted, cancelled when it stops */
  private readonly submitted = new Set<string>();
  private passInFlight: Promise<JobOutcome[]> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private reconciling = false;
  private stopping = false;

  constructor(private readonly engine: Engine, private readonly options: SchedulerOptions) {
    this.claims = new ScheduleClaims(engine.catalog, options.timing);
  }

  onOutcome(listener: (outcome: JobOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One pass over the active servers. Resolves when its quick steps are done,
   * with the outcomes they reported; the backups and checks it started go on
   * (their outcomes follow through onOutcome; whenIdle() waits for them).
   */
  runPass(): Promise<JobOutcome[]> {
    if (this.passInFlight !== null) return this.passInFlight;
    const pass = this.passOverServers().finally(() => {
      this.passInFlight = null;
    });
    this.passInFlight = pass;
    return pass;
  }

  /** Resolves once every backup and check the scheduler started has ended (and what follows them). */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** The in-process form: a pass now, then one each minute; configuration changes start or stop archivers at once. */
  start(): void {
    this.unsubscribe = this.engine.onEvent((event) => {
      if (event.kind === 'invalidate' && event.topic === 'servers') void this.reconcileReceivers();
    });
    void this.tick();
  }

  /** Stops the timer and the in-process archivers, cancels the jobs it started and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.options.receivers.stop();
    this.cancelJobs();
    await this.passInFlight?.catch(() => undefined);
    this.cancelJobs();
    await this.whenIdle();
  }

  /** Cancels the backups and checks it started (Ctrl-C of a one-shot pass); their claims end as cancelled. */
  cancelJobs(): void {
    for (const id of this.submitted) this.engine.jobs.cancel(id);
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    try {
      this.options.beforePass?.();
    } catch {
      // The door reports its own trouble (an invalid edit of the configuration); the pass goes on with what it has.
    }
    await this.runPass().catch(() => undefined);
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.tick(), 60_000 - (Date.now() % 60_000) + passOffsetMs);
  }

  private async passOverServers(): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = [];
    const collect = this.onOutcome((outcome) => outcomes.push(outcome));
    try {
      const pass = this.newPass(new Date());
      const servers = this.engine.config.servers.filter((server) => server.active);
      this.options.receivers.retain(servers);
      for (const server of servers) await this.passOverServer(pass, server);
    } finally {
      collect();
    }
    return outcomes;
  }

  /** The steps in order; one failing never stops the next. */
  private async passOverServer(pass: PassContext, server: ServerConfig): Promise<void> {
    const steps: [ScheduledJobName, () => Promise<void> | void][] = [
      ['archive-incoming', () => archiveIncomingStep(pass, server)],
      ['receive-wal', () => receiveWalStep(pass, server)],
      ['backup', () => backupStep(pass, server)],
      ['retention', () => retentionStep(pass, server, 'pass')],
      ['check', () => checkStep(pass, server)],
      ['drill', () => drillStep(pass, server)],
      ['disk-sample', () => diskSampleStep(pass, server)],
    ];
    for (const [job, step] of steps) {
      if (this.stopping) return;
      try {
        await step();
      } catch (error) {
        pass.report({ server: server.name, job, status: 'failed', detail: errorMessage(error), due: null });
      }
    }
  }

  /** Right after a configuration change: stop archivers no longer wanted, start new ones (claimed as in a pass). */
  private async reconcileReceivers(): Promise<void> {
    if (this.reconciling || this.passInFlight !== null || this.stopping) return;
    this.reconciling = true;
    try {
      const servers = this.engine.config.servers.filter((server) => server.active);
      this.options.receivers.retain(servers);
      const pass = this.newPass(new Date());
      for (const server of servers.filter(wantsStreaming)) {
        await receiveWalStep(pass, server).catch((error: unknown) =>
          pass.report({ server: server.name, job: 'receive-wal', status: 'failed', detail: errorMessage(error), due: null }));
      }
    } finally {
      this.reconciling = false;
    }
  }

  private newPass(now: Date): PassContext {
    return {
      engine: this.engine,
      claims: this.claims,
      receivers: this.options.receivers,
      now,
      minute: floorToMinute(now),
      report: (reported) => {
        const { changedNothing: _changedNothing, ...outcome } = reported;
        this.emit({ ...outcome, routine: isRoutine(reported), at: new Date().toISOString() });
      },
      track: (work) => {
        const tracked = work.catch(() => undefined).finally(() => this.pending.delete(tracked));
        this.pending.add(tracked);
      },
      adopt: (jobId, done) => {
        this.submitted.add(jobId);
        void done.catch(() => undefined).finally(() => this.submitted.delete(jobId));
      },
    };
  }

  private emit(outcome: JobOutcome): void {
    for (const listener of this.listeners) {
      try {
        listener(outcome);
      } catch (error) {
        console.error('barkeep: a scheduler listener failed:', error);
      }
    }
  }
}
