import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineError } from '../../../../shared/errors';
import { findDefaultKey, parseSshCommand, splitShellWords } from './ssh-command';

const home = '/home/barman';
const parse = (command: string) => parseSshCommand(command, { userHome: home, localUser: 'barman' });

function assertConfigInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'config-invalid');
    assert.match(error.message, pattern);
    return true;
  });
}

test("Barman's usual ssh_command: user@host with defaults", () => {
  assert.deepEqual(parse('ssh postgres@pg'), {
    host: 'pg', port: 22, username: 'postgres', privateKeyPath: null, knownHostsFile: '/home/barman/.ssh/known_hosts', compression: false,
  });
});

test('-p, -i, -l and -o UserKnownHostsFile', () => {
  const target = parse('ssh -p 2222 -i ~/.ssh/pg_key -o UserKnownHostsFile=/etc/barman/known_hosts -l postgres pghost');
  assert.deepEqual(target, {
    host: 'pghost', port: 2222, username: 'postgres', privateKeyPath: '/home/barman/.ssh/pg_key', knownHostsFile: '/etc/barman/known_hosts', compression: false,
  });
});

test('attached values, -o with a space, quotes and several known_hosts files', () => {
  const target = parse(`ssh -p2222 -i'/keys/my key' -o 'UserKnownHostsFile ~/kh /etc/kh2' -oPort=9 -q postgres@db.example.com`);
  assert.equal(target.port, 2222, '-p wins over -o Port');
  assert.equal(target.privateKeyPath, '/keys/my key');
  assert.equal(target.knownHostsFile, '/home/barman/kh', 'the first of several files');
  assert.equal(target.username, 'postgres');
  assert.equal(target.host, 'db.example.com');
});

test('-o Port=, User= and HostName= when the command line does not set them', () => {
  const target = parse('ssh -o Port=2200 -o User=pg -o HostName=10.0.0.5 db');
  assert.equal(target.port, 2200);
  assert.equal(target.username, 'pg');
  assert.equal(target.host, '10.0.0.5');
});

test('-l wins over user@host; the local user is the last resort', () => {
  assert.equal(parse('ssh -l postgres other@pg').username, 'postgres');
  assert.equal(parse('ssh pg').username, 'barman');
});

test('ssh:// destinations and IPv6 brackets', () => {
  assert.deepEqual(
    { ...parse('ssh ssh://postgres@[::1]:2022'), knownHostsFile: '' },
    { host: '::1', port: 2022, username: 'postgres', privateKeyPath: null, knownHostsFile: '', compression: false },
  );
});

test('-C and Compression=yes ask for compression', () => {
  assert.equal(parse('ssh -C postgres@pg').compression, true);
  assert.equal(parse('ssh -qC postgres@pg').compression, true);
  assert.equal(parse('ssh -o Compression=yes postgres@pg').compression, true);
});

test('a remote command after the host is ignored (as `ssh -G` resolves it: -p after the host counts, after the command not)', () => {
  assert.equal(parse('ssh postgres@pg -p 1 true').port, 1);
  assert.equal(parse('ssh postgres@pg true -p 9').port, 22);
});

test('StrictHostKeyChecking=no is refused with a clear error', () => {
  assertConfigInvalid(() => parse('ssh -o StrictHostKeyChecking=no postgres@pg'), /turns off host key checking \(StrictHostKeyChecking=no\)/);
  assertConfigInvalid(() => parse('ssh -oStrictHostKeyChecking=off postgres@pg'), /turns off host key checking/);
  // Stricter settings are fine: barkeep never adds keys on its own.
  assert.equal(parse('ssh -o StrictHostKeyChecking=yes postgres@pg').host, 'pg');
});

test('what ssh2 cannot follow is refused', () => {
  assertConfigInvalid(() => parse('ssh -J bastion postgres@pg'), /jump hosts/);
  assertConfigInvalid(() => parse('ssh -o ProxyCommand="nc %h %p" postgres@pg'), /ProxyCommand/);
  assertConfigInvalid(() => parse('rsync postgres@pg'), /does not start with ssh/);
  assertConfigInvalid(() => parse('ssh -p'), /-p needs a value/);
  assertConfigInvalid(() => parse('ssh -p 99999 pg'), /not a port number/);
  assertConfigInvalid(() => parse('ssh -q'), /names no host/);
  assertConfigInvalid(() => parse("ssh 'pg"), /unclosed single quote/);
});

test('/usr/bin/ssh is ssh too', () => {
  assert.equal(parse('/usr/bin/ssh postgres@pg').host, 'pg');
});

test('splitShellWords handles quotes and escapes like sh', () => {
  assert.deepEqual(splitShellWords(`a "b c" 'd "e"' f\\ g "h\\"i" ''`), ['a', 'b c', 'd "e"', 'f g', 'h"i', '']);
});

test('findDefaultKey follows OpenSSH order', () => {
  const present = new Set(['/h/.ssh/id_rsa', '/h/.ssh/id_ecdsa']);
  assert.equal(findDefaultKey('/h', (file) => present.has(file)), '/h/.ssh/id_ecdsa');
  assert.equal(findDefaultKey('/h', () => false), null);
});

test('options after user@host are read as OpenSSH reads them; the first other word starts the remote command', () => {
  const target = parse("ssh postgres@pghost -p 2222 -i /keys/pg -o 'UserKnownHostsFile=/etc/barkeep/known_hosts' true -p 9999");
  assert.deepEqual(target, {
    host: 'pghost', port: 2222, username: 'postgres', privateKeyPath: '/keys/pg', knownHostsFile: '/etc/barkeep/known_hosts', compression: false,
  });
});
