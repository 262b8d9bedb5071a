/**
 * The streaming archivers run inside this process (the app, `barkeep serve`,
 * `barkeep cron --daemon`): one long-running receive-wal job per server the
 * scheduler launches, a failure recorded as an event (the next pass starts it
 * again), and stopped when its server no longer wants one or the process
 * ends. The scheduler decides when to launch; this never runs two for a server.
 */
import type { ServerName } from '../../../shared/domain/names';
import type { ServerConfig } from '../config/load';
import type { Engine } from '../engine';
import { runWalReceiver } from '../wal/streaming/receiver';
import { waitForArchiverLock, wantsStreaming, type ReceiverLaunch, type ReceiverLauncher } from './receiver-launcher';

interface ArchiverEntry {
  jobId: string;
  cancel: () => void;
}

export class ArchiverSupervisor implements ReceiverLauncher {
  private readonly archivers = new Map<string, ArchiverEntry>();

  constructor(private readonly engine: Engine) {}

  /** The servers whose archiver runs in this process. */
  get running(): ServerName[] {
    return [...this.archivers.keys()] as ServerName[];
  }

  async launch(server: ServerConfig): Promise<ReceiverLaunch> {
    if (this.archivers.has(server.name)) return { ok: true, pid: process.pid, detail: 'already streaming in this process' };
    const handle = this.engine.jobs.submit({
      kind: 'receive-wal',
      server: server.name,
      title: `stream WAL of ${server.name}`,
      longRunning: true,
      run: (ctx) => runWalReceiver(server, this.engine.catalog, ctx, { lockOwner: 'app' }),
    });
    this.archivers.set(server.name, { jobId: handle.id, cancel: () => this.engine.jobs.cancel(handle.id) });
    // A failure while launching is the scheduler's to report; a later one is recorded here.
    const outcome: { failure: string | null; launched: boolean } = { failure: null, launched: false };
    const ended = handle.done.then(
      () => this.forget(server.name, handle.id),
      (error: unknown) => {
        const cancelled = error instanceof Error && 'code' in error && error.code === 'cancelled';
        outcome.failure = error instanceof Error ? error.message : String(error);
        if (!cancelled && outcome.launched) this.engine.catalog.recordEvent(server.name, 'archiver-failed', outcome.failure);
        this.forget(server.name, handle.id);
      },
    );
    const holding = await waitForArchiverLock(server, process.pid, ended);
    outcome.launched = true;
    if (holding) return { ok: true, pid: process.pid, detail: `in this process (job ${handle.id})` };
    // `ended` settled (the failure is known) or the wait ran out with the job still starting.
    return outcome.failure === null
      ? { ok: true, pid: process.pid, detail: `in this process (job ${handle.id}, not holding its lock yet)` }
      : { ok: false, detail: outcome.failure };
  }

  retain(wanted: readonly ServerConfig[]): void {
    const names = new Set(wanted.filter(wantsStreaming).map((server) => server.name as string));
    for (const [name, entry] of this.archivers) {
      if (names.has(name)) continue;
      entry.cancel();
      this.archivers.delete(name);
    }
  }

  /** Stops every archiver this supervisor started; the engine's job queue waits for them to flush and release their locks. */
  stop(): void {
    for (const entry of this.archivers.values()) entry.cancel();
    this.archivers.clear();
  }

  private forget(server: string, jobId: string): void {
    if (this.archivers.get(server)?.jobId === jobId) this.archivers.delete(server);
  }
}
