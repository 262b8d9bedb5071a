/**
 * Connections kept open between uses, one per key (an SSH login, a
 * PostgreSQL session's conninfo), for a while after the last one (as
 * OpenSSH's ControlPersist does): the next backup of the server skips the SSH
 * login and sshd's setup of a first session, or a fresh backend. Owns only the
 * keeping and the letting go; whether a kept connection may still serve (it
 * answers, its host key is still pinned) is the taker's question. A kept
 * connection never keeps the process alive.
 */

export interface KeepableConnection {
  /** true once the connection ended, from either side */
  readonly closed: boolean;
  /** Whether the connection may hold the process open: false while it is kept and unused. */
  setActive(active: boolean): void;
  close(): Promise<void>;
}

interface Kept<T> {
  connection: T;
  timer: NodeJS.Timeout;
}

export class KeptConnections<T extends KeepableConnection> {
  private readonly kept = new Map<string, Kept<T>>();

  /**
   * Keeps `connection` for `idleMs` under `key`, or closes it at once when idleMs is 0 or it has ended.
   * A connection already kept under the key is closed: one per login is enough.
   */
  keep(key: string, connection: T, idleMs: number): Promise<void> {
    if (idleMs <= 0 || connection.closed) return connection.close();
    const earlier = this.kept.get(key);
    const timer = setTimeout(() => {
      if (this.kept.get(key)?.connection !== connection) return;
      this.kept.delete(key);
      void letGo(connection);
    }, idleMs);
    timer.unref();
    connection.setActive(false);
    this.kept.set(key, { connection, timer });
    if (earlier && earlier.connection !== connection) {
      clearTimeout(earlier.timer);
      return letGo(earlier.connection);
    }
    if (earlier) clearTimeout(earlier.timer);
    return Promise.resolve();
  }

  /** The connection kept under `key`, taken out (the caller keeps or closes it again); null when none is, or it has ended since. */
  take(key: string): T | null {
    const entry = this.kept.get(key);
    if (!entry) return null;
    this.kept.delete(key);
    clearTimeout(entry.timer);
    if (entry.connection.closed) return null;
    entry.connection.setActive(true);
    return entry.connection;
  }

  /**
   * The connection kept under `key` with its answer to `ask` (a liveness question: a peer gone without a
   * word leaves a connection open on this side), if it answers non-null within `withinMs` and before
   * `signal`; otherwise null, and a connection that did not answer is closed.
   */
  async takeAnswering<R>(key: string, ask: (connection: T, deadline: AbortSignal) => Promise<R | null>, withinMs: number,
    signal?: AbortSignal): Promise<{ connection: T; answer: R } | null> {
    const connection = this.take(key);
    if (!connection) return null;
    const deadline = AbortSignal.any([AbortSignal.timeout(withinMs), ...(signal ? [signal] : [])]);
    // Some questions cannot be cancelled (opening an SSH channel): the deadline races them.
    const givenUp = new Promise<null>((resolve) => {
      if (deadline.aborted) resolve(null);
      deadline.addEventListener('abort', () => resolve(null), { once: true });
    });
    const answer = await Promise.race([ask(connection, deadline).catch(() => null), givenUp]);
    if (answer !== null) return { connection, answer };
    void letGo(connection);
    return null;
  }

  get size(): number {
    return this.kept.size;
  }

  /** Closes every kept connection (a host shutting down, a test's end). */
  async closeAll(): Promise<void> {
    const entries = [...this.kept.values()];
    this.kept.clear();
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.all(entries.map((entry) => letGo(entry.connection)));
  }
}

/** Closes a kept connection, holding the process open until it is closed (a caller may wait for it). */
function letGo(connection: KeepableConnection): Promise<void> {
  connection.setActive(true);
  return connection.close().catch(() => {});
}
