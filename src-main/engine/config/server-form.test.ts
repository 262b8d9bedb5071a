/**
 * Unit tests for the server editor's form: the options each field writes,
 * SSH fields written as an ssh_command and read back, and validation in the
 * loader's words (no file:line), including passwords kept out of conninfo.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerName } from '../../../shared/domain/names';
import { emptyServerForm, type SecretEdits, type ServerForm } from '../../../shared/domain/server-editor';
import type { LoadedConfig, ServerConfig } from './model';
import { formOfOptions, formToOptions, sshCommandOf, sshSettingsOf, validateServerForm } from './server-form';

const keep: SecretEdits = { password: { action: 'keep' }, sshKeyPassphrase: { action: 'keep' } };

function configWith(servers: Array<Pick<ServerConfig, 'name' | 'file'>>): LoadedConfig {
  return {
    configFile: '/home/b/barkeep.conf',
    flavour: 'barkeep',
    global: {
      home: '/home/b', configurationFilesDirectory: '/home/b/conf.d', lockDirectory: '/home/b', logFile: null, logLevel: 'INFO',
      diskWarningFreePercent: 20, diskCriticalFreePercent: 10, diskForecastWarningDays: 7, pgBinDir: null,
    },
    servers: servers as ServerConfig[],
    warnings: [],
  };
}

function form(changes: Partial<ServerForm>): ServerForm {
  return { ...emptyServerForm(), name: 'pg', conninfo: 'host=db1 user=barkeep dbname=postgres', ...changes };
}

const noServers = { config: configWith([]), original: null, secrets: keep, userHome: '/home/u', fileExists: () => true };

test('fields write their options; empty texts are left out, switches always written', () => {
  assert.deepEqual(formToOptions(form({
    description: ' Main cluster ',
    streamingConninfo: 'host=db1 user=streaming_barkeep',
    backupMethod: 'postgres',
    retentionPolicy: 'RECOVERY WINDOW OF 2 WEEKS',
    minimumRedundancy: '1',
    backupSchedule: '0 3 * * *',
    streamingArchiver: true,
    slotName: 'barkeep',
    createSlot: 'auto',
  })), {
    description: 'Main cluster',
    conninfo: 'host=db1 user=barkeep dbname=postgres',
    streaming_conninfo: 'host=db1 user=streaming_barkeep',
    backup_method: 'postgres',
    retention_policy: 'RECOVERY WINDOW OF 2 WEEKS',
    minimum_redundancy: '1',
    backup_schedule: '0 3 * * *',
    slot_name: 'barkeep',
    create_slot: 'auto',
    streaming_archiver: 'on',
    archiver: 'off',
  });
});

test('SSH fields become an ssh_command, quoted where a shell needs it, and read back as the same fields', () => {
  const fields = { mode: 'fields', host: 'db1', port: '2222', user: 'postgres', keyPath: '/keys/id ed25519', knownHostsFile: '/keys/known_hosts' } as const;
  const command = "ssh -p 2222 -i '/keys/id ed25519' -o UserKnownHostsFile=/keys/known_hosts postgres@db1";
  assert.equal(sshCommandOf(fields), command);
  assert.deepEqual(sshSettingsOf(command), fields);
  // Port 22 and empty key and known_hosts are left out.
  assert.equal(sshCommandOf({ mode: 'fields', host: 'db1', port: '22', user: 'postgres', keyPath: '', knownHostsFile: '' }), 'ssh postgres@db1');
  assert.deepEqual(sshSettingsOf('ssh postgres@db1'), { mode: 'fields', host: 'db1', port: '', user: 'postgres', keyPath: '', knownHostsFile: '' });
  // A command the fields cannot say (-C) stays a command; none is none.
  assert.deepEqual(sshSettingsOf('ssh -C postgres@db1'), { mode: 'command', command: 'ssh -C postgres@db1' });
  assert.deepEqual(sshSettingsOf(null), { mode: 'none' });
  assert.equal(sshCommandOf({ mode: 'command', command: '  ssh -C postgres@db1 ' }), 'ssh -C postgres@db1');
});

test('a server\'s own options fill the form; choices it does not know are left empty', () => {
  const own = new Map<string, string>([
    ['conninfo', 'host=db1 user=barkeep'], ['backup_method', 'RSYNC'], ['reuse_backup', 'link'], ['ssh_command', 'ssh postgres@db1'],
    ['retention_policy', 'REDUNDANCY 3'], ['create_slot', 'sometimes'], ['compression', 'gzip'],
  ]);
  assert.deepEqual(formOfOptions('pg', own, { streamingArchiver: true, archiver: false }), {
    ...emptyServerForm(),
    name: 'pg',
    conninfo: 'host=db1 user=barkeep',
    backupMethod: 'rsync',
    reuseBackup: 'link',
    ssh: { mode: 'fields', host: 'db1', port: '', user: 'postgres', keyPath: '', knownHostsFile: '' },
    retentionPolicy: 'REDUNDANCY 3',
    streamingArchiver: true,
  });
});

test('a valid form has no errors', () => {
  assert.deepEqual(validateServerForm(form({ retentionPolicy: 'REDUNDANCY 2', backupSchedule: '@daily', slotName: 'barkeep' }), noServers), []);
});

test('values are refused with the loader\'s parsers and words, field by field', () => {
  const errors = validateServerForm(form({
    retentionPolicy: 'REDUNDANCY 0',
    minimumRedundancy: '-1',
    backupSchedule: '61 * * * *',
    slotName: 'Bad-Slot',
  }), noServers);
  assert.deepEqual(errors.map((error) => [error.field, error.option, error.message]), [
    ['retentionPolicy', 'retention_policy', "'REDUNDANCY 0' keeps no backup"],
    ['minimumRedundancy', 'minimum_redundancy', '-1 is less than 0'],
    ['backupSchedule', 'backup_schedule', "'61 * * * *' is not a cron expression: the minute field '61' has 61, out of range 0-59"],
    ['slotName', 'slot_name', "'Bad-Slot' is not a replication slot name"],
  ]);
  assert.equal(errors[0]!.hint, 'Keep at least one copy: REDUNDANCY 1 or more.');
  assert.ok(errors.every((error) => !/:\d+:/.test(error.message)), 'no file:line in the words');
});

test('a password in either conninfo is refused: it would land in the .conf file', () => {
  const errors = validateServerForm(form({
    conninfo: 'host=db1 user=barkeep password=secret',
    streamingConninfo: 'postgresql://barkeep:secret@db1/postgres',
  }), noServers);
  assert.deepEqual(errors.map((error) => error.field), ['conninfo', 'streamingConninfo']);
  assert.match(errors[0]!.message, /holds a password/);
  assert.ok(errors.every((error) => !error.message.includes('secret') && !(error.hint ?? '').includes('secret')), 'the password is not echoed');
});

test('the name: required, valid, not taken; an edited server keeps its name', () => {
  const taken = { ...noServers, config: configWith([{ name: ServerName.parse('pg'), file: '/home/b/conf.d/pg.conf' }]) };
  assert.deepEqual(validateServerForm(form({ name: '' }), noServers).map((error) => error.message), ['a name is required']);
  assert.match(validateServerForm(form({ name: 'all' }), noServers)[0]!.message, /^'all' is not a valid server name \(reserved server name\)$/);
  assert.deepEqual(validateServerForm(form({}), taken).map((error) => error.message), ["a server named 'pg' is already configured (/home/b/conf.d/pg.conf)"]);
  assert.deepEqual(validateServerForm(form({}), { ...taken, original: ServerName.parse('pg') }), []);
  assert.deepEqual(validateServerForm(form({ name: 'pg2' }), { ...taken, original: ServerName.parse('pg') }).map((error) => error.message), ["the name cannot change from 'pg'"]);
});

test('SSH: host and user required, a port number, an existing key file, and what the ssh_command parser refuses', () => {
  const ssh = (changes: object): ServerForm['ssh'] => ({ mode: 'fields', host: 'db1', port: '', user: 'postgres', keyPath: '', knownHostsFile: '', ...changes });
  const messages = (value: ServerForm['ssh'], fileExists = (): boolean => true): string[] =>
    validateServerForm(form({ ssh: value }), { ...noServers, fileExists }).map((error) => `${error.field}: ${error.message}`);
  assert.deepEqual(messages(ssh({ host: '', user: '' })), ['ssh: the SSH host is required', 'ssh: the SSH user is required']);
  assert.deepEqual(messages(ssh({ port: '70000' })), ["ssh: '70000' is not a port number"]);
  assert.deepEqual(messages(ssh({ keyPath: '/nowhere/key' }), () => false), ["ssh: there is no key file at '/nowhere/key'"]);
  assert.deepEqual(messages({ mode: 'command', command: 'ssh -o StrictHostKeyChecking=no postgres@db1' }),
    ["ssh: ssh_command 'ssh -o StrictHostKeyChecking=no postgres@db1' turns off host key checking (StrictHostKeyChecking=no)"]);
  assert.deepEqual(messages({ mode: 'command', command: 'rsh db1' }), ["ssh: ssh_command 'rsh db1' does not start with ssh"]);
  const passphraseWithoutSsh = validateServerForm(form({}), { ...noServers, secrets: { ...keep, sshKeyPassphrase: { action: 'set', value: 'x' } } });
  assert.deepEqual(passphraseWithoutSsh.map((error) => error.field), ['sshKeyPassphrase']);
});
