/**
 * Frames PostgreSQL backend messages straight from the socket's chunks while
 * BASE_BACKUP owns the connection: CopyData payloads are handed on as slices
 * of those chunks as they arrive (no copy, no waiting for a whole message),
 * every other message whole. A chunk may be reused once push() returns: what
 * is handed on is valid only during the call, and the part of a message cut
 * across chunks is copied. Stops after ReadyForQuery and returns what follows
 * it (a view of the chunk), for the driver's own parser. Pure framing: no meaning here.
 */

export interface WireHandlers {
  /** a complete message other than CopyData ('T', 'D', 'C', 'E', 'H', 'c', 'Z', …) */
  onMessage(type: number, body: Buffer): void;
  /** a piece of a CopyData payload; `first` and `last` mark the message's bounds */
  onCopyData(piece: Buffer, first: boolean, last: boolean): void;
}

const copyData = 0x64;
const readyForQuery = 0x5a;
const headerBytes = 5;

export class WireReader {
  private readonly header = Buffer.alloc(headerBytes);
  private headerFill = 0;
  private type = 0;
  private remaining = 0;
  private inBody = false;
  private firstPiece = true;
  private parts: Buffer[] = [];
  private stopped = false;

  constructor(private readonly handlers: WireHandlers) {}

  /**
   * Consumes a chunk; returns null while the command goes on, or the bytes
   * after ReadyForQuery (maybe empty) once it has ended. Handlers may throw:
   * the error leaves through push().
   */
  push(chunk: Buffer): Buffer | null {
    if (this.stopped) return chunk;
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.inBody) {
        const taken = Math.min(headerBytes - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + taken);
        this.headerFill += taken;
        offset += taken;
        if (this.headerFill < headerBytes) break;
        this.headerFill = 0;
        this.type = this.header[0]!;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.inBody = true;
        this.firstPiece = true;
        this.parts = [];
        if (this.remaining > 0) continue;
      }
      const taken = Math.min(this.remaining, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + taken);
      this.remaining -= taken;
      offset += taken;
      if (this.type === copyData) {
        this.handlers.onCopyData(piece, this.firstPiece, this.remaining === 0);
        this.firstPiece = false;
      } else if (taken > 0) {
        this.parts.push(this.remaining > 0 ? Buffer.from(piece) : piece);
      }
      if (this.remaining > 0) break;
      this.inBody = false;
      if (this.type !== copyData) {
        this.handlers.onMessage(this.type, this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts));
        if (this.type === readyForQuery) {
          this.stopped = true;
          return chunk.subarray(offset);
        }
      }
    }
    return null;
  }
}
