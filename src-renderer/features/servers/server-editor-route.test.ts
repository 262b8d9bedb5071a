/**
 * Unit tests for the server editor's addresses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeFromHash, serverFromHash } from '../../app/hash-route';
import { editorTargetFromHash, editorTargetFromKey, editorTargetKey, hrefForNewServer, hrefForServerEditor } from './server-editor-route';

test('#/new-server adds, #/servers/NAME/edit edits; other addresses are no editor', () => {
  assert.deepEqual(editorTargetFromHash(hrefForNewServer), { mode: 'add' });
  assert.deepEqual(editorTargetFromHash('#/servers/pg-main/edit'), { mode: 'edit', server: 'pg-main' });
  assert.deepEqual(editorTargetFromHash(hrefForServerEditor('a b')), { mode: 'edit', server: 'a b' });
  assert.equal(editorTargetFromHash('#/servers/pg-main'), null);
  assert.equal(editorTargetFromHash('#/servers//edit'), null);
  assert.equal(editorTargetFromHash('#/servers/pg/edit/more'), null);
  assert.equal(editorTargetFromHash('#/servers/%E0%A4%A/edit'), null);
  assert.equal(editorTargetFromHash('#/jobs'), null);
});

test('the editor stays under the Servers view, and its key round-trips', () => {
  assert.equal(routeFromHash(hrefForNewServer), 'servers');
  assert.equal(routeFromHash(hrefForServerEditor('pg')), 'servers');
  assert.equal(serverFromHash(hrefForServerEditor('pg')), 'pg');
  for (const target of [null, { mode: 'add' } as const, { mode: 'edit', server: 'x/y' } as const]) {
    assert.deepEqual(editorTargetFromKey(editorTargetKey(target)), target);
  }
});
