/**
 * Tar streams opened before their file lists exist. A remote `tar -T -`
 * waits for names on its stdin, so its channel, shell and tar can start while
 * the listing runs, and pg_control's stream can be ready (and idle) while the
 * other streams still copy. The first commands equal to the prepared one get
 * a prepared stream; others, and commands beyond the count, open as usual.
 */
import type { CommandStreams, ExecStream } from '../../transport/transport';

export interface PreparedStreams extends CommandStreams {
  /** Ends the prepared streams nobody took, then closes the connection. */
  close(): Promise<void>;
}

interface Prepared {
  opening: Promise<ExecStream>;
  /** aborts this stream alone: linked to the signal of whoever takes it */
  stop: AbortController;
}

export function prepareStreams(connection: CommandStreams, command: string, count: number, signal: AbortSignal): PreparedStreams {
  const waiting: Prepared[] = Array.from({ length: count }, () => {
    const stop = new AbortController();
    const opening = connection.execStream(command, { signal: AbortSignal.any([signal, stop.signal]) });
    // Failures surface to whoever takes the stream; one never taken (or not yet) fails quietly, a cancel included.
    opening.then((remote) => remote.done.catch(() => {}), () => {});
    return { opening, stop };
  });

  return {
    description: connection.description,
    execStream: (wanted, opts = {}) => {
      const prepared = wanted === command ? waiting.shift() : undefined;
      if (!prepared) return connection.execStream(wanted, opts);
      if (opts.signal?.aborted) prepared.stop.abort();
      else opts.signal?.addEventListener('abort', () => prepared.stop.abort(), { once: true });
      return prepared.opening;
    },
    close: async () => {
      // An empty list: the tar writes an empty archive and exits.
      await Promise.all(waiting.splice(0).map(async ({ opening }) => {
        const remote = await opening.catch(() => null);
        if (!remote) return;
        remote.stdout.resume();
        remote.stderr.resume();
        remote.stdin.on('error', () => {});
        remote.stdin.end();
        await remote.done.catch(() => {});
      }));
      await connection.close();
    },
  };
}
