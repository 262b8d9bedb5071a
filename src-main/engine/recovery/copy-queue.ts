/**
 * The work queue of the local restore copy: copies found by the listing and not
 * yet taken by a worker, largest first (a binary heap on size), so that the few
 * big relation files start as soon as they are seen and the many small ones fill
 * the other workers around them. Workers wait in take() while the queue is
 * empty and the listing goes on; close() ends it normally, stop() at once.
 */

export interface QueuedCopy {
  /** bytes expected: orders the queue */
  size: number;
}

export class LargestFirstQueue<T extends QueuedCopy> {
  private readonly heap: T[] = [];
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private stopped = false;

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    for (let index = heap.length - 1; index > 0;) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.size >= heap[index]!.size) break;
      [heap[parent], heap[index]] = [heap[index]!, heap[parent]!];
      index = parent;
    }
    this.waiting.shift()?.();
  }

  /** Nothing more will come: take() returns null once the queue is empty. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  /** Something failed: take() returns null at once, whatever is left. */
  stop(): void {
    this.stopped = true;
    this.wakeAll();
  }

  /** The largest item queued; waits for one while the queue is open and empty; null when closed and empty, or stopped. */
  async take(): Promise<T | null> {
    while (!this.stopped && !this.closed && this.heap.length === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.stopped || this.heap.length === 0 ? null : this.pop();
  }

  private pop(): T {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let index = 0; ;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && heap[left]!.size > heap[largest]!.size) largest = left;
      if (right < heap.length && heap[right]!.size > heap[largest]!.size) largest = right;
      if (largest === index) return top;
      [heap[largest], heap[index]] = [heap[index]!, heap[largest]!];
      index = largest;
    }
  }

  private wakeAll(): void {
    for (let wake = this.waiting.shift(); wake; wake = this.waiting.shift()) wake();
  }
}
