/**
 * Unit tests for the event socket's reconnect backoff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelay } from './event-socket';

test('the delay doubles from half a second and stops at fifteen', () => {
  const middle = () => 0.5;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 12].map((attempt) => reconnectDelay(attempt, middle)),
    [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000],
  );
});

test('jitter stays within a fifth either side', () => {
  assert.equal(reconnectDelay(3, () => 0), 1600);
  assert.equal(reconnectDelay(3, () => 1), 2400);
});
