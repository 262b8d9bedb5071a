/**
 * The ui slice's toasts: a notice and an error as pushed, the same notice not
 * twice, and what a navigation takes away (notices shown a second or more;
 * never errors, never the notice of the action that navigates).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../shared/errors';
import { createClient } from '../../shared/ipc/client';
import type { RendererTransport } from '../app/transport/renderer-transport';
import { createBarkeepStore } from './barkeep-store';

/** No engine behind it: these tests call no channel. */
const noDoor: RendererTransport = {
  kind: 'http',
  call: async () => ({ ok: false, error: { code: 'internal', message: 'no engine in this test' } }),
  subscribe: () => () => undefined,
  onConnection: () => () => undefined,
};

const newStore = () => createBarkeepStore({ client: createClient(noDoor), transportKind: 'http' });

test('a notice is shown once however often it is told; an error carries its code and hint', () => {
  const store = newStore();
  const before = Date.now();
  store.getState().notify('Server added', 'pg is written to /etc/barkeep/conf.d/pg.conf.');
  store.getState().notify('Server added', 'pg is written to /etc/barkeep/conf.d/pg.conf.');
  store.getState().reportError(new EngineError('backup-in-use', "backup '20261124T030000' is being restored", 'wait for the restore'), 'delete the backup');
  const toasts = store.getState().toasts;
  assert.deepEqual(toasts.map((toast) => [toast.tone, toast.title]), [['info', 'Server added'], ['error', 'Could not delete the backup']]);
  assert.equal(toasts[1]!.code, 'backup-in-use');
  assert.equal(toasts[1]!.hint, 'wait for the restore');
  assert.ok(toasts[0]!.shownAt >= before && toasts[0]!.shownAt <= Date.now(), 'stamped when pushed');
});

test('a navigation takes notices shown a second or more, keeps a newer one and every error', () => {
  const store = newStore();
  store.getState().notify('Backup kept', 'b1 is kept.');
  store.getState().reportError(new EngineError('internal', 'boom'), 'refresh the jobs');
  store.getState().notify('Server added', 'pg is written.');
  // Stamp the first notice 5 s and the second 0.3 s before the navigation.
  const navigation = 2_000_000_000_000;
  store.setState((state) => ({
    toasts: state.toasts.map((toast) => ({ ...toast, shownAt: toast.title === 'Backup kept' ? navigation - 5000 : navigation - 300 })),
  }));
  store.getState().dismissNoticesOnNavigation(navigation);
  assert.deepEqual(store.getState().toasts.map((toast) => toast.title), ['Could not refresh the jobs', 'Server added']);
  // A second later the same navigation rule takes the newer notice too; the error stays until dismissed.
  store.getState().dismissNoticesOnNavigation(navigation + 1000);
  assert.deepEqual(store.getState().toasts.map((toast) => toast.title), ['Could not refresh the jobs']);
  const [error] = store.getState().toasts;
  store.getState().dismissToast(error!.id);
  assert.deepEqual(store.getState().toasts, []);
});
