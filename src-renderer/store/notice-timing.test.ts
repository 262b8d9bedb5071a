/**
 * A notice's life: bounded reading time by the length of its words, kept a
 * while after a pause, and which navigation takes it away. Numbers worked out
 * by hand from the rule 4 s + 60 ms a character, within 6 s to 15 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifetimeLeftMs, navigationDismisses, noticeLifetimeMs } from './notice-timing';

test('a notice lives long enough to read its title and message, within bounds', () => {
  // 'Server added' is 12 characters; the message 19 + 48 = 67: 4000 + 60 × 79 = 8740.
  const message = 'pgpw is written to /tmp/barkeep-e2e-editor-abc123/conf.d/pgpw.conf.';
  assert.equal(noticeLifetimeMs({ title: 'Server added', message }), 8740);
  // 'Done' and 'ok': 4000 + 60 × 6 = 4360, below the 6 s floor.
  assert.equal(noticeLifetimeMs({ title: 'Done', message: 'ok' }), 6000);
  // 300 characters: 4000 + 18000 = 22000, above the 15 s ceiling.
  assert.equal(noticeLifetimeMs({ title: '', message: 'x'.repeat(300) }), 15_000);
});

test('after a pause a notice keeps what it had left, and at least two seconds', () => {
  assert.equal(lifetimeLeftMs(8000, 3000), 5000);
  assert.equal(lifetimeLeftMs(8000, 7500), 2000);
  assert.equal(lifetimeLeftMs(8000, 0), 8000);
});

test('a navigation takes away notices shown a second or more, not one the navigating action just announced', () => {
  const shownAt = 1_000_000;
  assert.equal(navigationDismisses(shownAt, shownAt + 5), false);
  assert.equal(navigationDismisses(shownAt, shownAt + 999), false);
  assert.equal(navigationDismisses(shownAt, shownAt + 1000), true);
  assert.equal(navigationDismisses(shownAt, shownAt + 60_000), true);
});
