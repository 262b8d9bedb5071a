import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeArchiveCommand } from './archive-command';

test('commands that succeed without keeping the file are no-ops', () => {
  for (const command of ['/bin/true', 'true', ' true ; ', '/usr/bin/true %p', 'exit 0', 'exit', ':', 'echo %p', 'true && exit 0', 'cp %p /dev/null']) {
    assert.equal(judgeArchiveCommand(command).kind, 'no-op', command);
  }
});

test('empty, disabled (archive_mode off) and commands without %p or %f', () => {
  assert.equal(judgeArchiveCommand('').kind, 'empty');
  assert.equal(judgeArchiveCommand('   ').kind, 'empty');
  assert.equal(judgeArchiveCommand('(disabled)').kind, 'disabled');
  assert.equal(judgeArchiveCommand('exit 1').kind, 'no-file');
  assert.equal(judgeArchiveCommand('/usr/local/bin/archive.sh').kind, 'no-file');
});

test('real archive commands pass', () => {
  for (const command of [
    'cp %p /var/lib/barkeep/main/incoming/%f',
    'test ! -f /mnt/server/archivedir/%f && cp %p /mnt/server/archivedir/%f',
    'ssh backup barkeep put-wal main --name %f < %p',
    'barman-wal-archive backup main %p',
    'rsync -a pg_wal/%f backup:/incoming/%f',
  ]) {
    assert.equal(judgeArchiveCommand(command).kind, 'ok', command);
  }
});
