/**
 * Keeps WAL flowing while the app or `barkeep serve` runs: one streaming
 * archiver job per active server with streaming_archiver = on (restarted after a
 * failure, left alone while another process holds its lock), and a periodic
 * pass over incoming/ for servers with archiver = on. It follows configuration
 * changes; it never runs two archivers for one server.
 */
import type { ServerConfig } from '../config/load';
import type { Engine } from '../engine';
import { readArchiverLock } from '../wal/archiver-lock';
import { processIncoming } from '../wal/incoming';
import { runWalReceiver } from '../wal/streaming/receiver';

export interface SupervisorOptions {
  /** how often incoming/ is archived and failed archivers are retried */
  intervalMs: number;
  /** wait after an archiver failed before it is started again */
  retryAfterMs: number;
}

interface ArchiverEntry {
  jobId: string;
  cancel: () => void;
}

export class ArchiverSupervisor {
  private readonly archivers = new Map<string, ArchiverEntry>();
  private readonly failedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private intakeRunning = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: SupervisorOptions = { intervalMs: 30_000, retryAfterMs: 60_000 },
  ) {}

  start(): void {
    this.reconcile();
    this.unsubscribe = this.engine.onEvent((event) => {
      if (event.kind === 'invalidate' && event.topic === 'servers') this.reconcile();
    });
    this.timer = setInterval(() => {
      this.reconcile();
      void this.archiveIncoming();
    }, this.options.intervalMs);
    this.timer.unref();
    void this.archiveIncoming();
  }

  /** Stops every archiver this supervisor started; the engine's job queue waits for them. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const entry of this.archivers.values()) entry.cancel();
    this.archivers.clear();
  }

  /** Starts the archivers that should run and stops those whose server no longer wants one. */
  reconcile(): void {
    const wanted = new Map(this.engine.config.servers.filter(wantsStreaming).map((server) => [server.name as string, server]));
    for (const [name, entry] of this.archivers) {
      if (!wanted.has(name)) {
        entry.cancel();
        this.archivers.delete(name);
      }
    }
    for (const server of wanted.values()) {
      if (this.archivers.has(server.name)) continue;
      const failed = this.failedAt.get(server.name);
      if (failed !== undefined && Date.now() - failed < this.options.retryAfterMs) continue;
      // `barkeep receive-wal` (or another app) already streams this server: leave it be.
      if (readArchiverLock(server.backupDirectory) !== null) continue;
      this.startArchiver(server);
    }
  }

  private startArchiver(server: ServerConfig): void {
    const handle = this.engine.jobs.submit({
      kind: 'receive-wal',
      server: server.name,
      title: `stream WAL of ${server.name}`,
      longRunning: true,
      run: (ctx) => runWalReceiver(server, this.engine.catalog, ctx, { lockOwner: 'app' }),
    });
    this.archivers.set(server.name, { jobId: handle.id, cancel: () => this.engine.jobs.cancel(handle.id) });
    handle.done.then(
      () => this.forget(server.name, handle.id, false),
      (error: unknown) => {
        const cancelled = error instanceof Error && 'code' in error && error.code === 'cancelled';
        if (!cancelled) {
          this.engine.catalog.recordEvent(server.name, 'archiver-failed', error instanceof Error ? error.message : String(error));
        }
        this.forget(server.name, handle.id, !cancelled);
      },
    );
  }

  private forget(server: string, jobId: string, failed: boolean): void {
    if (this.archivers.get(server)?.jobId === jobId) this.archivers.delete(server);
    if (failed) this.failedAt.set(server, Date.now());
    else this.failedAt.delete(server);
  }

  private async archiveIncoming(): Promise<void> {
    if (this.intakeRunning) return;
    this.intakeRunning = true;
    try {
      for (const server of this.engine.config.servers.filter((candidate) => candidate.active && candidate.archiver)) {
        try {
          const report = await processIncoming(server, this.engine.catalog);
          if (report.files.length > 0) this.engine.invalidate('wal', server.name);
          for (const file of report.files.filter((result) => result.message !== null)) {
            this.engine.catalog.recordEvent(server.name, `wal-${file.outcome}`, file.message!);
          }
        } catch (error) {
          this.engine.catalog.recordEvent(server.name, 'archiver-failed', error instanceof Error ? error.message : String(error));
        }
      }
    } finally {
      this.intakeRunning = false;
    }
  }
}

function wantsStreaming(server: ServerConfig): boolean {
  return server.active && server.streamingArchiver && server.slotName !== null;
}
