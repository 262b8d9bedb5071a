/**
 * Electron's transport of the contract: one ipcMain handler per channel of the
 * contract, each checking that the sender is our own window's top frame before
 * dispatching; pushed events go to every window.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { channelNames } from '../../shared/ipc/contract';
import type { PushEvent } from '../../shared/ipc/events';
import { dispatch, type Handlers } from '../engine/contract-handlers';

export const pushEventChannel = 'barkeep:event';

export function routeContract(handlers: Handlers, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): () => void {
  for (const channel of channelNames) {
    ipcMain.handle(channel, (event, input: unknown) => {
      if (!isTrustedSender(event)) {
        return { ok: false, error: { code: 'unauthorized', message: 'ipc from an untrusted frame was refused' } };
      }
      return dispatch(handlers, channel, input);
    });
  }
  return () => channelNames.forEach((channel) => ipcMain.removeHandler(channel));
}

export function forwardEvents(subscribe: (listener: (event: PushEvent) => void) => () => void, windows: () => BrowserWindow[]): () => void {
  return subscribe((event) => {
    for (const window of windows()) {
      if (!window.isDestroyed()) window.webContents.send(pushEventChannel, event);
    }
  });
}
