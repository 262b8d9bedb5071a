import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import { isConnectionLoss } from './replication';

test('lost connections are retried; refusals are not', () => {
  assert.ok(isConnectionLoss(new Error('Connection terminated unexpectedly')));
  assert.ok(isConnectionLoss(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })));
  assert.ok(isConnectionLoss(Object.assign(new Error('replication slot "a" is active for PID 1'), { code: '55006' })));
  assert.ok(isConnectionLoss(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })));
  assert.ok(isConnectionLoss(new EngineError('postgres-unreachable', 'unable to connect')));
  assert.ok(!isConnectionLoss(new EngineError('postgres-unreachable', 'password', undefined, { cause: Object.assign(new Error('x'), { code: '28P01' }) })));
  assert.ok(!isConnectionLoss(Object.assign(new Error('requested WAL segment has already been removed'), { code: '58P01' })));
  assert.ok(!isConnectionLoss(new EngineError('wal-conflict', 'different bytes')));
});
