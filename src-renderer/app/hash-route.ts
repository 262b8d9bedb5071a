/**
 * Hash routing (#/servers, #/jobs, …): the five top-level views and a hook
 * that follows the address. Unknown or empty hashes show the servers view.
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

export function routeFromHash(hash: string): RouteId {
  const wanted = hash.replace(/^#\/?/, '').split('/')[0];
  return routes.find((route) => route.id === wanted)?.id ?? 'servers';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
}
