/**
 * A streaming tar reader for BASE_BACKUP archives: ustar headers (with prefix),
 * pax ('x') and GNU ('L', 'K') long names and link targets, base-256 sizes,
 * symlinks. Chunks go in as they arrive; entries and their data come out to a
 * sink as slices of those chunks, never copied. PostgreSQL sends no
 * end-of-archive blocks, so none are needed.
 */
import { EngineError } from '../../../../shared/errors';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** relative, '/'-separated, without './' or a trailing '/' */
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  mtime: Date;
  linkTarget: string | null;
}

/** onEntry, then (files only) onData with exactly `size` bytes in total, then onEntryEnd. */
export interface TarSink {
  onEntry(entry: TarEntry): void;
  /** a slice of a pushed chunk: valid as long as the producer leaves that chunk alone */
  onData(chunk: Buffer): void;
  onEntryEnd(): void;
}

const blockSize = 512;
type State = 'header' | 'data' | 'meta' | 'skip' | 'ended';

interface PendingNames {
  path?: string;
  linkTarget?: string;
  size?: number;
  mtime?: number;
}

export class TarReader {
  private state: State = 'header';
  private readonly header = Buffer.alloc(blockSize);
  private headerFill = 0;
  /** bytes of the current entry's data (or skipped/meta bytes) still to come */
  private remaining = 0;
  /** padding after the current entry's data */
  private padding = 0;
  private meta: { kind: 'x' | 'L' | 'K' | 'g'; parts: Buffer[] } | null = null;
  private pending: PendingNames = {};
  private zeroBlocks = 0;

  constructor(private readonly sink: TarSink, private readonly archiveName: string) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.padding > 0 && this.state !== 'data' && this.state !== 'meta' && this.state !== 'skip') {
        const skipped = Math.min(this.padding, chunk.length - offset);
        this.padding -= skipped;
        offset += skipped;
        continue;
      }
      switch (this.state) {
        case 'header': {
          const taken = Math.min(blockSize - this.headerFill, chunk.length - offset);
          chunk.copy(this.header, this.headerFill, offset, offset + taken);
          this.headerFill += taken;
          offset += taken;
          if (this.headerFill === blockSize) {
            this.headerFill = 0;
            this.readHeader();
          }
          break;
        }
        case 'data':
        case 'meta':
        case 'skip': {
          const taken = Math.min(this.remaining, chunk.length - offset);
          const part = chunk.subarray(offset, offset + taken);
          if (this.state === 'data') this.sink.onData(part);
          else if (this.state === 'meta') this.meta?.parts.push(Buffer.from(part));
          this.remaining -= taken;
          offset += taken;
          if (this.remaining === 0) this.finishBody();
          break;
        }
        case 'ended':
          return;
      }
    }
  }

  /** Throws when the archive stopped inside an entry. */
  finish(): void {
    if (this.state === 'ended' || (this.state === 'header' && this.headerFill === 0 && this.padding === 0)) return;
    throw new EngineError('backup-failed', `archive '${this.archiveName}' ended in the middle of an entry`,
      'the connection to the server broke: take the backup again');
  }

  private finishBody(): void {
    const wasData = this.state === 'data';
    if (this.state === 'meta') this.applyMeta();
    this.state = 'header';
    if (wasData) this.sink.onEntryEnd();
  }

  private readHeader(): void {
    const header = this.header;
    if (header.every((byte) => byte === 0)) {
      // Two zero blocks end an archive; PostgreSQL omits them, other writers do not.
      if (++this.zeroBlocks >= 2) this.state = 'ended';
      return;
    }
    this.zeroBlocks = 0;
    this.checkChecksum();
    const typeFlag = String.fromCharCode(header[156] ?? 0);
    if (typeFlag === 'x' || typeFlag === 'g' || typeFlag === 'L' || typeFlag === 'K') {
      const metaSize = readNumber(header, 124, 12);
      this.padding = paddingFor(metaSize);
      this.meta = { kind: typeFlag, parts: [] };
      this.beginBody('meta', metaSize);
      return;
    }
    const size = this.pending.size ?? readNumber(header, 124, 12);
    this.padding = paddingFor(size);
    const entry = this.buildEntry(typeFlag, size);
    this.pending = {};
    this.sink.onEntry(entry);
    if (entry.type === 'file') {
      this.beginBody('data', size);
    } else {
      // Only regular files carry data we keep; anything else with a body is skipped.
      this.sink.onEntryEnd();
      const skipped = entry.type === 'other' ? size : 0;
      if (skipped === 0) this.padding = 0;
      this.beginBody('skip', skipped);
    }
  }

  private beginBody(state: 'data' | 'meta' | 'skip', bytes: number): void {
    this.remaining = bytes;
    this.state = state;
    if (bytes === 0) {
      if (state === 'data') {
        this.state = 'header';
        this.sink.onEntryEnd();
      } else {
        this.finishBody();
      }
    }
  }

  private buildEntry(typeFlag: string, size: number): TarEntry {
    const header = this.header;
    const magic = header.toString('latin1', 257, 262);
    const prefix = magic === 'ustar' ? readString(header, 345, 155) : '';
    const name = this.pending.path ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
    const type: TarEntryType = typeFlag === '0' || typeFlag === '\0' || typeFlag === '7' ? 'file'
      : typeFlag === '5' ? 'directory' : typeFlag === '2' ? 'symlink' : typeFlag === '1' ? 'hardlink' : 'other';
    const path = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    return {
      path,
      type,
      size: type === 'file' ? size : 0,
      mode: readNumber(header, 100, 8) & 0o7777,
      mtime: new Date((this.pending.mtime ?? readNumber(header, 136, 12)) * 1000),
      linkTarget: type === 'symlink' || type === 'hardlink' ? (this.pending.linkTarget ?? readString(header, 157, 100)) : null,
    };
  }

  private applyMeta(): void {
    const meta = this.meta;
    this.meta = null;
    if (!meta) return;
    const text = Buffer.concat(meta.parts);
    if (meta.kind === 'L') this.pending.path = text.toString('utf8').replace(/\0+$/, '');
    else if (meta.kind === 'K') this.pending.linkTarget = text.toString('utf8').replace(/\0+$/, '');
    else if (meta.kind === 'x') Object.assign(this.pending, parsePaxRecords(text, this.archiveName));
  }

  private checkChecksum(): void {
    const expected = readNumber(this.header, 148, 8);
    let sum = 0;
    for (let index = 0; index < blockSize; index += 1) sum += index >= 148 && index < 156 ? 0x20 : this.header[index]!;
    if (sum !== expected) {
      throw new EngineError('backup-failed', `archive '${this.archiveName}' has a damaged tar header (checksum ${expected}, computed ${sum})`,
        'the stream from the server was corrupted: take the backup again');
    }
  }
}

function paddingFor(size: number): number {
  return (blockSize - (size % blockSize)) % blockSize;
}

/** "<length> <key>=<value>\n" records: path, linkpath, size and mtime are used. */
export function parsePaxRecords(data: Buffer, archiveName: string): PendingNames {
  const names: PendingNames = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = space === -1 ? Number.NaN : Number(data.toString('latin1', offset, space));
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.length) {
      throw new EngineError('backup-failed', `archive '${archiveName}' has a malformed pax header`, 'take the backup again');
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') names.path = value;
    else if (key === 'linkpath') names.linkTarget = value;
    else if (key === 'size') names.size = Number(value);
    else if (key === 'mtime') names.mtime = Math.floor(Number(value));
    offset += length;
  }
  return names;
}

/** Octal text (NUL- or space-terminated), or base-256 when the high bit of the first byte is set. */
export function readNumber(header: Buffer, offset: number, length: number): number {
  const first = header[offset] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let index = 1; index < length; index += 1) value = value * 256 + (header[offset + index] ?? 0);
    return value;
  }
  const text = header.toString('latin1', offset, offset + length).replace(/[\0 ].*$/s, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function readString(header: Buffer, offset: number, length: number): string {
  const end = header.indexOf(0, offset);
  return header.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}
