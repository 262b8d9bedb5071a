import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAge, formatBytes, formatInterval, subtractInterval } from './age';

test('intervals subtract hours, days and weeks exactly and months by the calendar', () => {
  const now = new Date('2026-03-31T10:00:00Z');
  assert.equal(subtractInterval(now, { amount: 6, unit: 'hours' }).toISOString(), '2026-03-31T04:00:00.000Z');
  assert.equal(subtractInterval(now, { amount: 2, unit: 'weeks' }).toISOString(), '2026-03-17T10:00:00.000Z');
  assert.equal(subtractInterval(new Date('2026-05-15T00:00:00Z'), { amount: 1, unit: 'months' }).toISOString(), '2026-04-15T00:00:00.000Z');
});

test('ages keep the two largest units; intervals and sizes read naturally', () => {
  assert.equal(formatAge(0), '0 seconds');
  assert.equal(formatAge(61_000), '1 minute, 1 second');
  assert.equal(formatAge((2 * 86_400 + 3 * 3_600 + 59) * 1000), '2 days, 3 hours');
  assert.equal(formatAge(3 * 86_400_000 + 5 * 60_000), '3 days');
  assert.equal(formatInterval({ amount: 1, unit: 'days' }), '1 day');
  assert.equal(formatInterval({ amount: 4, unit: 'weeks' }), '4 weeks');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(16 * 1024 * 1024), '16.0 MiB');
  assert.equal(formatBytes(1536 * 1024 * 1024), '1.5 GiB');
});

test('a month before the 31st is the last day of the shorter month, not an overflow into the same month', () => {
  assert.equal(subtractInterval(new Date('2026-03-31T10:00:00Z'), { amount: 1, unit: 'months' }).toISOString(), '2026-02-28T10:00:00.000Z');
});
