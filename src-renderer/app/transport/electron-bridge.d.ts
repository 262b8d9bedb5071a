/**
 * The shape of `window.barkeep`, which the Electron preload exposes. It moves
 * raw envelopes and raw events only; validation happens in shared/ipc/client.
 * Absent in a browser served by `barkeep serve`.
 */
import type { Envelope } from '../../../shared/ipc/envelope';

export interface BarkeepBridge {
  invoke(channel: string, input: unknown): Promise<Envelope<unknown>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (raw: unknown) => void): () => void;
  readonly transport: 'electron';
}

declare global {
  interface Window {
    barkeep?: BarkeepBridge;
  }
}
