/**
 * The editor's draft: the form as typed, the SSH fields and command both kept
 * while the person switches between them, and the typed secrets with their
 * "forget" boxes, turned into what servers:test and servers:save take. Pure;
 * the draft lives in the editor and is dropped with it.
 */
import type { ServerName } from '../../../shared/domain/names';
import type { SecretEdit, ServerEdit, ServerForm, SshSettings, StoredSecrets } from '../../../shared/domain/server-editor';

export type SshMode = SshSettings['mode'];
export type SshFields = Omit<Extract<SshSettings, { mode: 'fields' }>, 'mode'>;

export interface EditorDraft {
  form: Omit<ServerForm, 'ssh'>;
  sshMode: SshMode;
  sshFields: SshFields;
  sshCommand: string;
  /** as typed; '' keeps the stored one (or none) */
  password: string;
  forgetPassword: boolean;
  sshKeyPassphrase: string;
  forgetSshKeyPassphrase: boolean;
}

const noSshFields: SshFields = { host: '', port: '', user: 'postgres', keyPath: '', knownHostsFile: '' };

export function draftFromForm(form: ServerForm): EditorDraft {
  const { ssh, ...rest } = form;
  return {
    form: rest,
    sshMode: ssh.mode,
    sshFields: ssh.mode === 'fields' ? { host: ssh.host, port: ssh.port, user: ssh.user, keyPath: ssh.keyPath, knownHostsFile: ssh.knownHostsFile } : noSshFields,
    sshCommand: ssh.mode === 'command' ? ssh.command : '',
    password: '',
    forgetPassword: false,
    sshKeyPassphrase: '',
    forgetSshKeyPassphrase: false,
  };
}

export function formOfDraft(draft: EditorDraft): ServerForm {
  const ssh: SshSettings = draft.sshMode === 'none' ? { mode: 'none' }
    : draft.sshMode === 'command' ? { mode: 'command', command: draft.sshCommand }
    : { mode: 'fields', ...draft.sshFields };
  return { ...draft.form, ssh };
}

/** A typed secret replaces; a ticked "forget" clears a stored one; otherwise the stored one stays. */
export function secretEditOf(typed: string, forget: boolean, stored: boolean): SecretEdit {
  if (typed !== '') return { action: 'set', value: typed };
  if (forget && stored) return { action: 'clear' };
  return { action: 'keep' };
}

export function editOfDraft(draft: EditorDraft, original: string | null, stored: StoredSecrets): ServerEdit {
  return {
    // The name comes from servers:list or the address; the contract checks it again.
    original: original as ServerName | null,
    form: formOfDraft(draft),
    secrets: {
      password: secretEditOf(draft.password, draft.forgetPassword, stored.password),
      // Without SSH there is no key to open: a passphrase typed earlier is not sent.
      sshKeyPassphrase: draft.sshMode === 'none' ? { action: stored.sshKeyPassphrase ? 'clear' : 'keep' }
        : secretEditOf(draft.sshKeyPassphrase, draft.forgetSshKeyPassphrase, stored.sshKeyPassphrase),
    },
  };
}
