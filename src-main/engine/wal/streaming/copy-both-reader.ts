/**
 * Reads START_REPLICATION's CopyBoth stream straight from socket chunks: WAL
 * of XLogData messages comes out as views of the chunk (no reassembly copy, no
 * per-message buffers), valid only during onMessage (the chunk may be a reused
 * read buffer), keepalives as events. Nothing of a chunk is kept after push(). At the first message it does not
 * own (CopyDone, an error, a result) it hands the rest of the bytes back to
 * pg's own parser. Pure: no socket, no pg; replication-stream.ts wires it.
 */
import { EngineError } from '../../../../shared/errors';

export type ReplicationMessage =
  /** WAL starting at `start`: a whole XLogData message's payload, or a piece of one (a view: copy what is kept) */
  | { kind: 'xlog'; start: bigint; data: Buffer }
  | { kind: 'keepalive'; walEnd: bigint; replyRequested: boolean };

export interface CopyBothReaderHandlers {
  onMessage(message: ReplicationMessage): void;
  /** `rest` starts with a message this reader does not handle: pg's parser takes everything from there on */
  onHandOver(rest: Buffer): void;
}

const copyData = 0x64; // 'd'
const copyBothResponse = 0x57; // 'W'
const noticeResponse = 0x4e; // 'N'
const parameterStatus = 0x53; // 'S'
const xlogData = 0x77; // 'w'
const keepalive = 0x6b; // 'k'
const xlogHeaderBytes = 25;
const keepaliveBytes = 18;

type State = 'type' | 'length' | 'subheader' | 'wal' | 'skip' | 'handed-over';

export class CopyBothReader {
  private state: State = 'type';
  private type = 0;
  /** the length word, then the XLogData or keepalive header, gathered across chunks */
  private readonly header = Buffer.alloc(xlogHeaderBytes);
  private headerFill = 0;
  /** bytes of the current message body not consumed yet */
  private remaining = 0;
  private walPosition = 0n;

  constructor(private readonly handlers: CopyBothReaderHandlers) {}

  /** Consumes a chunk; returns false once the rest of the stream belongs to pg (feed no more). */
  push(chunk: Buffer): boolean {
    let index = 0;
    while (index < chunk.length) {
      switch (this.state) {
        case 'type': {
          const type = chunk[index]!;
          if (type !== copyData && type !== copyBothResponse && type !== noticeResponse && type !== parameterStatus) {
            this.state = 'handed-over';
            this.handlers.onHandOver(chunk.subarray(index));
            return false;
          }
          this.type = type;
          this.headerFill = 0;
          this.state = 'length';
          index += 1;
          break;
        }
        case 'length': {
          index = this.gather(chunk, index, 4);
          if (this.headerFill < 4) break;
          this.remaining = this.header.readUInt32BE(0) - 4;
          this.headerFill = 0;
          this.state = this.type === copyData ? 'subheader' : 'skip';
          break;
        }
        case 'subheader': {
          const needed = this.headerFill === 0 ? 1 : this.header[0] === xlogData ? xlogHeaderBytes : this.header[0] === keepalive ? keepaliveBytes : 0;
          if (needed === 0) throw new EngineError('archiver-failed', `unexpected replication message type 0x${this.header[0]!.toString(16)}`);
          if (needed > this.remaining) throw new EngineError('archiver-failed', `a replication message of ${this.remaining} bytes is too short`);
          index = this.gather(chunk, index, needed);
          if (this.headerFill < needed || needed === 1) break;
          this.remaining -= needed;
          if (this.header[0] === xlogData) {
            this.walPosition = this.header.readBigUInt64BE(1);
            this.state = this.remaining > 0 ? 'wal' : 'type';
          } else {
            this.state = this.remaining > 0 ? 'skip' : 'type';
            this.handlers.onMessage({ kind: 'keepalive', walEnd: this.header.readBigUInt64BE(1), replyRequested: this.header[17] === 1 });
          }
          break;
        }
        case 'wal': {
          const count = Math.min(this.remaining, chunk.length - index);
          const start = this.walPosition;
          this.walPosition += BigInt(count);
          this.remaining -= count;
          if (this.remaining === 0) this.state = 'type';
          this.handlers.onMessage({ kind: 'xlog', start, data: chunk.subarray(index, index + count) });
          index += count;
          break;
        }
        case 'skip': {
          const count = Math.min(this.remaining, chunk.length - index);
          this.remaining -= count;
          index += count;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
        case 'handed-over':
          throw new Error('CopyBothReader.push after the stream was handed over');
      }
    }
    return this.state !== 'handed-over';
  }

  /** Copies header bytes until `needed` are gathered (the subheader keeps the first byte it gathered). */
  private gather(chunk: Buffer, index: number, needed: number): number {
    const count = Math.min(needed - this.headerFill, chunk.length - index);
    chunk.copy(this.header, this.headerFill, index, index + count);
    this.headerFill += count;
    return index + count;
  }
}
