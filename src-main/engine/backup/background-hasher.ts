/**
 * SHA-256 of large files on a worker thread, so that hashing a 1 GiB segment
 * does not hold up the thread that reads the socket. Data travels in
 * SharedArrayBuffer batches the caller fills (and writes to disk from):
 * nothing is copied to the worker, and a batch is released once hashed.
 * The worker is inline JavaScript, so it runs the same from tsx and bundles.
 */
import { Worker } from 'node:worker_threads';

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (message) => {
  if (message.op === 'update') {
    let hash = hashes.get(message.id);
    if (!hash) hashes.set(message.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(message.buffer, 0, message.length));
    parentPort.postMessage({ op: 'hashed', batch: message.batch });
  } else if (message.op === 'digest') {
    const hash = hashes.get(message.id) ?? createHash('sha256');
    hashes.delete(message.id);
    parentPort.postMessage({ op: 'digest', id: message.id, sha256: hash.digest('hex') });
  }
});
`;

type WorkerReply = { op: 'hashed'; batch: number } | { op: 'digest'; id: number; sha256: string };

export class BackgroundHasher {
  private readonly worker: Worker;
  private nextId = 1;
  private nextBatch = 1;
  private readonly hashed = new Map<number, () => void>();
  private readonly digests = new Map<number, { resolve: (sha256: string) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(workerSource, { eval: true });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'hashed') {
        this.hashed.get(reply.batch)?.();
        this.hashed.delete(reply.batch);
      } else {
        this.digests.get(reply.id)?.resolve(reply.sha256);
        this.digests.delete(reply.id);
      }
    });
    this.worker.on('error', (error) => this.failAll(error));
  }

  /** A new hash; its id names it in update() and digest(). */
  begin(): number {
    return this.nextId++;
  }

  /** Hashes `length` bytes of `buffer`; resolves once the worker no longer reads them. */
  update(id: number, buffer: SharedArrayBuffer, length: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = this.nextBatch++;
    const done = new Promise<void>((resolve) => this.hashed.set(batch, resolve));
    this.worker.postMessage({ op: 'update', id, buffer, length, batch });
    return done;
  }

  /** The hex digest, after every update() sent before. */
  digest(id: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const digest = new Promise<string>((resolve, reject) => this.digests.set(id, { resolve, reject }));
    this.worker.postMessage({ op: 'digest', id });
    return digest;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
    this.failAll(new Error('the hashing thread was stopped'));
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of this.digests.values()) pending.reject(error);
    this.digests.clear();
    for (const release of this.hashed.values()) release();
    this.hashed.clear();
  }
}
