/**
 * START_REPLICATION SLOT s PHYSICAL lsn TIMELINE n on a pg walsender session:
 * takes the socket's bytes from pg for the CopyBoth phase (copy-both-reader.ts;
 * pg's own parser is the fallback), sends standby status updates, ends the copy,
 * and reads the next timeline the server names when a timeline ends. Speaks the
 * protocol only: what to write where is the session's and the writer's job.
 */
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import { takeReads, type DataEventSource } from '../../postgres/read-buffer-socket';
import { formatLsn, parseLsn } from '../lsn';
import { CopyBothReader, type ReplicationMessage } from './copy-both-reader';

export type { ReplicationMessage } from './copy-both-reader';

/** What the server says when it ends a timeline: stream `timeline` from `start` next. */
export interface TimelineEnd {
  timeline: number;
  start: bigint;
}

export interface StandbyStatus {
  /** written and flushed: Barkeep reports only what is on disk, for both */
  flushed: bigint;
  replyRequested: boolean;
}

export interface PhysicalStream {
  /** Settles once the command is over: the next timeline when the server ended one, null when we ended the stream. */
  readonly ended: Promise<TimelineEnd | null>;
  sendStatus(status: StandbyStatus): void;
  /** Sends CopyDone; the server answers with its own and ends the command. */
  end(): void;
  /** Drops the connection at once (a dead peer, or a failure in onMessage). */
  abort(reason: Error): void;
  /** Stops reading the socket (the server blocks once the socket buffers fill) until resume(). */
  pause(): void;
  resume(): void;
}

interface PgConnection {
  stream: DataEventSource & { destroy(): void; pause(): void; resume(): void; emit(event: 'data', chunk: Buffer): boolean };
  on(event: string, listener: (msg: { chunk: Buffer }) => void): void;
  off(event: string, listener: (msg: { chunk: Buffer }) => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const slotNamePattern = /^[a-z0-9_]{1,63}$/;
/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
const postgresEpochMicros = 946_684_800_000_000n;

/**
 * Starts streaming. Every WAL piece and keepalive goes to onMessage in arrival
 * order, synchronously: while it runs no more is read from the socket, and
 * pause() holds reading for longer. A WAL piece's data is valid only during
 * the call (it may be a view of the socket's reused read buffer): copy it. A throw from onMessage drops the
 * connection and rejects `ended` with that error.
 */
export function startPhysicalReplication(
  client: pg.Client,
  params: { slot: string; start: bigint; timeline: number },
  onMessage: (message: ReplicationMessage) => void,
): PhysicalStream {
  if (!slotNamePattern.test(params.slot)) throw new EngineError('slot-failed', `'${params.slot}' is not a valid replication slot name`);
  const connection = (client as unknown as { connection: PgConnection }).connection;
  const socket = connection.stream;
  let sentCopyDone = false;
  let failure: Error | null = null;
  const abort = (reason: Error): void => {
    failure ??= reason;
    socket.destroy();
  };
  const deliver = (message: ReplicationMessage): void => {
    if (failure) return;
    try {
      onMessage(message);
    } catch (error) {
      abort(error instanceof Error ? error : new Error(String(error)));
    }
  };

  // The CopyBoth phase reads the socket directly (a read-buffer socket's reads diverted, or its 'data'
  // events taken); pg gets the bytes back at the first message it must see.
  let giveBackReads: (() => void) | null = null;
  const handBack = (rest: Buffer | null): void => {
    if (!giveBackReads) return;
    giveBackReads();
    giveBackReads = null;
    // pg's parser may keep what it is given, and a diverted read's bytes do not stay: a copy.
    if (rest && rest.length > 0) socket.emit('data', Buffer.from(rest));
  };
  if (socket.listeners('data').length === 1) {
    const reader = new CopyBothReader({ onMessage: deliver, onHandOver: handBack });
    giveBackReads = takeReads(socket, (chunk) => {
      if (failure) return;
      try {
        reader.push(chunk);
      } catch (error) {
        abort(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }
  // Fallback and after a hand-back: pg parses, and CopyData arrives as whole messages.
  const onCopyData = (msg: { chunk: Buffer }): void => {
    if (failure) return;
    try {
      const message = parseReplicationMessage(msg.chunk);
      if (message) deliver(message);
    } catch (error) {
      abort(error instanceof Error ? error : new Error(String(error)));
    }
  };
  const onCopyDone = (): void => {
    // The server ended the timeline; both sides must send CopyDone before it answers.
    if (!sentCopyDone) {
      sentCopyDone = true;
      connection.endCopyFrom();
    }
  };
  connection.on('copyData', onCopyData);
  connection.on('copyDone', onCopyDone);

  const query = client.query(`START_REPLICATION SLOT ${params.slot} PHYSICAL ${formatLsn(params.start)} TIMELINE ${Math.trunc(params.timeline)}`);
  const ended = query.then(
    (result) => {
      if (failure) throw failure;
      return readTimelineEnd(result as unknown as pg.QueryResult | pg.QueryResult[]);
    },
    (error: unknown) => {
      throw failure ?? error;
    },
  ).finally(() => {
    handBack(null);
    connection.off('copyData', onCopyData);
    connection.off('copyDone', onCopyDone);
  });
  return {
    ended,
    sendStatus: (status) => connection.sendCopyFromChunk(encodeStandbyStatus(status, Date.now())),
    end: () => {
      if (sentCopyDone) return;
      sentCopyDone = true;
      connection.endCopyFrom();
    },
    abort,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}

/** A whole XLogData ('w') or primary keepalive ('k') message, as pg's parser delivers CopyData. */
export function parseReplicationMessage(chunk: Buffer): ReplicationMessage | null {
  const kind = chunk[0];
  if (kind === 0x77) {
    if (chunk.length < 25) throw new EngineError('archiver-failed', `an XLogData message of ${chunk.length} bytes is too short`);
    return { kind: 'xlog', start: chunk.readBigUInt64BE(1), data: chunk.subarray(25) };
  }
  if (kind === 0x6b) {
    if (chunk.length < 18) throw new EngineError('archiver-failed', `a keepalive message of ${chunk.length} bytes is too short`);
    return { kind: 'keepalive', walEnd: chunk.readBigUInt64BE(1), replyRequested: chunk[17] === 1 };
  }
  throw new EngineError('archiver-failed', `unexpected replication message type 0x${(kind ?? 0).toString(16)}`);
}

/** The 34-byte standby status update ('r'): written, flushed, applied (unknown: 0), clock, reply flag. */
export function encodeStandbyStatus(status: StandbyStatus, nowMillis: number): Buffer {
  const message = Buffer.alloc(34);
  message[0] = 0x72;
  message.writeBigUInt64BE(status.flushed, 1);
  message.writeBigUInt64BE(status.flushed, 9);
  message.writeBigUInt64BE(0n, 17);
  message.writeBigInt64BE(BigInt(nowMillis) * 1000n - postgresEpochMicros, 25);
  message[33] = status.replyRequested ? 1 : 0;
  return message;
}

function readTimelineEnd(result: pg.QueryResult | pg.QueryResult[]): TimelineEnd | null {
  const results = Array.isArray(result) ? result : [result];
  for (const part of results) {
    const row = part.rows[0] as { next_tli?: string | number; next_tli_startpos?: string } | undefined;
    if (row?.next_tli !== undefined && row.next_tli_startpos !== undefined) {
      return { timeline: Number(row.next_tli), start: parseLsn(row.next_tli_startpos) };
    }
  }
  return null;
}
