/**
 * The token `barkeep serve` prints travels once in the page address
 * (?token=…). It is kept in sessionStorage and removed from the address bar,
 * so it does not linger in history, screenshots or a copied URL.
 */

export const serveTokenStorageKey = 'barkeep.serveToken';

interface TokenPlaces {
  href: string;
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  replaceUrl: (url: string) => void;
}

/** Returns the serve token, or null when the page was opened without one. */
export function takeServeToken({ href, storage, replaceUrl }: TokenPlaces): string | null {
  const url = new URL(href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    url.searchParams.delete('token');
    replaceUrl(url.pathname + url.search + url.hash);
    if (fromUrl !== '') {
      writeQuietly(storage, fromUrl);
      return fromUrl;
    }
  }
  return readQuietly(storage);
}

// Storage can be disabled by browser policy; the token then lives only in memory for this page.
function writeQuietly(storage: TokenPlaces['storage'], token: string): void {
  try {
    storage?.setItem(serveTokenStorageKey, token);
  } catch {
    /* memory only */
  }
}

function readQuietly(storage: TokenPlaces['storage']): string | null {
  try {
    const stored = storage?.getItem(serveTokenStorageKey) ?? null;
    return stored === '' ? null : stored;
  } catch {
    return null;
  }
}
