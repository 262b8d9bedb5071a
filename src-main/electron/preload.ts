/**
 * The preload: builds `window.barkeep` from the contract's channel list and
 * hands it to the sandboxed renderer through contextBridge. The renderer never
 * sees ipcRenderer itself, only these functions.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { channelNames, isChannelName } from '../../shared/ipc/channels';

const pushEventChannel = 'barkeep:event';

contextBridge.exposeInMainWorld('barkeep', {
  transport: 'electron',
  channels: [...channelNames],
  invoke: (channel: unknown, input: unknown) => {
    if (!isChannelName(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'invalid-input', message: `unknown channel '${String(channel)}'` } });
    }
    return ipcRenderer.invoke(channel, input);
  },
  onEvent: (listener: (raw: unknown) => void) => {
    const forward = (_event: unknown, raw: unknown): void => listener(raw);
    ipcRenderer.on(pushEventChannel, forward);
    return () => {
      ipcRenderer.removeListener(pushEventChannel, forward);
    };
  },
});
