/**
 * The Electron door: a thin adapter over the preload's `window.barkeep`.
 * IPC to the main process cannot drop, so the connection is always live.
 */
import type { BarkeepBridge } from './electron-bridge';
import type { RendererTransport } from './renderer-transport';

export function createElectronTransport(bridge: BarkeepBridge): RendererTransport {
  return {
    kind: 'electron',
    call: (channel, input) => bridge.invoke(channel, input),
    subscribe: (listener) => bridge.onEvent(listener),
    onConnection(listener) {
      listener('live');
      return () => {};
    },
  };
}
