/**
 * One START_REPLICATION for one timeline: feeds WAL to the segment writer
 * (pausing the socket while its fsyncs lag), answers keepalives, fsyncs every
 * second, reports only flushed positions, detects a silent peer, and ends on the
 * timeline's end, `until` or the abort signal (final fsync and status first).
 * Reconnecting is the receiver's job.
 */
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import { startPhysicalReplication, type PhysicalStream, type TimelineEnd } from './replication-stream';
import { formatLsn } from '../lsn';
import type { SegmentWriter } from './segment-writer';

export interface TimelineStreamParams {
  client: pg.Client;
  slot: string;
  timeline: number;
  /** a segment boundary */
  start: bigint;
  writer: SegmentWriter;
  /** end once everything before this LSN is flushed; null streams on */
  until: bigint | null;
  signal: AbortSignal;
  /** after each XLogData message was taken (synchronously: keep it cheap) */
  onData(bytes: number): void;
  timing?: Partial<StreamTiming>;
}

export interface StreamTiming {
  /** fsync cadence while data arrives */
  syncIntervalMs: number;
  /** a status update at least this often, even when nothing moved */
  statusIntervalMs: number;
  /** silence after which the status update asks the server for a reply */
  pingAfterMs: number;
  /** silence after which the connection counts as lost */
  deadAfterMs: number;
  /** how long a stop waits for the server to end the command */
  endTimeoutMs: number;
}

export type TimelineStreamOutcome =
  | { kind: 'timeline-end'; next: TimelineEnd }
  | { kind: 'stopped' }
  | { kind: 'until-reached' };

const defaultTiming: StreamTiming = {
  syncIntervalMs: 1_000, statusIntervalMs: 10_000, pingAfterMs: 10_000, deadAfterMs: 60_000, endTimeoutMs: 10_000,
};

export async function streamTimeline(params: TimelineStreamParams): Promise<TimelineStreamOutcome> {
  const timing = { ...defaultTiming, ...params.timing };
  const { writer, until } = params;
  writer.begin(params.timeline, params.start);
  if (until !== null && writer.flushed >= until) return { kind: 'until-reached' };

  let stopping: 'stopped' | 'until-reached' | null = null;
  let failure: Error | null = null;
  let lastStatusAt = 0;
  let reportedFlush = -1n;
  let lastReceivedAt = Date.now();
  let stream: PhysicalStream | null = null;

  const fail = (error: unknown): void => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    stream?.abort(failure);
  };
  const sendStatus = (replyRequested: boolean): void => {
    if (!stream || failure) return;
    stream.sendStatus({ flushed: writer.flushed, replyRequested });
    lastStatusAt = Date.now();
    reportedFlush = writer.flushed;
  };
  /** Ignores further WAL, flushes what was taken, reports it, then sends CopyDone. */
  const stop = (kind: 'stopped' | 'until-reached'): void => {
    if (stopping || !stream) return;
    stopping = kind;
    const current = stream;
    current.resume();
    writer.requestSync();
    writer.drain().then(() => {
      sendStatus(false);
      current.end();
      setTimeout(() => current.abort(new EngineError('postgres-unreachable', 'the server did not end the replication stream')), timing.endTimeoutMs).unref();
    }, fail);
  };

  writer.attach({
    onFlushed: (flushed) => {
      if (stopping) return;
      if (until !== null && flushed >= until) stop('until-reached');
      else sendStatus(false);
    },
    onDrained: () => stream?.resume(),
    onFailure: fail,
  });
  stream = startPhysicalReplication(params.client, { slot: params.slot, start: params.start, timeline: params.timeline }, (message) => {
    lastReceivedAt = Date.now();
    if (message.kind === 'keepalive') {
      if (message.replyRequested && !stopping) sendStatus(false);
      return;
    }
    // After a stop the server may still send what was in flight: not ours to keep.
    if (stopping) return;
    writer.append(message.start, message.data);
    params.onData(message.data.length);
    if (until !== null && writer.position >= until) stop('until-reached');
    else if (writer.backlogged) stream?.pause();
  });

  const onAbort = (): void => stop('stopped');
  params.signal.addEventListener('abort', onAbort, { once: true });
  if (params.signal.aborted) stop('stopped');
  const ticker = setInterval(() => {
    if (stopping || !stream) return;
    try {
      if (writer.dirty) writer.requestSync();
      const now = Date.now();
      const silentFor = now - lastReceivedAt;
      if (silentFor >= timing.deadAfterMs && !writer.backlogged) {
        fail(new EngineError('postgres-unreachable', `no message from the server for ${Math.round(silentFor / 1000)} s`));
        return;
      }
      if (writer.flushed !== reportedFlush || now - lastStatusAt >= timing.statusIntervalMs) sendStatus(silentFor >= timing.pingAfterMs);
    } catch (error) {
      fail(error);
    }
  }, Math.min(timing.syncIntervalMs, timing.statusIntervalMs));

  try {
    const next = await stream.ended;
    if (failure) throw failure;
    if (stopping) return { kind: stopping };
    if (next === null) {
      throw new EngineError('postgres-unreachable', `the server ended the replication stream at ${formatLsn(writer.position)} without a timeline switch`);
    }
    return { kind: 'timeline-end', next };
  } catch (error) {
    // A stop flushes everything taken (the receiver waits for it): a connection that dies meanwhile loses nothing.
    const recorded = failure as Error | null;
    const writeFailed = recorded !== null && !(recorded instanceof EngineError && recorded.code === 'postgres-unreachable');
    if (stopping && !writeFailed) return { kind: stopping };
    throw recorded ?? error;
  } finally {
    clearInterval(ticker);
    params.signal.removeEventListener('abort', onAbort);
    writer.attach(null);
  }
}
