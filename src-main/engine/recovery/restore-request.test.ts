/**
 * The shared request builder's pure parts: the composer's target as the
 * command line's --target-* options, tablespace rows as --tablespace values,
 * and which validation queries a drill runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerConfig } from '../config/load';
import { drillValidationSql, recoveryTargetInputOf, tablespaceOptionsOf } from './restore-request';
import { parseRecoveryTarget } from './target';

test('each target choice becomes the options the CLI would parse, with timeline, action and exclusive', () => {
  const fields = { timeline: 2, action: 'promote', exclusive: true } as const;
  assert.deepEqual(recoveryTargetInputOf({ kind: 'xid', xid: '7421' }, fields), { timeline: '2', action: 'promote', exclusive: true, xid: '7421' });
  assert.deepEqual(recoveryTargetInputOf({ kind: 'immediate' }, { ...fields, exclusive: false }), { timeline: '2', action: 'promote', exclusive: false, immediate: true });
  assert.deepEqual(recoveryTargetInputOf({ kind: 'latest' }, { timeline: 'latest', action: 'pause', exclusive: false }), { timeline: 'latest', action: 'pause', exclusive: false });
  const parsed = parseRecoveryTarget(recoveryTargetInputOf({ kind: 'lsn', lsn: '0/3000060' }, fields));
  assert.deepEqual(parsed, { kind: 'lsn', lsn: 0x3000060n, timeline: 2, action: 'promote', exclusive: true });
  assert.throws(() => parseRecoveryTarget(recoveryTargetInputOf({ kind: 'name', name: 'x' }, fields)), /--target-exclusive does not apply to a name target/);
});

test('tablespace rows without a path stay where they lived; the others become NAME:PATH', () => {
  assert.deepEqual(tablespaceOptionsOf([{ name: 'fast', path: ' /srv/fast ' }, { name: 'slow', path: '' }, { name: '16401', path: '/srv/x' }]), ['fast:/srv/fast', '16401:/srv/x']);
});

test('drill validation: given queries, else the server option, else BARKEEP_DRILL_SQL_<SERVER>, else none (the defaults)', () => {
  const server = (sql: string[]) => ({ name: 'pg-main.1', drillValidationSql: sql }) as unknown as ServerConfig;
  const env = { BARKEEP_DRILL_SQL_PG_MAIN_1: 'select 2\n\n  select 3  \n' };
  assert.deepEqual(drillValidationSql(server(['select 1']), ['select 9', '  '], env), ['select 9']);
  assert.deepEqual(drillValidationSql(server(['select 1']), undefined, env), ['select 1']);
  assert.deepEqual(drillValidationSql(server([]), undefined, env), ['select 2', 'select 3']);
  assert.deepEqual(drillValidationSql(server([]), undefined, {}), []);
});
