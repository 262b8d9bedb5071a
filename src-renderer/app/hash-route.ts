/**
 * Hash routing (#/servers, #/jobs, …): the five top-level views, one server's
 * own view under #/servers/NAME, and hooks that follow the address. Unknown or
 * empty hashes show the servers view.
 */
import { useSyncExternalStore } from 'react';

export const routes = [
  { id: 'servers', label: 'Servers' },
  { id: 'backups', label: 'Backups' },
  { id: 'disk', label: 'Disk' },
  { id: 'restore', label: 'Restore' },
  { id: 'jobs', label: 'Jobs' },
] as const;

export type RouteId = (typeof routes)[number]['id'];

export function hrefFor(route: RouteId): string {
  return `#/${route}`;
}

export function hrefForServer(name: string): string {
  return `#/servers/${encodeURIComponent(name)}`;
}

function hashParts(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('/');
}

export function routeFromHash(hash: string): RouteId {
  const wanted = hashParts(hash)[0];
  return routes.find((route) => route.id === wanted)?.id ?? 'servers';
}

/** The server named by #/servers/NAME, or null on any other address. */
export function serverFromHash(hash: string): string | null {
  const [first, second] = hashParts(hash);
  if (first !== 'servers' || second === undefined || second === '') return null;
  try {
    return decodeURIComponent(second);
  } catch {
    return null;
  }
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}

export function useRouteServer(): string | null {
  return useSyncExternalStore(subscribe, () => serverFromHash(window.location.hash));
}
