import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeBackupHost, type BackupHostFacts } from './backup-host-check';

const facts = (over: Partial<BackupHostFacts>): BackupHostFacts => ({
  serverAddress: '10.0.0.5',
  localAddresses: ['127.0.0.1', '::1', '192.168.1.20', 'fe80::1%eth0'],
  dataDirectory: '/var/lib/postgresql/15/main',
  dataDirectoryHere: true,
  sameVolume: false,
  ...over,
});

test('a server on another address is elsewhere, even when the same path exists here', () => {
  assert.equal(judgeBackupHost(facts({})), 'elsewhere');
});

test('a Unix socket session, or loopback in any spelling, is this machine', () => {
  assert.equal(judgeBackupHost(facts({ serverAddress: null })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: '127.0.0.1' })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: '127.0.1.1' })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: '::1' })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: '::ffff:127.0.0.1' })), 'same-machine');
});

test("one of this machine's own addresses is this machine (IPv4-mapped and zone ids aside)", () => {
  assert.equal(judgeBackupHost(facts({ serverAddress: '192.168.1.20' })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: '::ffff:192.168.1.20' })), 'same-machine');
  assert.equal(judgeBackupHost(facts({ serverAddress: 'FE80::1' })), 'same-machine');
});

test('a loopback session whose data directory does not exist here is a tunnel to another host', () => {
  assert.equal(judgeBackupHost(facts({ serverAddress: '127.0.0.1', dataDirectoryHere: false })), 'elsewhere');
});

test('the same volume as the store is the worse case', () => {
  assert.equal(judgeBackupHost(facts({ serverAddress: null, sameVolume: true })), 'same-volume');
  assert.equal(judgeBackupHost(facts({ serverAddress: null, sameVolume: null })), 'same-machine');
});
