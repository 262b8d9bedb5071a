/**
 * What the renderer asks of a transport beyond shared/ipc/client's
 * ClientTransport: which door it is and whether pushed events are flowing,
 * so the header can say so. Holds types only.
 */
import type { ClientTransport } from '../../../shared/ipc/client';

/** live: events flow; connecting: first attempt; reconnecting: dropped, retrying with backoff. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface RendererTransport extends ClientTransport {
  readonly kind: 'electron' | 'http';
  /** Calls the listener at once with the current state, then on every change. Returns an unsubscribe. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
}
