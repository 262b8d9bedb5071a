/**
 * The browser door to `barkeep serve`: calls are POST /api/<channel> with the
 * page's bearer token, events come over one WebSocket at /events. Failures of
 * the wire itself become error envelopes, so callers see one kind of error.
 */
import type { Envelope } from '../../../shared/ipc/envelope';
import type { ErrorPayload } from '../../../shared/errors';
import { openEventSocket, type EventSocket } from './event-socket';
import type { ConnectionState, RendererTransport } from './renderer-transport';

export const missingTokenError: ErrorPayload = {
  code: 'unauthorized',
  message: 'this page needs the token printed by `barkeep serve`',
  hint: 'open the full address that `barkeep serve` printed, including its ?token=… part',
};

export function createHttpTransport(token: string | null, origin: URL): RendererTransport {
  const eventListeners = new Set<(raw: unknown) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let connection: ConnectionState = 'connecting';
  let socket: EventSocket | null = null;
  let tokenRejected = token === null;

  // One socket for the page, opened by the first subscriber; unsubscribing only removes a listener.
  const ensureSocket = (): void => {
    if (socket !== null || token === null || tokenRejected) return;
    socket = openEventSocket(eventsUrl(origin, token), {
      onMessage: (raw) => eventListeners.forEach((listener) => listener(raw)),
      onState: (state) => {
        connection = state;
        connectionListeners.forEach((listener) => listener(state));
      },
    });
  };

  return {
    kind: 'http',
    async call(channel, input) {
      if (token === null) return { ok: false, error: missingTokenError };
      let response: Response;
      try {
        response = await fetch(new URL(`/api/${channel}`, origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'internal',
            message: `unable to reach the barkeep serve host at ${origin.host}`,
            hint: 'check that `barkeep serve` is still running, then try again',
          },
        };
      }
      if (response.status === 401) {
        // The socket's upgrade fails the same way, but a browser cannot see why; stop it retrying forever.
        tokenRejected = true;
        socket?.stop();
        return { ok: false, error: missingTokenError };
      }
      return readEnvelope(response, channel);
    },
    subscribe(listener) {
      eventListeners.add(listener);
      ensureSocket();
      return () => {
        eventListeners.delete(listener);
      };
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener(connection);
      ensureSocket();
      return () => {
        connectionListeners.delete(listener);
      };
    },
  };
}

function eventsUrl(origin: URL, token: string): string {
  const scheme = origin.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${origin.host}/events?token=${encodeURIComponent(token)}`;
}

async function readEnvelope(response: Response, channel: string): Promise<Envelope<unknown>> {
  const body: unknown = await response.json().catch(() => undefined);
  // The client validates the envelope's shape; here we only tell an envelope from anything else.
  if (typeof body === 'object' && body !== null && 'ok' in body) return body as Envelope<unknown>;
  return {
    ok: false,
    error: {
      code: 'internal',
      message: `the serve host answered '${channel}' with http ${response.status} and no result`,
      hint: 'the serve host may be from another Barkeep version; restart `barkeep serve`',
    },
  };
}
