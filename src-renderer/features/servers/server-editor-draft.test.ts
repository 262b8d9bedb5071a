/**
 * Unit tests for the editor's draft: SSH modes keep both their values, and
 * typed secrets, "forget" and nothing typed become set, clear and keep.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyServerForm } from '../../../shared/domain/server-editor';
import { draftFromForm, editOfDraft, formOfDraft, secretEditOf } from './server-editor-draft';

const none = { password: false, sshKeyPassphrase: false };
const both = { password: true, sshKeyPassphrase: true };

test('a form round-trips through the draft; switching SSH modes keeps what each one holds', () => {
  const form = { ...emptyServerForm(), name: 'pg', ssh: { mode: 'fields', host: 'db1', port: '', user: 'postgres', keyPath: '/k', knownHostsFile: '' } as const };
  const draft = draftFromForm(form);
  assert.deepEqual(formOfDraft(draft), form);
  const asCommand = { ...draft, sshMode: 'command' as const, sshCommand: 'ssh -C postgres@db1' };
  assert.deepEqual(formOfDraft(asCommand).ssh, { mode: 'command', command: 'ssh -C postgres@db1' });
  assert.deepEqual(formOfDraft({ ...asCommand, sshMode: 'fields' }).ssh, form.ssh, 'the fields are still there');
  assert.deepEqual(formOfDraft({ ...asCommand, sshMode: 'none' }).ssh, { mode: 'none' });
});

test('typed replaces, forget clears a stored secret, nothing typed keeps it', () => {
  assert.deepEqual(secretEditOf('pw', false, false), { action: 'set', value: 'pw' });
  assert.deepEqual(secretEditOf('pw', true, true), { action: 'set', value: 'pw' }, 'a typed one wins over forget');
  assert.deepEqual(secretEditOf('', true, true), { action: 'clear' });
  assert.deepEqual(secretEditOf('', true, false), { action: 'keep' }, 'nothing stored: nothing to forget');
  assert.deepEqual(secretEditOf('', false, true), { action: 'keep' });
});

test('the edit sent: secrets as decided; a passphrase goes when SSH goes', () => {
  const draft = { ...draftFromForm({ ...emptyServerForm(), name: 'pg' }), password: 'pw', sshKeyPassphrase: 'typed earlier' };
  assert.deepEqual(editOfDraft(draft, null, none).secrets, { password: { action: 'set', value: 'pw' }, sshKeyPassphrase: { action: 'keep' } });
  assert.deepEqual(editOfDraft({ ...draft, password: '' }, 'pg', both).secrets, { password: { action: 'keep' }, sshKeyPassphrase: { action: 'clear' } });
  assert.deepEqual(editOfDraft({ ...draft, sshMode: 'fields' }, 'pg', both).secrets.sshKeyPassphrase, { action: 'set', value: 'typed earlier' });
  assert.equal(editOfDraft(draft, 'pg', both).original, 'pg');
});
