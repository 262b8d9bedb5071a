/**
 * The server editor's channels on a real engine (a temporary home, no
 * PostgreSQL): servers:save writes conf.d/<server>.conf without the password
 * and keeps the password in the 0600 secrets file, where connections of this
 * process find it; servers:get says only that one is stored; a refused form
 * writes nothing; options the editor does not show survive a save;
 * servers:test validates first, then reports each step; servers:delete-config
 * removes the file and the secrets.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ServerSummary } from '../../shared/domain/server';
import { emptyServerForm, type ConnectionTestReport, type SaveServerResult, type ServerEditorState, type ServerForm } from '../../shared/domain/server-editor';
import type { Envelope } from '../../shared/ipc/envelope';
import type { PushEvent } from '../../shared/ipc/events';
import { createHandlers, dispatch, type Handlers } from './contract-handlers';
import { Engine } from './engine';
import { findStoredPassword } from './postgres/stored-passwords';

const password = 'S3cret-pw with spaces';
let folder: string;
let engine: Engine;
let handlers: Handlers;

before(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-editor-contract-'));
  engine = Engine.open({ configFile: path.join(folder, 'barkeep.conf'), createHome: true });
  handlers = createHandlers(engine, 'http', '0.0.0-test');
});

after(async () => {
  await engine.close();
  rmSync(folder, { recursive: true, force: true });
});

function valueOf<T>(envelope: Envelope<unknown>): T {
  assert.equal(envelope.ok, true, `expected a value, got ${JSON.stringify(envelope)}`);
  return (envelope as { ok: true; value: T }).value;
}

function errorOf(envelope: Envelope<unknown>): { code: string; message: string } {
  assert.equal(envelope.ok, false, `expected an error, got ${JSON.stringify(envelope)}`);
  return (envelope as { ok: false; error: { code: string; message: string } }).error;
}

const conninfo = 'host=127.0.0.1 port=1 user=barkeep dbname=postgres';
const form = (changes: Partial<ServerForm> = {}): ServerForm => ({
  ...emptyServerForm(), name: 'edited', conninfo, backupMethod: 'postgres', retentionPolicy: 'REDUNDANCY 2', ...changes,
});
const keepBoth = { password: { action: 'keep' }, sshKeyPassphrase: { action: 'keep' } } as const;

test('editor inputs are checked at the boundary', async () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['servers:save', { original: null, form: { name: 'x' }, secrets: keepBoth }, /'servers:save' at 'form\./],
    ['servers:save', { original: null, form: form(), secrets: { ...keepBoth, password: { action: 'set', value: '' } } }, /at 'secrets\.password\.value'/],
    ['servers:test', { original: 'all', form: form(), secrets: keepBoth }, /at 'original': reserved server name/],
    ['servers:get', { server: '../etc' }, /'servers:get' at 'server'/],
    ['servers:delete-config', {}, /at 'server'/],
  ];
  for (const [channel, input, message] of bad) {
    const error = errorOf(await dispatch(handlers, channel, input));
    assert.equal(error.code, 'invalid-input', channel);
    assert.match(error.message, message);
  }
});

test('a refused form comes back as field errors and writes nothing', async () => {
  const result = valueOf<SaveServerResult>(await dispatch(handlers, 'servers:save', {
    original: null, form: form({ retentionPolicy: 'REDUNDANCY 0', conninfo: `${conninfo} password=oops` }), secrets: keepBoth,
  }));
  assert.equal(result.saved, false);
  assert.deepEqual(result.saved === false && result.fieldErrors.map((error) => [error.field, error.option]), [
    ['retentionPolicy', 'retention_policy'], ['conninfo', 'conninfo'],
  ]);
  assert.equal(existsSync(path.join(engine.config.global.configurationFilesDirectory, 'edited.conf')), false);
  assert.equal(existsSync(path.join(folder, 'secrets', 'edited.json')), false);
});

test('servers:save writes the .conf without the password, stores it owner-only, reloads; connections find it', async () => {
  const events: PushEvent[] = [];
  const stop = engine.onEvent((event) => events.push(event));
  let result: SaveServerResult;
  try {
    result = valueOf<SaveServerResult>(await dispatch(handlers, 'servers:save', {
      original: null, form: form({ description: 'edited in the app', streamingArchiver: true, slotName: 'barkeep' }),
      secrets: { password: { action: 'set', value: password }, sshKeyPassphrase: { action: 'keep' } },
    }));
  } finally {
    stop();
  }
  const file = path.join(engine.config.global.configurationFilesDirectory, 'edited.conf');
  assert.deepEqual(result, { saved: true, name: 'edited', configFile: file, secrets: { password: true, sshKeyPassphrase: false } });
  assert.ok(events.some((event) => event.kind === 'invalidate' && event.topic === 'servers'), 'the servers list is told to refresh');

  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(password) && !text.includes('S3cret'), 'no password in the .conf');
  assert.match(text, /^conninfo = host=127\.0\.0\.1 port=1 user=barkeep dbname=postgres$/m);
  assert.match(text, /^streaming_archiver = on$/m);
  const secretsFile = path.join(folder, 'secrets', 'edited.json');
  assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(secretsFile)).mode & 0o777, 0o700);

  const listed = valueOf<ServerSummary[]>(await dispatch(handlers, 'servers:list', {}));
  assert.deepEqual(listed.map((server) => server.name), ['edited']);
  // Any connection of this process to that server, or the same role there, gets the password at connect time.
  assert.equal(findStoredPassword(conninfo), password);
  assert.equal(findStoredPassword('host=127.0.0.1 port=1 user=barkeep dbname=other'), password);
  assert.equal(findStoredPassword('host=127.0.0.1 port=1 user=someone_else'), undefined);

  const state = valueOf<ServerEditorState>(await dispatch(handlers, 'servers:get', { server: 'edited' }));
  assert.ok(!JSON.stringify(state).includes(password), 'servers:get never returns the password');
  assert.deepEqual(state.secrets, { password: true, sshKeyPassphrase: false });
  assert.equal(state.editable, true);
  assert.deepEqual(state.form, form({ description: 'edited in the app', streamingArchiver: true, slotName: 'barkeep' }));
});

test('an edit keeps the stored password and the options the editor does not show', async () => {
  const file = path.join(engine.config.global.configurationFilesDirectory, 'edited.conf');
  writeFileSync(file, `${readFileSync(file, 'utf8')}compression = gzip\nimmediate_checkpoint = on\n`, { mode: 0o600 });
  engine.reloadConfig();
  const state = valueOf<ServerEditorState>(await dispatch(handlers, 'servers:get', { server: 'edited' }));
  assert.deepEqual(state.otherOptions, ['compression', 'immediate_checkpoint']);

  const result = valueOf<SaveServerResult>(await dispatch(handlers, 'servers:save', {
    original: 'edited', form: { ...state.form, description: 'changed', retentionPolicy: '' }, secrets: keepBoth,
  }));
  assert.equal(result.saved, true);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^compression = gzip$/m);
  assert.match(text, /^immediate_checkpoint = on$/m);
  assert.match(text, /^description = changed$/m);
  assert.doesNotMatch(text, /retention_policy/, 'an emptied field leaves the option out');
  assert.equal(engine.server('edited').compression, 'gzip');
  assert.equal(findStoredPassword(conninfo), password, 'kept');

  // The name of an edited server cannot change.
  const renamed = valueOf<SaveServerResult>(await dispatch(handlers, 'servers:save', { original: 'edited', form: { ...state.form, name: 'other' }, secrets: keepBoth }));
  assert.deepEqual(renamed.saved === false && renamed.fieldErrors.map((error) => error.message), ["the name cannot change from 'edited'"]);
});

test('servers:test validates first, then reports each applicable step without the password', async () => {
  const refused = valueOf<ConnectionTestReport>(await dispatch(handlers, 'servers:test', { original: null, form: form({ name: 'edited' }), secrets: keepBoth }));
  assert.deepEqual(refused, {
    ok: false, steps: [],
    fieldErrors: [{ field: 'name', option: 'name', message: "a server named 'edited' is already configured (" + path.join(engine.config.global.configurationFilesDirectory, 'edited.conf') + ')', hint: 'choose another name, or edit that server' }],
  });

  // Nothing listens on port 1: PostgreSQL and replication fail with the connection's own error; no SSH step for method postgres without SSH.
  const report = valueOf<ConnectionTestReport>(await dispatch(handlers, 'servers:test', {
    original: 'edited', form: (valueOf<ServerEditorState>(await dispatch(handlers, 'servers:get', { server: 'edited' }))).form, secrets: keepBoth,
  }));
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps.map((step) => [step.step, step.target, step.ok]), [
    ['postgres', 'PostgreSQL at 127.0.0.1:1 as barkeep', false],
    ['replication', 'PostgreSQL replication at 127.0.0.1:1 as barkeep', false],
  ]);
  assert.match(report.steps[0]!.detail, /^unable to connect to postgresql at 127\.0\.0\.1:1 as barkeep: .*ECONNREFUSED/);
  assert.equal(report.steps[0]!.hint, 'check that postgresql is running and listening on 127.0.0.1:1');
  assert.ok(!JSON.stringify(report).includes(password));

  // Method rsync without SSH: the SSH step says what is missing.
  const rsync = valueOf<ConnectionTestReport>(await dispatch(handlers, 'servers:test', { original: null, form: form({ name: 'fresh', backupMethod: 'rsync' }), secrets: keepBoth }));
  assert.deepEqual(rsync.steps.map((step) => [step.step, step.ok, step.detail]).at(-1), ['ssh', false, 'backup method rsync copies files over SSH, and no SSH connection is set']);
});

test('servers:delete-config removes the file and the secrets; the store is left alone', async () => {
  const removed = valueOf<{ name: string; configFile: string; secretsRemoved: boolean }>(await dispatch(handlers, 'servers:delete-config', { server: 'edited' }));
  assert.deepEqual(removed, { name: 'edited', configFile: path.join(engine.config.global.configurationFilesDirectory, 'edited.conf'), secretsRemoved: true });
  assert.equal(existsSync(removed.configFile), false);
  assert.equal(existsSync(path.join(folder, 'secrets', 'edited.json')), false);
  assert.deepEqual(valueOf<ServerSummary[]>(await dispatch(handlers, 'servers:list', {})), []);
  assert.equal(findStoredPassword(conninfo), undefined);
  assert.equal(errorOf(await dispatch(handlers, 'servers:get', { server: 'edited' })).code, 'server-unknown');
});
