/**
 * The equivalent command lines: every word survives a real POSIX shell's
 * parsing (quotes, spaces, $, backslashes, empty words), and a composed restore
 * becomes the options `barkeep restore` reads, defaults left out.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { joinShellWords, renderDrillCommandLine, renderRestoreCommandLine, shellWord, targetWords } from './restore-command-line';
import type { RecoveryTarget } from './target';

/** What /bin/sh makes of `line` as the arguments of a command. */
function parsedByShell(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('shell words: safe ones bare, others single-quoted, and /bin/sh reads each back unchanged', () => {
  assert.equal(shellWord('/srv/restore/data'), '/srv/restore/data');
  assert.equal(shellWord('fast:/srv/fast'), 'fast:/srv/fast');
  assert.equal(shellWord('2026-11-24 04:30:00+01:00'), "'2026-11-24 04:30:00+01:00'");
  assert.equal(shellWord("it's"), "'it'\\''s'");
  assert.equal(shellWord(''), "''");
  const words = ['plain', 'two words', "o'clock", '$HOME', '`id`', 'back\\slash', '"double"', '', 'tab\there', 'ünïcode', '*', 'a;b', 'new\nline'];
  assert.deepEqual(parsedByShell(joinShellWords(words)), words);
});

const base = { timeline: 'latest', action: 'pause', exclusive: false } as const;

test('target options: the point, then a timeline other than latest, the action unless the target is the latest WAL, exclusive', () => {
  const cases: Array<[RecoveryTarget, string[]]> = [
    [{ ...base, kind: 'latest' }, []],
    [{ ...base, kind: 'latest', timeline: 3 }, ['--target-tli', '3']],
    [{ ...base, kind: 'time', text: '2026-11-24 04:30:00+00:00', epochMs: 0, action: 'promote' }, ['--target-time', '2026-11-24 04:30:00+00:00', '--target-action', 'promote']],
    [{ ...base, kind: 'xid', xid: '7421', exclusive: true }, ['--target-xid', '7421', '--target-action', 'pause', '--target-exclusive']],
    [{ ...base, kind: 'lsn', lsn: 0x1_0300_0060n, timeline: 'current', action: 'shutdown' }, ['--target-lsn', '1/3000060', '--target-tli', 'current', '--target-action', 'shutdown']],
    [{ ...base, kind: 'name', name: 'before upgrade' }, ['--target-name', 'before upgrade', '--target-action', 'pause']],
    [{ ...base, kind: 'immediate' }, ['--target-immediate', '--target-action', 'pause']],
  ];
  for (const [target, expected] of cases) assert.deepEqual(targetWords(target), expected, target.kind);
});

test('restore and drill command lines, read back by /bin/sh', () => {
  const input = {
    configFile: '/home/dba/barkeep conf/barkeep.conf', server: 'pg', backup: '20261124T030000',
    target: { ...base, kind: 'time', text: '2026-11-24 04:30:00+01:00', epochMs: 0, action: 'promote' } as RecoveryTarget,
  };
  const restore = renderRestoreCommandLine(input, { kind: 'ssh', sshCommand: 'ssh -i /keys/id postgres@db2', path: '/var/lib/pg/restore' },
    [{ name: 'fast', path: '/srv/fast' }, { name: 'unmoved', path: '  ' }]);
  assert.equal(restore, "barkeep -c '/home/dba/barkeep conf/barkeep.conf' restore pg 20261124T030000 /var/lib/pg/restore"
    + " --target-time '2026-11-24 04:30:00+01:00' --target-action promote --remote-ssh-command 'ssh -i /keys/id postgres@db2' --tablespace fast:/srv/fast");
  assert.deepEqual(parsedByShell(restore), [
    'barkeep', '-c', '/home/dba/barkeep conf/barkeep.conf', 'restore', 'pg', '20261124T030000', '/var/lib/pg/restore',
    '--target-time', '2026-11-24 04:30:00+01:00', '--target-action', 'promote', '--remote-ssh-command', 'ssh -i /keys/id postgres@db2', '--tablespace', 'fast:/srv/fast',
  ]);
  assert.equal(renderDrillCommandLine({ ...input, backup: null }),
    "barkeep -c '/home/dba/barkeep conf/barkeep.conf' drill pg --target-time '2026-11-24 04:30:00+01:00' --target-action promote");
});
