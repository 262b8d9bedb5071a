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
 *
 * Or hold it: the ring is shared memory, and a view given to holdReadView()
 * stays intact until releaseReadView() (the tar streams' file contents go to
 * the hashing thread and the disk that way, not copied: a copy cost the main
 * thread ~60 ms per 180 MB). A read never lands on a held region: the ring is
 * set aside, and taken up again once nothing of it is held and a ring's worth
 * of reads went elsewhere. Rings of the default size that nothing holds when
 * the connection closes are the next connection's (process/spare-buffers.ts).
 */
import net from 'node:net';
import { SpareBuffers } from '../process/spare-buffers';

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
  /**
   * The most one read takes. Default 1 MiB, some thirty of ssh2's 32 KiB packets: a packet cut across two
   * reads is joined by ssh2 in a buffer of its own, and copied again by whoever keeps it (1 in 8 at 256 KiB).
   */
  readBytes?: number;
}

/** One ring's memory and the views of it that are held, by where they start. */
interface Ring {
  memory: Buffer;
  holds: Map<number, { end: number; count: number }>;
  /** bytes the connection had read when the ring was set aside for its holds */
  setAsideAt: number;
}

/** The ring of each view's memory: holds reach it through the view alone. */
const ringOf = new WeakMap<ArrayBufferLike, Ring>();

const defaultRingBytes = 4 * 1024 * 1024;
/** Rings a closed connection left: a backup holds up to ~40 MiB of them (its write pool's high-water mark, and some). */
const spareRings = new SpareBuffers(16, 60_000);

function newRing(ringBytes: number): Ring {
  const memory = (ringBytes === defaultRingBytes ? spareRings.take() : undefined) ?? Buffer.from(new SharedArrayBuffer(ringBytes));
  const ring: Ring = { memory, holds: new Map(), setAsideAt: 0 };
  ringOf.set(ring.memory.buffer, ring);
  return ring;
}

/** Keeps a view of a ring intact until releaseReadView(view); false (nothing held) when it is not a ring's: copy it then. */
export function holdReadView(view: Uint8Array): boolean {
  const ring = ringOf.get(view.buffer);
  if (!ring || view.byteLength === 0) return false;
  const end = view.byteOffset + view.byteLength;
  const hold = ring.holds.get(view.byteOffset);
  if (hold) {
    hold.count += 1;
    hold.end = Math.max(hold.end, end);
  } else {
    ring.holds.set(view.byteOffset, { end, count: 1 });
  }
  return true;
}

/** Lets go of a view holdReadView() held; false when it was not a ring's. */
export function releaseReadView(view: Uint8Array): boolean {
  const ring = ringOf.get(view.buffer);
  if (!ring || view.byteLength === 0) return false;
  const hold = ring.holds.get(view.byteOffset);
  if (!hold) throw new Error('a view of a ring was released more often than it was held');
  hold.count -= 1;
  if (hold.count === 0) ring.holds.delete(view.byteOffset);
  return true;
}

/** Whether a held view overlaps [from, to). A few hundred views at most: each is a packet's part. */
function isHeld(ring: Ring, from: number, to: number): boolean {
  for (const [start, hold] of ring.holds) if (start < to && hold.end > from) return true;
  return false;
}

export function createRingReadSocket(options: RingOptions = {}): RingReadSocket {
  const readBytes = options.readBytes ?? 1024 * 1024;
  const ringBytes = options.ringBytes ?? defaultRingBytes;
  if (ringBytes < 4 * readBytes) throw new RangeError(`a ring of ${ringBytes} bytes is too small for reads of ${readBytes}`);
  let ring = newRing(ringBytes);
  let at = 0;
  let readTotal = 0;
  /** rings set aside while something of them was held */
  const setAside: Ring[] = [];
  /** The next ring after one whose next region is held: one set aside earlier, if it is free by now, else a new one. */
  const nextRing = (): Ring => {
    ring.setAsideAt = readTotal;
    setAside.push(ring);
    const free = setAside.findIndex((candidate) => candidate.holds.size === 0 && readTotal - candidate.setAsideAt >= ringBytes - readBytes);
    return free >= 0 ? setAside.splice(free, 1)[0]! : newRing(ringBytes);
  };
  const owner: RingReadSocket = {
    socket: null as unknown as net.Socket,
    afterRead: null,
    renewals: 0,
    renew: () => {
      // Retired for good: a chunk buffered in a stream keeps its view, which no later read may touch.
      ring = newRing(ringBytes);
      at = 0;
      (owner as { renewals: number }).renewals += 1;
    },
  };
  owner.socket = new net.Socket({
    onread: {
      // Called before every read: the next region, from the start again once the rest is too short,
      // in another ring when a view held there would be read over.
      buffer: () => {
        if (at + readBytes > ringBytes) at = 0;
        if (isHeld(ring, at, at + readBytes)) {
          ring = nextRing();
          at = 0;
        }
        return ring.memory.subarray(at, at + readBytes);
      },
      callback: (bytes: number, into: Uint8Array): boolean => {
        at += bytes;
        readTotal += bytes;
        owner.socket.emit('data', Buffer.from(into.buffer, into.byteOffset, bytes));
        owner.afterRead?.();
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  // A ring retired by renew() is no longer here: chunks buffered in a stream may still be read from it.
  owner.socket.once('close', () => {
    if (ringBytes !== defaultRingBytes) return;
    for (const spare of [...setAside.splice(0), ring]) if (spare.holds.size === 0) spareRings.give(spare.memory);
  });
  return owner;
}
