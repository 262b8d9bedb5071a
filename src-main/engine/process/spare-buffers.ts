/**
 * Buffers that outlive one backup. A process that runs backups one after
 * another (the app, `barkeep serve`, the bench) takes them up again instead of
 * allocating tens of MB anew per backup: as external memory, that made V8 run
 * several full mark-compacts per backup, and fresh memory is faulted in and
 * zeroed page by page. Let go a minute after the last use, so an idle app does
 * not keep them.
 */

export class SpareBuffers {
  private buffers: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly max: number, private readonly keptMs: number) {}

  /** A spare buffer, or undefined: the caller makes one. */
  take(): Buffer | undefined {
    this.touch();
    return this.buffers.pop();
  }

  /** A buffer nothing refers to any more; beyond `max` spares it is left to the garbage collector. */
  give(buffer: Buffer): void {
    this.touch();
    if (this.buffers.length < this.max) this.buffers.push(buffer);
  }

  get count(): number {
    return this.buffers.length;
  }

  private touch(): void {
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.buffers = [];
      this.timer = null;
    }, this.keptMs);
    this.timer.unref();
  }
}
