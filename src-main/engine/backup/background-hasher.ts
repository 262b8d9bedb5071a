/**
 * SHA-256 of large files on a worker thread, so that hashing does not hold up
 * the thread that reads the socket. Data travels in views of SharedArrayBuffer
 * blocks the caller fills (and writes to disk from): nothing is copied to the
 * worker, and the views are released once hashed. The same thread also stores
 * whole small files (hashed, created, written, dated, closed): creating a file
 * costs 50-200 µs of kernel time on ext4, ~1000 times per data folder, which
 * would otherwise be the socket's thread's. And it makes an incremental's hard
 * links to the previous backup's files (link-ahead.ts): ~1000 links, 15-35 ms
 * of syscalls the main thread spends on the listing instead. The worker is
 * inline JavaScript, so it runs the same from tsx and bundles.
 *
 * One hasher may belong to the process (leaseSharedHasher): backups one after
 * another (the app, `barkeep serve`) then start no thread each, and it is let
 * go a minute after its last use.
 */
import { Worker } from 'node:worker_threads';

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, futimesSync, linkSync, openSync, writevSync } = require('node:fs');
const hashes = new Map();
const failureOf = (failure) => ({ message: failure.message, code: failure.code, errno: failure.errno, syscall: failure.syscall, path: failure.path });
const viewsOf = (parts) => parts.map(([buffer, offset, length]) => new Uint8Array(buffer, offset, length));
function store(file) {
  const views = viewsOf(file.parts);
  const hash = createHash('sha256');
  for (const view of views) hash.update(view);
  // Never an existing file: a path still linked to an older backup must fail, not be written into.
  const fd = openSync(file.path, 'wx', file.mode);
  try {
    let rest = views;
    while (rest.length > 0) {
      let written = writevSync(fd, rest);
      let index = 0;
      while (index < rest.length && written >= rest[index].length) written -= rest[index++].length;
      rest = rest.slice(index);
      if (written > 0) rest = [rest[0].subarray(written), ...rest.slice(1)];
    }
    futimesSync(fd, file.mtime / 1000, file.mtime / 1000);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
parentPort.on('message', (message) => {
  if (message.op === 'store') {
    const sha256s = [];
    let error = null;
    for (const file of message.files) {
      try {
        sha256s.push(store(file));
      } catch (failure) {
        // The files after a failure are not written: the copy fails anyway.
        error = failureOf(failure);
        break;
      }
    }
    parentPort.postMessage({ op: 'stored', batch: message.batch, sha256s, error });
  } else if (message.op === 'link') {
    const failures = [];
    for (const [source, target] of message.pairs) {
      if (message.stop && Atomics.load(message.stop, 0) !== 0) break;
      try {
        linkSync(source, target);
        failures.push(null);
      } catch (failure) {
        failures.push(failureOf(failure));
      }
    }
    parentPort.postMessage({ op: 'linked', batch: message.batch, failures });
  } else if (message.op === 'update') {
    let hash = hashes.get(message.id);
    if (!hash) hashes.set(message.id, (hash = createHash('sha256')));
    for (const view of viewsOf(message.parts)) hash.update(view);
    parentPort.postMessage({ op: 'hashed', batch: message.batch });
  } else if (message.op === 'digest') {
    const hash = hashes.get(message.id) ?? createHash('sha256');
    hashes.delete(message.id);
    parentPort.postMessage({ op: 'digest', id: message.id, sha256: hash.digest('hex') });
  }
});
`;

/** A syscall that failed on the thread, as node described it there. */
export interface FailedSyscall {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}
type WorkerReply = { op: 'hashed'; batch: number } | { op: 'digest'; id: number; sha256: string }
  | { op: 'stored'; batch: number; sha256s: string[]; error: FailedSyscall | null }
  | { op: 'linked'; batch: number; failures: (FailedSyscall | null)[] };

/** A whole file to store: its bytes in views of SharedArrayBuffers. */
export interface WholeFile {
  path: string;
  mode: number;
  mtime: Date;
  views: readonly Uint8Array[];
}

export class BackgroundHasher {
  /** started by the first begin() or warmUp(): work that hashes nothing starts no thread */
  private worker: Worker | null = null;
  private nextId = 1;
  private nextBatch = 1;
  private readonly hashed = new Map<number, () => void>();
  private readonly digests = new Map<number, { resolve: (sha256: string) => void; reject: (error: Error) => void }>();
  private readonly stores = new Map<number, { resolve: (sha256s: string[]) => void; reject: (error: Error) => void }>();
  private readonly links = new Map<number, { resolve: (failures: (FailedSyscall | null)[]) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;
  /** whether the thread keeps the process alive: only while some answer is awaited */
  private referenced = false;

  /** Starts the thread now (it boots in ~25 ms), for work that will surely hash. */
  warmUp(): void {
    this.thread();
  }

  /** True once the worker failed or was stopped: every later call rejects. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** A new hash; its id names it in update() and digest(). */
  begin(): number {
    this.thread();
    return this.nextId++;
  }

  /**
   * Hashes `views` in order; each must be a view of a SharedArrayBuffer.
   * Resolves once the worker no longer reads them, also when it fails
   * meanwhile (digest() rejects then); rejects at once when it failed before.
   */
  update(id: number, views: readonly Uint8Array[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const parts = sharedParts(views);
    const batch = this.nextBatch++;
    const done = new Promise<void>((resolve) => this.hashed.set(batch, resolve));
    this.thread().postMessage({ op: 'update', id, parts, batch });
    this.holdProcess();
    return done;
  }

  /**
   * Creates each file (never over an existing one), writes, dates and closes
   * it on the thread, in order; resolves with their hex SHA-256s once all are
   * on disk (the views may be reused then). Rejects with the first failed
   * syscall's error (code, syscall and path as node gives them); the files after it are not written.
   */
  storeFiles(files: readonly WholeFile[]): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    const message = files.map((file) => ({ path: file.path, mode: file.mode, mtime: file.mtime.getTime(), parts: sharedParts(file.views) }));
    const batch = this.nextBatch++;
    const stored = new Promise<string[]>((resolve, reject) => this.stores.set(batch, { resolve, reject }));
    this.thread().postMessage({ op: 'store', batch, files: message });
    this.holdProcess();
    return stored;
  }

  /**
   * Hard-links each source to its target on the thread, in order (the target's folder must exist),
   * until `stop` (an Int32Array over a SharedArrayBuffer) holds a non-zero first element. Resolves
   * with each attempted link's failure, null for the links made: fewer than `pairs` when stopped.
   */
  linkFiles(pairs: readonly (readonly [source: string, target: string])[], stop?: Int32Array): Promise<(FailedSyscall | null)[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (stop && !(stop.buffer instanceof SharedArrayBuffer)) throw new TypeError('the stop flag must be shared memory');
    const batch = this.nextBatch++;
    const linked = new Promise<(FailedSyscall | null)[]>((resolve, reject) => this.links.set(batch, { resolve, reject }));
    this.thread().postMessage({ op: 'link', batch, pairs, stop });
    this.holdProcess();
    return linked;
  }

  /** The hex digest, after every update() sent before. */
  digest(id: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const digest = new Promise<string>((resolve, reject) => this.digests.set(id, { resolve, reject }));
    this.thread().postMessage({ op: 'digest', id });
    this.holdProcess();
    return digest;
  }

  async close(): Promise<void> {
    this.failAll(new Error('the hashing thread was stopped'));
    await this.worker?.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    // No inherited node options: the source is CommonJS even in a process started with --input-type=module.
    const worker = new Worker(workerSource, { eval: true, execArgv: [] });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'hashed') {
        this.hashed.get(reply.batch)?.();
        this.hashed.delete(reply.batch);
      } else if (reply.op === 'linked') {
        this.links.get(reply.batch)?.resolve(reply.failures);
        this.links.delete(reply.batch);
      } else if (reply.op === 'stored') {
        const pending = this.stores.get(reply.batch);
        this.stores.delete(reply.batch);
        if (reply.error) pending?.reject(Object.assign(new Error(reply.error.message), reply.error));
        else pending?.resolve(reply.sha256s);
      } else {
        this.digests.get(reply.id)?.resolve(reply.sha256);
        this.digests.delete(reply.id);
      }
      this.holdProcess();
    });
    worker.on('error', (error) => this.failAll(error));
    this.worker = worker;
    this.referenced = true;
    this.holdProcess();
    return worker;
  }

  private holdProcess(): void {
    const awaited = this.hashed.size + this.digests.size + this.stores.size + this.links.size > 0;
    if (!this.worker || awaited === this.referenced) return;
    this.referenced = awaited;
    if (awaited) this.worker.ref();
    else this.worker.unref();
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of [...this.digests.values(), ...this.stores.values(), ...this.links.values()]) pending.reject(error);
    this.digests.clear();
    this.stores.clear();
    this.links.clear();
    for (const release of this.hashed.values()) release();
    this.hashed.clear();
    this.holdProcess();
  }
}

function sharedParts(views: readonly Uint8Array[]): [SharedArrayBuffer, number, number][] {
  return views.map((view) => {
    if (!(view.buffer instanceof SharedArrayBuffer)) throw new TypeError('the hashing worker reads only views of a SharedArrayBuffer');
    return [view.buffer, view.byteOffset, view.byteLength];
  });
}

const sharedKeptMs = 60_000;
let shared: { hasher: BackgroundHasher; leases: number; timer: NodeJS.Timeout | null } | null = null;

export interface HasherLease {
  hasher: BackgroundHasher;
  /** The work is over; the hasher stays for the next lease a while. Idempotent. */
  release(): void;
}

/**
 * The process's hasher for one piece of work (a backup): started on first use
 * (its thread boots while the caller goes on) and stopped `sharedKeptMs` after
 * the last lease was released. One that failed is replaced by the next lease.
 */
export function leaseSharedHasher(): HasherLease {
  if (!shared || shared.hasher.failed) shared = { hasher: new BackgroundHasher(), leases: 0, timer: null };
  const held = shared;
  if (held.timer) clearTimeout(held.timer);
  held.timer = null;
  held.leases += 1;
  let released = false;
  return {
    hasher: held.hasher,
    release: () => {
      if (released) return;
      released = true;
      held.leases -= 1;
      if (held.leases > 0 || held !== shared) return;
      held.timer = setTimeout(() => {
        if (shared === held) shared = null;
        void held.hasher.close();
      }, sharedKeptMs);
      held.timer.unref();
    },
  };
}
