/**
 * Unit tests for reading the view and the server out of the address's hash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hrefForServer, routeFromHash, serverFromHash } from './hash-route';

test('top-level views, with the servers view for anything unknown', () => {
  assert.equal(routeFromHash('#/jobs'), 'jobs');
  assert.equal(routeFromHash('#/servers/pg-main'), 'servers');
  assert.equal(routeFromHash('#/nowhere'), 'servers');
  assert.equal(routeFromHash(''), 'servers');
});

test('#/servers/NAME names a server; its link round-trips', () => {
  assert.equal(serverFromHash('#/servers/pg-main'), 'pg-main');
  assert.equal(serverFromHash('#/servers/'), null);
  assert.equal(serverFromHash('#/servers'), null);
  assert.equal(serverFromHash('#/jobs/pg-main'), null);
  assert.equal(serverFromHash('#/servers/%E0%A4%A'), null, 'a malformed escape names no server');
  assert.equal(hrefForServer('db.example_1'), '#/servers/db.example_1');
  assert.equal(serverFromHash(hrefForServer('a b')), 'a b');
});
