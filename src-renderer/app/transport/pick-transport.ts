/**
 * Chooses the door at startup: the Electron preload's bridge when present,
 * otherwise the serve host that delivered this page.
 */
import { createElectronTransport } from './electron-transport';
import { createHttpTransport } from './http-transport';
import type { RendererTransport } from './renderer-transport';
import { takeServeToken } from './serve-token';

export function pickTransport(): RendererTransport {
  if (window.barkeep !== undefined) return createElectronTransport(window.barkeep);
  const token = takeServeToken({
    href: window.location.href,
    storage: sessionStorageOrNull(),
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
  });
  return createHttpTransport(token, new URL(window.location.origin));
}

// Reading window.sessionStorage itself throws when storage is blocked.
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
