/**
 * The serve host's event stream: one WebSocket for the page's life that
 * reconnects with capped, jittered backoff when it drops. It hands on parsed
 * JSON and reports its state; it never validates events (the client does).
 */
import type { ConnectionState } from './renderer-transport';

const firstDelayMs = 500;
const maxDelayMs = 15_000;

/** Delay before reconnect attempt `attempt` (1-based): doubling from 0.5 s, capped at 15 s, ±20 % jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

interface EventSocketHandlers {
  onMessage: (raw: unknown) => void;
  onState: (state: ConnectionState) => void;
}

export interface EventSocket {
  /** Closes the socket for good: no reconnect follows. */
  stop(): void;
}

export function openEventSocket(url: string, handlers: EventSocketHandlers): EventSocket {
  let attempt = 0;
  let stopped = false;
  let socket: WebSocket | null = null;
  let retryTimer: number | undefined;

  const connect = (): void => {
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      attempt = 0;
      handlers.onState('live');
    });
    socket.addEventListener('message', (message) => {
      handlers.onMessage(parseMessage(message.data));
    });
    // 'close' follows 'error', so reconnecting is scheduled in one place only.
    socket.addEventListener('close', () => {
      if (stopped) return;
      attempt += 1;
      handlers.onState('reconnecting');
      retryTimer = window.setTimeout(connect, reconnectDelay(attempt));
    });
  };

  handlers.onState('connecting');
  connect();
  return {
    stop() {
      stopped = true;
      window.clearTimeout(retryTimer);
      socket?.close();
    },
  };
}

function parseMessage(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    // Passed on as text: the client rejects it as a malformed event and says so.
    return data;
  }
}
