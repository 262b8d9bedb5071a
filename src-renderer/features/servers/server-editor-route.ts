/**
 * Where the server editor lives in the address: #/new-server adds a server,
 * #/servers/NAME/edit edits one. Both sit under the Servers view (the
 * navigation marks Servers); everything else is another view's address.
 */
import { useSyncExternalStore } from 'react';

export type EditorTarget = { mode: 'add' } | { mode: 'edit'; server: string };

export const hrefForNewServer = '#/new-server';

export function hrefForServerEditor(name: string): string {
  return `#/servers/${encodeURIComponent(name)}/edit`;
}

export function editorTargetFromHash(hash: string): EditorTarget | null {
  const parts = hash.replace(/^#\/?/, '').split('/');
  if (parts.length === 1 && parts[0] === 'new-server') return { mode: 'add' };
  const [first, name, action] = parts;
  if (parts.length !== 3 || first !== 'servers' || action !== 'edit' || name === undefined || name === '') return null;
  try {
    return { mode: 'edit', server: decodeURIComponent(name) };
  } catch {
    return null;
  }
}

/** A key that changes when the editor target does (for effects and focus). */
export function editorTargetKey(target: EditorTarget | null): string {
  if (target === null) return '';
  return target.mode === 'add' ? 'add' : `edit/${target.server}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The editor the address asks for, as a stable key (parse it with editorTargetFromKey). */
export function useEditorTargetKey(): string {
  return useSyncExternalStore(subscribe, () => editorTargetKey(editorTargetFromHash(window.location.hash)));
}

export function editorTargetFromKey(key: string): EditorTarget | null {
  if (key === '') return null;
  if (key === 'add') return { mode: 'add' };
  return { mode: 'edit', server: key.slice('edit/'.length) };
}
