/**
 * A plain TCP (or Unix-socket) connection for `pg` whose reads all land in one
 * buffer it keeps, as libpq's do, instead of a fresh 64 KiB buffer per read.
 * BASE_BACKUP and START_REPLICATION stream hundreds of megabytes: fresh buffers are fresh memory
 * the kernel must map page by page (tens of thousands of page faults per
 * backup) and garbage to collect. While nobody diverts the reads, the driver
 * gets each read as a copy, exactly as from a normal socket; a diverted read is
 * a view of the kept buffer, valid only during the call.
 * TLS connections keep node's own socket (TLS reads the connection itself).
 */
import net from 'node:net';

/** Large enough for several of the walsender's 32 KiB CopyData messages per read. */
const readBufferBytes = 256 * 1024;

type ReadConsumer = (view: Buffer) => void;

/** What takeReads needs of pg's stream: a read-buffer socket, or any other (TLS) with 'data' events. */
export interface DataEventSource {
  listeners(event: 'data'): ((chunk: Buffer) => void)[];
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer) => void): unknown;
}

/** The diverted consumer of each socket of ours; absent while the driver reads. */
const diverted = new WeakMap<net.Socket, ReadConsumer | null>();

/** pg's `stream` option: a socket that reads into one buffer of its own. */
export function createReadBufferSocket(): net.Socket {
  const buffer = Buffer.allocUnsafeSlow(readBufferBytes);
  const socket: net.Socket = new net.Socket({
    onread: {
      buffer,
      callback: (bytes: number, into: Uint8Array): boolean => {
        const view = Buffer.from(into.buffer, into.byteOffset, bytes);
        const consumer = diverted.get(socket);
        // The driver keeps what it is given (a partial message): it gets a copy.
        if (consumer) consumer(view);
        else socket.emit('data', Buffer.from(view));
        return true;
      },
    },
  } as net.SocketConstructorOpts & net.ConnectOpts);
  diverted.set(socket, null);
  return socket;
}

/**
 * Sends the socket's reads to `consumer` (views of the kept buffer, valid only
 * during the call) instead of the driver, until the returned function is
 * called. Null when the socket is not one of ours: read its 'data' events then.
 */
export function divertReads(socket: unknown, consumer: ReadConsumer): (() => void) | null {
  if (!(socket instanceof net.Socket) || !diverted.has(socket)) return null;
  diverted.set(socket, consumer);
  return () => diverted.set(socket, null);
}

/**
 * Takes the driver's stream for a streaming command: a read-buffer socket's
 * reads are diverted, any other stream's 'data' listeners (pg's parser) are
 * set aside. Either way `consumer` must treat each chunk as valid only during
 * the call. The returned function gives the reads back; bytes read past the
 * command's end then go to the driver as `stream.emit('data', copy)`.
 */
export function takeReads(stream: DataEventSource, consumer: ReadConsumer): () => void {
  const restore = divertReads(stream, consumer);
  if (restore) return restore;
  const driverListeners = stream.listeners('data');
  for (const listener of driverListeners) stream.removeListener('data', listener);
  stream.on('data', consumer);
  return () => {
    stream.removeListener('data', consumer);
    for (const listener of driverListeners) stream.on('data', listener);
  };
}
