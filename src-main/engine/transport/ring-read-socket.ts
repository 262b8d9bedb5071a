/**
 * A TCP connection whose reads land in successive regions of one ring buffer
 * it keeps, for ssh2's bulk copies, instead of a fresh 64 KiB buffer per read
 * (node's default). Fresh buffers are external memory: hundreds of megabytes of
 * them per backup made V8 run a full mark-compact every few dozen megabytes,
 * and each is fresh memory the kernel maps page by page.
 *
 * Each read is emitted as a view of the ring. A view stays intact until
 * `ringBytes - readBytes` more bytes have been read, which covers what ssh2
 * keeps of a read (a packet whose MAC comes in the next read; a peer's
 * KEXINIT, during which the peer sends nothing else). Whoever listens to the
 * connection's channels must copy what it keeps during the 'data' call, and
 * must not leave chunks buffered in a paused stream: `renew()` retires the
 * ring (its views stay valid, reads go to a new one) for the owner that finds
 * some buffered after a read (`afterRead`).
 */
import net from 'node:net';

export interface RingReadSocket {
  socket: net.Socket;
  /** Runs after each read's 'data' listeners returned. */
  afterRead: (() => void) | null;
  /** Retires the current ring, whose views stay valid; later reads land in a new one. */
  renew(): void;
  /** How many rings were retired (for tests and logs). */
  readonly renewals: number;
}

export interface RingOptions {
  /** Default 4 MiB. */
  ringBytes?: number;
  /** The most one read takes. Default 256 KiB: several of ssh2's 32 KiB packets. */
  readBytes?: number;
}

export function createRingReadSocket(options: RingOptions = {}): RingReadSocket {
  const readBytes = options.readBytes ?? 256 * 1024;
  const ringBytes = options.ringBytes ?? 4 * 1024 * 1024;
  if (ringBytes < 4 * readBytes) throw new RangeError(`a ring of ${ringBytes} bytes is too small for reads of ${readBytes}`);
  let ring = Buffer.allocUnsafeSlow(ringBytes);
  let at = 0;
  const owner: RingReadSocket = {
    socket: null as unknown as net.Socket,
    afterRead: null,
    renewals: 0,
    renew: () => {
      ring = Buffer.allocUnsafeSlow(ringBytes);
      at = 0;
      (owner as { renewals: number }).renewals += 1;
    },
  };
  owner.socket = new net.Socket({
    onread: {
      // Called before every read: the next region, from the start again once the rest is too short.
      buffer: () => {
        if (at + readBytes > ringBytes) at = 0;
        return ring.subarray(at, at + readBytes);
      },
      callback: (bytes: number, into: Uint8Array): boolean => {
        at += bytes;
        owner.socket.emit('data', Buffer.from(into.buffer, into.byteOffset, bytes));
        owner.afterRead?.();
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  return owner;
}
