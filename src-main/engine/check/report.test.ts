import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckResult } from './model';
import { exitCodeForRuns, renderConsole, renderNagios, statusOf, toCheckJson } from './report';

const ok = (name: string, detail = ''): CheckResult => ({ name, ok: true, severity: 'critical', detail });
const bad = (name: string, detail: string, severity: CheckResult['severity'] = 'critical'): CheckResult =>
  ({ name, ok: false, severity, detail, hint: `fix ${name}` });
const run = (server: string, results: CheckResult[]) => ({ server, checkedAt: '2026-05-01T00:00:00.000Z', results });

test('console lines follow Barman: OK with an optional detail, FAILED or WARNING with detail and a hint line', () => {
  assert.deepEqual(renderConsole(run('main', [
    ok('PostgreSQL'),
    ok('failed backups', 'there are 0 failed backups'),
    bad('archive_mode', 'archive_mode is off'),
    bad('free disk space', '15% free', 'warning'),
  ])), [
    'Server main:',
    '\tPostgreSQL: OK',
    '\tfailed backups: OK (there are 0 failed backups)',
    '\tarchive_mode: FAILED (archive_mode is off)',
    '\t\tHINT: fix archive_mode',
    '\tfree disk space: WARNING (15% free)',
    '\t\tHINT: fix free disk space',
  ]);
});

test('warnings alone do not fail the run; a critical failure exits 1', () => {
  assert.equal(statusOf([ok('a'), bad('b', 'x', 'warning')]), 'warning');
  assert.equal(exitCodeForRuns([run('a', [bad('b', 'x', 'warning')])]), 0);
  assert.equal(exitCodeForRuns([run('a', [ok('b')]), run('c', [bad('d', 'x')])]), 1);
});

test('nagios: OK for one server, several, or none', () => {
  assert.deepEqual(renderNagios([run('main', [ok('PostgreSQL')])]),
    { lines: ['BARKEEP OK - Ready to serve the Espresso backup for main'], exitCode: 0 });
  assert.deepEqual(renderNagios([run('a', [ok('x')]), run('b', [ok('x')])], ['c']),
    { lines: ['BARKEEP OK - Ready to serve the Espresso backup for 2 servers * a * b * IGNORING: c'], exitCode: 0 });
  assert.deepEqual(renderNagios([]), { lines: ['BARKEEP OK - No server configured'], exitCode: 0 });
});

test('nagios: CRITICAL names the failed checks per server, then one detail line each', () => {
  assert.deepEqual(renderNagios([run('main', [ok('PostgreSQL'), bad('archive_mode', 'archive_mode is off'), bad('replication slot', 'gone'), bad('free disk space', '15% free', 'warning')])]), {
    lines: [
      'BARKEEP CRITICAL - server main has issues * main FAILED: archive_mode, replication slot * main WARNING: free disk space',
      'main.archive_mode: FAILED (archive_mode is off)',
      'main.replication slot: FAILED (gone)',
      'main.free disk space: WARNING (15% free)',
    ],
    exitCode: 2,
  });
  assert.equal(renderNagios([run('a', [ok('x')]), run('b', [bad('y', 'z')])]).lines[0], 'BARKEEP CRITICAL - 1 server out of 2 have issues * b FAILED: y');
});

test('nagios: warnings alone are WARNING with exit 1', () => {
  assert.deepEqual(renderNagios([run('main', [bad('wal delivery', 'streaming only', 'warning')])]), {
    lines: ['BARKEEP WARNING - server main has warnings * main WARNING: wal delivery', 'main.wal delivery: WARNING (streaming only)'],
    exitCode: 1,
  });
});

test('json carries status, severity and hint of every check', () => {
  assert.deepEqual(toCheckJson([run('main', [ok('PostgreSQL'), bad('ssh', 'refused')])]), [{
    server: 'main',
    status: 'failed',
    checkedAt: '2026-05-01T00:00:00.000Z',
    checks: [
      { name: 'PostgreSQL', ok: true, severity: 'critical', detail: '', hint: null },
      { name: 'ssh', ok: false, severity: 'critical', detail: 'refused', hint: 'fix ssh' },
    ],
  }]);
});
