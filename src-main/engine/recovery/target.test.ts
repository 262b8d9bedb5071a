import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { describeRecoveryTarget, parseRecoveryTarget, parseTargetTime } from './target';

const now = () => new Date('2026-11-24T00:00:00Z');

test('each target kind parses with its defaults: timeline latest, action pause, inclusive', () => {
  assert.deepEqual(parseRecoveryTarget({}, now), { kind: 'latest', timeline: 'latest', action: 'pause', exclusive: false });
  assert.deepEqual(parseRecoveryTarget({ xid: '742', exclusive: true, action: 'promote', timeline: '2' }, now),
    { kind: 'xid', xid: '742', timeline: 2, action: 'promote', exclusive: true });
  assert.equal(parseRecoveryTarget({ lsn: '0/3000060' }, now).kind, 'lsn');
  assert.deepEqual(parseRecoveryTarget({ name: 'before_m5', timeline: 'current' }, now), { kind: 'name', name: 'before_m5', timeline: 'current', action: 'pause', exclusive: false });
  assert.equal(parseRecoveryTarget({ immediate: true }, now).kind, 'immediate');
});

test('times keep what PostgreSQL receives and the instant for planning', () => {
  assert.deepEqual(parseTargetTime('2026-11-20 10:08:00.123456+00'), { text: '2026-11-20 10:08:00.123456+00:00', epochMs: Date.parse('2026-11-20T10:08:00.123Z') });
  assert.deepEqual(parseTargetTime('2026-11-20T10:08Z'), { text: '2026-11-20 10:08:00Z', epochMs: Date.parse('2026-11-20T10:08:00Z') });
  assert.equal(parseTargetTime('2026-11-20 12:08:00+0200').epochMs, Date.parse('2026-11-20T10:08:00Z'));
  const local = parseTargetTime('2026-11-20 10:08:00');
  assert.match(local.text, /^2026-11-20 10:08:00[+-]\d\d:\d\d$/);
  assert.equal(local.epochMs, new Date(2026, 10, 20, 10, 8, 0).getTime());
});

test('usage errors: two targets, bad values, exclusive where it does not apply, a future time', () => {
  const refused = (input: Parameters<typeof parseRecoveryTarget>[0], message: RegExp) =>
    assert.throws(() => parseRecoveryTarget(input, now), (error: unknown) => error instanceof EngineError && error.code === 'usage' && message.test(error.message));
  refused({ xid: '1', name: 'x' }, /^only one recovery target may be given, got --target-xid and --target-name/);
  refused({ time: 'yesterday' }, /^'yesterday' is not a timestamp/);
  refused({ time: '2027-01-01 00:00:00Z' }, /is in the future/);
  refused({ xid: '-4' }, /^invalid --target-xid/);
  refused({ lsn: '3000060' }, /^invalid --target-lsn '3000060'/);
  refused({ name: 'x'.repeat(64) }, /^invalid --target-name/);
  refused({ immediate: true, exclusive: true }, /^--target-exclusive does not apply to a immediate target/);
  refused({ timeline: 'newest' }, /^invalid --target-tli 'newest'/);
  refused({ action: 'stop' }, /^invalid --target-action 'stop'/);
});

test('targets in words', () => {
  assert.equal(describeRecoveryTarget(parseRecoveryTarget({ lsn: '0/3000060', exclusive: true }, now)), 'lsn 0/3000060 (exclusive)');
  assert.equal(describeRecoveryTarget(parseRecoveryTarget({}, now)), 'the latest archived wal');
});
