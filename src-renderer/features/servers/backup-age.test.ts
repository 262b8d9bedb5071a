/**
 * Unit tests for the "last backup" age labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge } from './backup-age';

const now = Date.parse('2026-11-24T12:00:00Z');

test('ages read in the largest sensible unit', () => {
  assert.equal(formatAge(null, now), 'never');
  assert.equal(formatAge('not a date', now), 'unknown');
  assert.equal(formatAge('2026-11-24T11:59:30Z', now), 'just now');
  assert.equal(formatAge('2026-11-24T12:00:30Z', now), 'just now');
  assert.equal(formatAge('2026-11-24T11:48:00Z', now), '12 min ago');
  assert.equal(formatAge('2026-11-24T07:00:00Z', now), '5 h ago');
  assert.equal(formatAge('2026-11-22T13:00:00Z', now), '47 h ago');
  assert.equal(formatAge('2026-11-21T12:00:00Z', now), '3 days ago');
});
