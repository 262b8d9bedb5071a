/**
 * The streaming archiver of one server (`runWalReceiver`), as a job any door
 * runs: holds the archiver lock, connects and reconnects with backoff, and
 * streams timeline after timeline until cancelled or `until`. Set-up per
 * connection in connection-setup.ts, the stream in stream-session.ts, files in
 * segment-writer.ts and segment-archive.ts.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import type { Catalog } from '../../catalog/catalog';
import type { ServerConfig } from '../../config/load';
import type { JobContext } from '../../jobs/job-queue';
import { connectPostgres } from '../../postgres/connect';
import { errorText, isConnectionLoss } from '../../postgres/replication';
import { acquireArchiverLock, type ArchiverOwner } from '../archiver-lock';
import { floorToSegment, formatLsn, formatSegmentName, segmentNumberOf } from '../lsn';
import { prepareStreaming } from './connection-setup';
import { removeResetMarker } from './local-state';
import { archiveStreamedSegment, setFileAside } from './segment-archive';
import { SegmentWriter } from './segment-writer';
import { streamTimeline, type StreamTiming } from './stream-session';
import { archiveTimelineHistory } from './timeline-history';

export interface WalReceiverOptions {
  /** Return once everything before this LSN is fsynced (archived when it ends a segment); null streams until cancelled. */
  until?: bigint | null;
  /** Reconnect delays, doubling from initialMs up to maxMs (default 1 s to 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  timing?: Partial<StreamTiming>;
  /** who holds the archiver lock: a dedicated `receive-wal` process (default) or the app / serve host */
  lockOwner?: ArchiverOwner;
}

export interface WalReceiverReport {
  endedBy: 'cancelled' | 'until';
  segmentsArchived: number;
  bytesReceived: number;
  /** the last position reported to the server as flushed */
  flushedLsn: string | null;
}

interface ReceiverRun {
  server: ServerConfig;
  slot: string;
  catalog: Catalog | null;
  ctx: JobContext;
  options: WalReceiverOptions;
  report: WalReceiverReport;
  /** true once the current connection streamed WAL: the next failure starts the backoff over */
  streamedSinceConnect: boolean;
  lastProgressAt: number;
}

/** Streams WAL of `server` into its archive until ctx.signal aborts or options.until is reached. */
export async function runWalReceiver(server: ServerConfig, catalog: Catalog | null, ctx: JobContext, options: WalReceiverOptions = {}): Promise<WalReceiverReport> {
  const slot = requireStreamingSetup(server);
  const lock = acquireArchiverLock(server.name, server.backupDirectory, options.lockOwner ?? 'receive-wal');
  const run: ReceiverRun = {
    server, slot, catalog, ctx, options, streamedSinceConnect: false, lastProgressAt: 0,
    report: { endedBy: 'cancelled', segmentsArchived: 0, bytesReceived: 0, flushedLsn: null },
  };
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  try {
    mkdirSync(server.streamingWalsDirectory, { recursive: true, mode: 0o700 });
    ctx.progress({ phase: 'connecting', bytesDone: 0, bytesTotal: null });
    for (let failures = 0; !ctx.signal.aborted;) {
      try {
        run.streamedSinceConnect = false;
        const ended = await streamOneConnection(run);
        if (ended === 'until-reached') run.report.endedBy = 'until';
        return run.report;
      } catch (error) {
        if (ctx.signal.aborted) break;
        if (!isConnectionLoss(error)) throw error;
        failures = run.streamedSinceConnect ? 1 : failures + 1;
        const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
        ctx.log(`replication connection to server '${server.name}' failed: ${errorText(error)}; reconnecting in ${formatSeconds(delayMs)} (attempt ${failures})`, 'warn');
        ctx.progress({ phase: 'reconnecting' });
        await sleep(delayMs, ctx.signal);
      }
    }
    return run.report;
  } finally {
    lock.release();
  }
}

/** The slot the archiver streams from; refuses a server not set up for streaming. */
export function requireStreamingSetup(server: ServerConfig): string {
  if (!server.streamingArchiver) {
    throw new EngineError('archiver-failed', `streaming_archiver is off for server '${server.name}'`, `set streaming_archiver = on in ${server.file}`);
  }
  if (server.slotName === null) {
    throw new EngineError('slot-failed', `server '${server.name}' has no slot_name`,
      `set slot_name (e.g. slot_name = barkeep) in ${server.file}: without a slot the server may remove WAL before it is archived`);
  }
  return server.slotName;
}

async function streamOneConnection(run: ReceiverRun): Promise<'stopped' | 'until-reached'> {
  const { server, ctx } = run;
  const client = await connectPostgres(server.streamingConninfo ?? server.conninfo, {
    replication: true, readBuffer: true, signal: ctx.signal, applicationName: server.streamingArchiverName,
  });
  try {
    const { segmentSize, archiver, slotName, start, resetPending } = await prepareStreaming(run, client);
    const { target } = archiver;

    const writer = new SegmentWriter({
      folder: server.streamingWalsDirectory,
      segmentSize,
      // Each segment in flight holds a segment-sized buffer: keep few of the big ones.
      maxInFlight: segmentSize <= 64 * 1024 * 1024 ? 2 : 1,
      // Uncompressed segments are linked into the archive: their bytes are not needed again.
      retainData: archiver.target.compression !== 'none',
      completeSegment: (segment) => {
        const outcome = archiveStreamedSegment(archiver, { ...segment, size: segmentSize });
        run.report.segmentsArchived += 1;
        ctx.log(`archived ${segment.name}${outcome.outcome === 'duplicate' ? ' (already archived)' : ''}`);
      },
    });
    let resetMarkerPending = resetPending;
    const onData = (bytes: number): void => {
      run.report.bytesReceived += bytes;
      run.streamedSinceConnect = true;
      if (resetMarkerPending) {
        // A partial file of the new position exists now: later starts resume it.
        removeResetMarker(server.streamingWalsDirectory);
        resetMarkerPending = false;
      }
      reportProgress(run, writer, false);
    };
    let timeline = start.timeline;
    let position = start.lsn;
    try {
      for (;;) {
        ctx.progress({ phase: `streaming ${formatSegmentName(timeline, segmentNumberOf(position, segmentSize), segmentSize)}` });
        const outcome = await streamTimeline({
          client, slot: slotName, timeline, start: position, writer, until: run.options.until ?? null, signal: ctx.signal, onData, timing: run.options.timing,
        });
        if (outcome.kind !== 'timeline-end') {
          reportProgress(run, writer, true);
          return outcome.kind;
        }
        // The old timeline's last segment stays partial; pg_receivewal keeps it too, but out of the way of resuming.
        const partial = await writer.close();
        if (partial) {
          const kept = setFileAside(partial, server.errorsDirectory, path.basename(partial));
          ctx.log(`timeline ${timeline} ended at ${formatLsn(outcome.next.start)}; its last, partial segment is kept in '${kept}'`);
        }
        await archiveTimelineHistory(client, outcome.next.timeline, target, run.catalog);
        ctx.log(`continuing on timeline ${outcome.next.timeline} from ${formatLsn(outcome.next.start)}`);
        timeline = outcome.next.timeline;
        position = floorToSegment(outcome.next.start, segmentSize);
      }
    } finally {
      await closeWriter(writer);
      run.report.flushedLsn = formatLsn(writer.flushed);
    }
  } catch (error) {
    throw describeStreamingError(server, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Server refusals that a retry cannot fix get their own message; connection losses pass through for the retry loop. */
function describeStreamingError(server: ServerConfig, error: unknown): unknown {
  if (error instanceof EngineError || isConnectionLoss(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '58P01') {
    return new EngineError('archiver-failed', `server '${server.name}' no longer has the WAL receive-wal needs: ${errorText(error)}`,
      `the archive has a gap from here: take a new backup, then run \`barkeep receive-wal --reset ${server.name}\` to stream from the slot's position`, { cause: error });
  }
  return new EngineError('archiver-failed', `streaming WAL from server '${server.name}' failed: ${errorText(error)}`, undefined, { cause: error });
}

/** Flushes and closes the open partial file; after a failure, only releases it (what was fsynced stays). */
async function closeWriter(writer: SegmentWriter): Promise<void> {
  try {
    await writer.close();
  } catch {
    writer.discard();
  }
}

function reportProgress(run: ReceiverRun, writer: SegmentWriter, force: boolean): void {
  const now = Date.now();
  if (!force && now - run.lastProgressAt < 200) return;
  run.lastProgressAt = now;
  run.ctx.progress({ phase: `streaming ${writer.currentSegmentName}`, bytesDone: run.report.bytesReceived });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
