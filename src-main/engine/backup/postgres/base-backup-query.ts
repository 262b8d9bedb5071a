/**
 * BASE_BACKUP on a walsender session, as a custom query object handed to
 * `client.query()` (the mechanism pg-cursor and pg-copy-streams use). While
 * the command runs it reads the socket itself (wire-reader.ts), diverting the
 * reads of a read-buffer socket (read-buffer-socket.ts) or else taking its
 * 'data' events: archive bytes reach the handlers as views of what was read,
 * valid only during the call, and pausing the socket holds the server back.
 * At ReadyForQuery the driver's parser gets the socket back. PostgreSQL 15+
 * sends one CopyOut of typed messages; 13–14 one raw CopyOut per tablespace, then the manifest.
 */
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import { takeReads, type DataEventSource } from '../../postgres/read-buffer-socket';
import { WireReader } from './wire-reader';

export interface ResultSet {
  fields: string[];
  rows: (string | null)[][];
}

export interface BaseBackupHandlers {
  /** a new archive: 'base.tar' (location null) or '<oid>.tar' for the tablespace at `location` */
  onArchive(name: string, location: string | null): void;
  /** archive bytes: a view of the socket's read, valid only during the call (copy what must be kept) */
  onArchiveData(chunk: Buffer): void;
  /** the same, for the manifest's bytes */
  onManifestData(chunk: Buffer): void;
  /** the server's count of bytes sent (15+ only) */
  onServerProgress(bytes: number): void;
}

export type CopyProtocol = 'typed-messages' | 'copy-per-tablespace';

type DataListener = (chunk: Buffer) => void;

interface PgConnection {
  stream: DataEventSource & { pause(): void; resume(): void; destroy(): void; emit(event: 'data', chunk: Buffer): boolean };
  query(text: string): void;
  emit(event: 'readyForQuery', message: { name: 'readyForQuery'; length: number; status: string }): boolean;
}

const messageType = { rowDescription: 0x54, dataRow: 0x44, commandComplete: 0x43, error: 0x45, copyOut: 0x48, readyForQuery: 0x5a } as const;
const copyKind = { data: 0x64, newArchive: 0x6e, progress: 0x70, manifest: 0x6d } as const;

export class BaseBackupQuery implements pg.Submittable {
  readonly done: Promise<ResultSet[]>;
  private resolveDone!: (sets: ResultSet[]) => void;
  private rejectDone!: (error: Error) => void;
  private readonly resultSets: ResultSet[] = [];
  private current: ResultSet | null = null;
  private connection: PgConnection | null = null;
  /** gives the socket's reads back to the driver */
  private giveBackReads: (() => void) | null = null;
  private failure: Error | null = null;
  private serverError: Error | null = null;
  private settled = false;
  private inManifest = false;
  private copyOutCount = 0;
  /** the kind byte of the typed CopyData message being read, and the parts of a small one */
  private kind = 0;
  private smallParts: Buffer[] = [];
  private readonly reader: WireReader;
  private readonly onSocketData: DataListener = (chunk) => this.readSocket(chunk);

  constructor(
    private readonly text: string,
    private readonly protocol: CopyProtocol,
    private readonly handlers: BaseBackupHandlers,
  ) {
    this.done = new Promise<ResultSet[]>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // The caller awaits `done`; an early failure must not surface as unhandled first.
    this.done.catch(() => undefined);
    this.reader = new WireReader({
      onMessage: (type, body) => this.handleMessage(type, body),
      onCopyData: (piece, first, last) => this.handleCopyData(piece, first, last),
    });
  }

  /** the result sets complete so far (the tablespace list is there once the first archive begins) */
  get results(): readonly ResultSet[] {
    return this.resultSets;
  }

  submit(connection: pg.Connection): void {
    this.connection = connection as unknown as PgConnection;
    // Between commands the driver's parser holds no bytes: taking the socket's data here loses nothing.
    const stream = this.connection.stream;
    this.giveBackReads = takeReads(stream, this.onSocketData);
    this.connection.query(this.text);
  }

  /** Stops reading the socket (the disk lags); TCP then holds the server back. */
  pause(): void {
    this.connection?.stream.pause();
  }

  resume(): void {
    this.connection?.stream.resume();
  }

  /** Ends the command at once: the connection is dropped and `done` rejects with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    if (this.connection) this.connection.stream.destroy();
    else this.settle(error);
  }

  /** Called by the driver when the connection breaks while the command runs. */
  handleError(error: Error): void {
    this.settle(this.failure ?? error);
  }

  /** Called by the driver once it has the socket back and saw our ReadyForQuery. */
  handleReadyForQuery(): void {
    this.settle(this.failure ?? this.serverError);
  }

  private readSocket(chunk: Buffer): void {
    if (this.failure) return;
    let rest: Buffer | null;
    try {
      rest = this.reader.push(chunk);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (rest === null || !this.connection) return;
    // ReadyForQuery: the socket goes back to the driver, which ends the query (handleReadyForQuery).
    const stream = this.connection.stream;
    this.giveBackReads?.();
    this.giveBackReads = null;
    this.connection.emit('readyForQuery', { name: 'readyForQuery', length: 5, status: 'I' });
    // The driver's parser may keep what it is given: a copy, not a view of the socket's read.
    if (rest.length > 0) stream.emit('data', Buffer.from(rest));
  }

  private handleMessage(type: number, body: Buffer): void {
    switch (type) {
      case messageType.rowDescription:
        this.current = { fields: readRowDescription(body), rows: [] };
        break;
      case messageType.dataRow:
        this.current?.rows.push(readDataRow(body));
        break;
      case messageType.commandComplete:
        if (this.current) this.resultSets.push(this.current);
        this.current = null;
        break;
      case messageType.error:
        this.serverError ??= readErrorResponse(body);
        break;
      case messageType.copyOut:
        this.beginCopyOut();
        break;
      default:
        // CopyDone, notices, parameter status: nothing to do.
        break;
    }
  }

  private handleCopyData(piece: Buffer, first: boolean, last: boolean): void {
    if (this.protocol === 'copy-per-tablespace') {
      if (this.inManifest) this.handlers.onManifestData(piece);
      else this.handlers.onArchiveData(piece);
      return;
    }
    let data = piece;
    if (first) {
      this.kind = piece[0] ?? 0;
      data = piece.subarray(1);
      this.smallParts = [];
    }
    if (this.kind === copyKind.data) {
      if (data.length > 0) {
        if (this.inManifest) this.handlers.onManifestData(data);
        else this.handlers.onArchiveData(data);
      }
      return;
    }
    // A message cut across reads is kept: copied, as the read's bytes do not stay.
    this.smallParts.push(last ? data : Buffer.from(data));
    if (last) this.dispatchSmall(this.smallParts.length === 1 ? this.smallParts[0]! : Buffer.concat(this.smallParts));
  }

  /** 'n' new archive, 'p' progress, 'm' manifest follows. */
  private dispatchSmall(body: Buffer): void {
    if (this.kind === copyKind.newArchive) {
      const nameEnd = body.indexOf(0);
      const locationEnd = body.indexOf(0, nameEnd + 1);
      if (nameEnd === -1 || locationEnd === -1) throw protocolError('a new-archive message is truncated');
      const location = body.toString('utf8', nameEnd + 1, locationEnd);
      this.handlers.onArchive(body.toString('utf8', 0, nameEnd), location === '' ? null : location);
    } else if (this.kind === copyKind.progress) {
      if (body.length < 8) throw protocolError('a progress message is truncated');
      this.handlers.onServerProgress(Number(body.readBigInt64BE(0)));
    } else if (this.kind === copyKind.manifest) {
      this.inManifest = true;
    } else {
      throw protocolError(`unknown message type 0x${this.kind.toString(16)} in the backup stream`);
    }
  }

  /** 13–14: the n-th CopyOut is the n-th tablespace of the second result set; one more is the manifest. */
  private beginCopyOut(): void {
    if (this.protocol !== 'copy-per-tablespace') return;
    const row = (this.resultSets[1]?.rows ?? [])[this.copyOutCount];
    this.copyOutCount += 1;
    if (row === undefined) {
      this.inManifest = true;
      return;
    }
    const oid = row[0] ?? null;
    this.handlers.onArchive(oid === null ? 'base.tar' : `${oid}.tar`, row[1] ?? null);
  }

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.rejectDone(error);
    else this.resolveDone(this.resultSets);
  }
}

function readRowDescription(body: Buffer): string[] {
  const count = body.readInt16BE(0);
  const names: string[] = [];
  let offset = 2;
  for (let index = 0; index < count; index += 1) {
    const end = body.indexOf(0, offset);
    names.push(body.toString('utf8', offset, end));
    offset = end + 1 + 18;
  }
  return names;
}

function readDataRow(body: Buffer): (string | null)[] {
  const count = body.readInt16BE(0);
  const values: (string | null)[] = [];
  let offset = 2;
  for (let index = 0; index < count; index += 1) {
    const length = body.readInt32BE(offset);
    offset += 4;
    values.push(length < 0 ? null : body.toString('utf8', offset, offset + length));
    offset += Math.max(length, 0);
  }
  return values;
}

/** An ErrorResponse as an Error with pg's field names (code = SQLSTATE, severity, detail, hint). */
function readErrorResponse(body: Buffer): Error {
  const fields: Record<string, string> = {};
  for (let offset = 0; offset < body.length && body[offset] !== 0;) {
    const end = body.indexOf(0, offset + 1);
    fields[String.fromCharCode(body[offset]!)] = body.toString('utf8', offset + 1, end);
    offset = end + 1;
  }
  return Object.assign(new Error(fields.M ?? 'the server reported an error'), {
    code: fields.C, severity: fields.V ?? fields.S, detail: fields.D, hint: fields.H,
  });
}

function protocolError(message: string): EngineError {
  return new EngineError('backup-failed', message, 'check that the server runs a PostgreSQL version Barkeep supports (13 or later)');
}
