/**
 * The server editor (#/new-server, #/servers/NAME/edit): the server's options
 * as fields grouped by what they are for, "Test connection" (PostgreSQL,
 * replication, SSH, with the typed password) and Save, which writes
 * conf.d/<server>.conf and hands over to the list (a new server) or the
 * server's view. Field errors show at their fields and in a summary that
 * moves the focus. A typed password stays in this component's draft.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { emptyServerForm, type FieldError, type ServerForm, type ServerFormField, type StoredSecrets } from '../../../shared/domain/server-editor';
import { hrefFor, hrefForServer } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import type { Problem } from '../../store/describe-error';
import { draftFromForm, editOfDraft, type EditorDraft, type SshFields, type SshMode } from './server-editor-draft';
import { CheckField, FieldErrors, fieldId, SecretField, SelectField, TextField } from './server-editor-fields';
import { RemoveServerDialog } from './server-editor-remove';
import { TestReport, type TestState } from './server-editor-report';
import type { EditorTarget } from './server-editor-route';

const noSecrets: StoredSecrets = { password: false, sshKeyPassphrase: false };

const fieldLabels: Record<ServerFormField, string> = {
  name: 'Name', description: 'Description', conninfo: 'Connection', streamingConninfo: 'Streaming connection', ssh: 'SSH',
  backupMethod: 'Backup method', reuseBackup: 'Reuse backup', retentionPolicy: 'Retention policy', minimumRedundancy: 'Minimum redundancy',
  backupSchedule: 'Backup schedule', drillSchedule: 'Drill schedule', streamingArchiver: 'Streaming archiver', slotName: 'Slot name',
  createSlot: 'Create slot', archiver: 'archive_command intake', password: 'Password', sshKeyPassphrase: 'Key passphrase',
};

export function ServerEditorView({ target }: { target: EditorTarget }) {
  if (target.mode === 'add') {
    return <ServerEditor key="add" original={null} initial={emptyServerForm()} stored={noSecrets} configFile={null} otherOptions={[]} />;
  }
  return <EditExisting key={target.server} server={target.server} />;
}

function EditExisting({ server }: { server: string }) {
  const loaded = useBarkeep((state) => state.editorStates[server]);
  const loadServerEditor = useBarkeep((state) => state.loadServerEditor);
  useEffect(() => {
    void loadServerEditor(server);
  }, [server, loadServerEditor]);

  const state = loaded?.value ?? null;
  if (state === null) {
    return (
      <EditorFrame title={`Edit ${server}`} server={server}>
        {loaded?.status === 'failed' ? (
          <div className="panel job-error" role="alert" data-testid="editor-load-error">
            <p>{loaded.problem.message}</p>
            {loaded.problem.hint !== undefined && <p className="hint">{loaded.problem.hint}</p>}
            <p><a href={hrefFor('servers')}>All servers</a></p>
          </div>
        ) : (
          <p className="loading">Reading the settings of {server}…</p>
        )}
      </EditorFrame>
    );
  }
  if (!state.editable) {
    return (
      <EditorFrame title={`Edit ${server}`} server={server}>
        <div className="notice notice-warning" data-testid="editor-not-editable">
          <p>{state.notEditableReason}</p>
          <p><a href={hrefForServer(server)}>Back to {server}</a></p>
        </div>
      </EditorFrame>
    );
  }
  return <ServerEditor original={state.name} initial={state.form} stored={state.secrets} configFile={state.configFile} otherOptions={state.otherOptions} />;
}

function EditorFrame({ title, server, children }: { title: string; server: string | null; children: ReactNode }) {
  return (
    <section className="view server-editor" data-testid="view-server-editor" data-server={server ?? ''}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href={hrefFor('servers')}>Servers</a>
        {server !== null && (
          <>
            <span aria-hidden="true"> / </span>
            <a href={hrefForServer(server)}>{server}</a>
          </>
        )}
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{server === null ? 'Add' : 'Edit'}</span>
      </nav>
      <div className="view-head">
        <h1 tabIndex={-1}>{title}</h1>
      </div>
      {children}
    </section>
  );
}

interface EditorProps {
  original: string | null;
  initial: ServerForm;
  stored: StoredSecrets;
  configFile: string | null;
  otherOptions: string[];
}

function ServerEditor({ original, initial, stored, configFile, otherOptions }: EditorProps) {
  const home = useBarkeep((state) => state.info?.home ?? null);
  const testServerEdit = useBarkeep((state) => state.testServerEdit);
  const saveServerEdit = useBarkeep((state) => state.saveServerEdit);
  const [draft, setDraft] = useState<EditorDraft>(() => draftFromForm(initial));
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [test, setTest] = useState<TestState>({ status: 'idle' });
  const [testedDraft, setTestedDraft] = useState<EditorDraft | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveProblem, setSaveProblem] = useState<Problem | null>(null);
  const [removing, setRemoving] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const [focusSummary, setFocusSummary] = useState(0);

  useEffect(() => {
    if (focusSummary > 0) summary.current?.focus();
  }, [focusSummary]);

  const setForm = (patch: Partial<EditorDraft['form']>): void => setDraft((current) => ({ ...current, form: { ...current.form, ...patch } }));
  const setSsh = (patch: Partial<SshFields>): void => setDraft((current) => ({ ...current, sshFields: { ...current.sshFields, ...patch } }));
  const errorsOf = (field: ServerFormField): FieldError[] => fieldErrors.filter((error) => error.field === field);
  const edit = () => editOfDraft(draft, original, stored);
  const name = draft.form.name.trim();

  const runTest = async (): Promise<void> => {
    setTest({ status: 'running' });
    const tested = draft;
    const outcome = await testServerEdit(edit());
    if (!outcome.ok) {
      setTest({ status: 'failed', problem: outcome.problem });
      return;
    }
    setFieldErrors(outcome.value.fieldErrors);
    setTestedDraft(tested);
    setTest({ status: 'done', report: outcome.value, stale: false });
  };

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    setSaveProblem(null);
    const outcome = await saveServerEdit(edit());
    setSaving(false);
    if (!outcome.ok) {
      setSaveProblem(outcome.problem);
      setFocusSummary((count) => count + 1);
      return;
    }
    if (!outcome.value.saved) {
      setFieldErrors(outcome.value.fieldErrors);
      setFocusSummary((count) => count + 1);
      return;
    }
    window.location.hash = original === null ? hrefFor('servers') : hrefForServer(outcome.value.name);
  };

  const shownTest: TestState = test.status === 'done' ? { ...test, stale: testedDraft !== draft } : test;
  const secretsPlace = home === null ? 'the Barkeep home' : `${home}/secrets`;

  return (
    <EditorFrame title={original === null ? 'Add a server' : `Edit ${original}`} server={original}>
      <p className="editor-intro muted">
        {original === null
          ? <>Barkeep writes the server to <code>conf.d/{name === '' ? 'NAME' : name}.conf</code>, Barman&apos;s format. Empty fields take the global setting or the default.</>
          : <>Saving rewrites <code>{configFile}</code>. Empty fields take the global setting or the default.</>}
        {otherOptions.length > 0 && <> The file also sets {otherOptions.map((option, index) => <span key={option}>{index > 0 && ', '}<code>{option}</code></span>)}: saving keeps them.</>}
      </p>
      <form className="editor-form" onSubmit={(event) => void save(event)} noValidate data-testid="server-editor-form">
        {(fieldErrors.length > 0 || saveProblem !== null) && (
          <div className="editor-errors" role="alert" tabIndex={-1} ref={summary} data-testid="editor-errors">
            {saveProblem !== null && (
              <p>
                <strong>{saveProblem.title}</strong>: {saveProblem.message}
                {saveProblem.hint !== undefined && <span className="hint"> {saveProblem.hint}</span>}
              </p>
            )}
            {fieldErrors.length > 0 && (
              <>
                <p><strong>{fieldErrors.length === 1 ? 'One field needs' : `${fieldErrors.length} fields need`} correcting:</strong></p>
                <ul>
                  {fieldErrors.map((error, index) => (
                    <li key={index}>
                      <a href={`#${fieldId(error.field)}`} onClick={(clicked) => { clicked.preventDefault(); document.getElementById(fieldId(error.field))?.focus(); }}>
                        {fieldLabels[error.field]}
                      </a>
                      : {error.message}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}

        <fieldset className="editor-section">
          <legend>Server</legend>
          <TextField field="name" label="Name" hint={original === null ? 'Letters, digits, "_", "." or "-"; the name of its store folder and of every command about it.' : 'A server keeps its name: its backups are filed under it.'}
            errors={errorsOf('name')} value={draft.form.name} onChange={(value) => setForm({ name: value })} readOnly={original !== null} mono />
          <TextField field="description" label="Description" option="description" errors={errorsOf('description')} value={draft.form.description} onChange={(value) => setForm({ description: value })} />
        </fieldset>

        <fieldset className="editor-section">
          <legend>PostgreSQL connection</legend>
          <TextField field="conninfo" label="Connection" option="conninfo" mono errors={errorsOf('conninfo')} value={draft.form.conninfo}
            onChange={(value) => setForm({ conninfo: value })} placeholder="e.g. host=pg.example.com user=barkeep dbname=postgres"
            hint="A libpq connection string. No password here: type it below, and it is kept out of the file." />
          <SecretField field="password" label="Password" errors={errorsOf('password')} stored={stored.password} forget={draft.forgetPassword}
            onType={(value) => setDraft((current) => ({ ...current, password: value }))} onForget={(forget) => setDraft((current) => ({ ...current, forgetPassword: forget }))}
            forgetText="forget the stored password"
            hint={<>Kept in <code>{secretsPlace}</code>, readable by this user only (the desktop app encrypts it); never written to the .conf file, never shown again. Used by both connections.</>} />
          <TextField field="streamingConninfo" label="Streaming connection" option="streaming_conninfo" mono errors={errorsOf('streamingConninfo')} value={draft.form.streamingConninfo}
            onChange={(value) => setForm({ streamingConninfo: value })} placeholder="the connection above"
            hint="For replication connections: the streaming archiver and backup method postgres. Empty: the connection above." />
        </fieldset>

        <SshSection draft={draft} setDraft={setDraft} setSsh={setSsh} stored={stored} errors={errorsOf('ssh')} passphraseErrors={errorsOf('sshKeyPassphrase')} />

        <fieldset className="editor-section">
          <legend>Backups</legend>
          <SelectField field="backupMethod" label="Backup method" option="backup_method" errors={errorsOf('backupMethod')} value={draft.form.backupMethod}
            onChange={(value) => setForm({ backupMethod: value })}
            choices={[['', 'the global setting (else rsync)'], ['postgres', 'postgres: BASE_BACKUP over the replication protocol'], ['rsync', 'rsync: files over SSH, unchanged ones hard-linked']]} />
          <SelectField field="reuseBackup" label="Reuse backup" option="reuse_backup" errors={errorsOf('reuseBackup')} value={draft.form.reuseBackup}
            onChange={(value) => setForm({ reuseBackup: value })} hint="rsync backups: link hard-links the files unchanged since the previous backup."
            choices={[['', 'the global setting (else off)'], ['off', 'off'], ['copy', 'copy'], ['link', 'link']]} />
          <TextField field="retentionPolicy" label="Retention policy" option="retention_policy" errors={errorsOf('retentionPolicy')} value={draft.form.retentionPolicy}
            onChange={(value) => setForm({ retentionPolicy: value })} placeholder="e.g. RECOVERY WINDOW OF 4 WEEKS" hint="REDUNDANCY N, or RECOVERY WINDOW OF N DAYS, WEEKS or MONTHS." />
          <TextField field="minimumRedundancy" label="Minimum redundancy" option="minimum_redundancy" errors={errorsOf('minimumRedundancy')} value={draft.form.minimumRedundancy}
            onChange={(value) => setForm({ minimumRedundancy: value })} inputMode="numeric" placeholder="0" hint="Retention and delete never go below this many backups." />
          <TextField field="backupSchedule" label="Backup schedule" option="backup_schedule" mono errors={errorsOf('backupSchedule')} value={draft.form.backupSchedule}
            onChange={(value) => setForm({ backupSchedule: value })} placeholder="e.g. 0 3 * * *" hint="A cron expression in local time, e.g. 0 3 * * * or @daily; empty or off: no scheduled backups." />
          <TextField field="drillSchedule" label="Drill schedule" option="drill_schedule" mono errors={errorsOf('drillSchedule')} value={draft.form.drillSchedule}
            onChange={(value) => setForm({ drillSchedule: value })} placeholder="e.g. 0 4 * * sun" hint="When to restore the newest backup in a drill and check it starts; empty or off: never." />
        </fieldset>

        <fieldset className="editor-section">
          <legend>WAL archiving</legend>
          <CheckField field="streamingArchiver" label="Streaming archiver" option="streaming_archiver" errors={errorsOf('streamingArchiver')} checked={draft.form.streamingArchiver}
            onChange={(checked) => setForm({ streamingArchiver: checked })} text="stream WAL from a replication slot (recommended)" />
          <TextField field="slotName" label="Slot name" option="slot_name" mono errors={errorsOf('slotName')} value={draft.form.slotName}
            onChange={(value) => setForm({ slotName: value })} placeholder="e.g. barkeep" />
          <SelectField field="createSlot" label="Create slot" option="create_slot" errors={errorsOf('createSlot')} value={draft.form.createSlot}
            onChange={(value) => setForm({ createSlot: value })} hint="auto creates the slot when the streaming archiver starts."
            choices={[['', 'the global setting (else manual)'], ['auto', 'auto'], ['manual', 'manual']]} />
          <CheckField field="archiver" label="archive_command intake" option="archiver" errors={errorsOf('archiver')} checked={draft.form.archiver}
            onChange={(checked) => setForm({ archiver: checked })} text="take in WAL that archive_command pushes (barkeep put-wal)" />
        </fieldset>

        <div className="editor-actions">
          <button type="button" className="button" onClick={() => void runTest()} disabled={test.status === 'running'} data-testid="editor-test">
            {test.status === 'running' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="button button-primary" disabled={saving} data-testid="editor-save">
            {saving ? 'Saving…' : original === null ? 'Add server' : 'Save'}
          </button>
          <a className="button button-quiet" href={original === null ? hrefFor('servers') : hrefForServer(original)} data-testid="editor-cancel">
            Cancel
          </a>
          {original !== null && (
            <button type="button" className="button button-danger editor-remove" onClick={() => setRemoving(true)} data-testid="editor-remove">
              Remove server…
            </button>
          )}
        </div>
        <TestReport state={shownTest} />
      </form>
      {removing && original !== null && (
        <RemoveServerDialog server={original} configFile={configFile ?? ''} hasSecrets={stored.password || stored.sshKeyPassphrase} onClose={() => setRemoving(false)} />
      )}
    </EditorFrame>
  );
}

interface SshSectionProps {
  draft: EditorDraft;
  setDraft: (update: (current: EditorDraft) => EditorDraft) => void;
  setSsh: (patch: Partial<SshFields>) => void;
  stored: StoredSecrets;
  errors: FieldError[];
  passphraseErrors: FieldError[];
}

const sshModes: ReadonlyArray<readonly [SshMode, string]> = [
  ['none', 'None (backup method postgres needs none)'],
  ['fields', 'Host, user and key'],
  ['command', 'An ssh command line (ssh_command)'],
];

function SshSection({ draft, setDraft, setSsh, stored, errors, passphraseErrors }: SshSectionProps) {
  const fields = draft.sshFields;
  return (
    <fieldset className="editor-section" aria-describedby={errors.length > 0 ? 'editor-ssh-error' : undefined}>
      <legend>SSH to the database host</legend>
      <div className="editor-field" data-field="ssh">
        <span className="editor-label" id="editor-ssh-label">
          <span>Connect with</span>
          <code className="editor-option">ssh_command</code>
        </span>
        <div className="editor-control">
          <div className="editor-radios" role="radiogroup" aria-labelledby="editor-ssh-label">
            {sshModes.map(([mode, label]) => (
              <label key={mode} className="editor-check">
                <input type="radio" name="ssh-mode" value={mode} checked={draft.sshMode === mode} id={draft.sshMode === mode ? fieldId('ssh') : undefined}
                  onChange={() => setDraft((current) => ({ ...current, sshMode: mode }))} data-testid={`editor-ssh-${mode}`} />
                <span>{label}</span>
              </label>
            ))}
          </div>
          <p className="editor-hint">Rsync backups copy files over SSH; the host key must already be in the known_hosts file: Barkeep never trusts an unknown host.</p>
          <FieldErrors id="editor-ssh-error" errors={errors} testId="field-error-ssh" />
        </div>
      </div>
      {draft.sshMode === 'fields' && (
        <>
          <TextField field="ssh" controlId="editor-ssh-host" label="Host" mono errors={[]} value={fields.host} onChange={(value) => setSsh({ host: value })} placeholder="e.g. pg.example.com" />
          <TextField field="ssh" controlId="editor-ssh-port" label="Port" errors={[]} value={fields.port} onChange={(value) => setSsh({ port: value })} inputMode="numeric" placeholder="22" />
          <TextField field="ssh" controlId="editor-ssh-user" label="User" mono errors={[]} value={fields.user} onChange={(value) => setSsh({ user: value })} placeholder="postgres" />
          <TextField field="ssh" controlId="editor-ssh-key" label="Private key" mono errors={[]} value={fields.keyPath} onChange={(value) => setSsh({ keyPath: value })}
            placeholder="~/.ssh/id_ed25519" hint="A file on this machine. Empty: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa." />
          <TextField field="ssh" controlId="editor-ssh-known-hosts" label="known_hosts file" mono errors={[]} value={fields.knownHostsFile} onChange={(value) => setSsh({ knownHostsFile: value })}
            placeholder="~/.ssh/known_hosts" hint="Where the database host's key is pinned." />
        </>
      )}
      {draft.sshMode === 'command' && (
        <TextField field="ssh" controlId="editor-ssh-command" label="ssh_command" mono errors={[]} value={draft.sshCommand}
          onChange={(value) => setDraft((current) => ({ ...current, sshCommand: value }))} placeholder="ssh -p 2222 -i ~/.ssh/id_barkeep postgres@pg.example.com"
          hint="ssh [-p PORT] [-i KEY] [-o UserKnownHostsFile=FILE] user@host" />
      )}
      {draft.sshMode !== 'none' && (
        <SecretField field="sshKeyPassphrase" label="Key passphrase" errors={passphraseErrors} stored={stored.sshKeyPassphrase} forget={draft.forgetSshKeyPassphrase}
          onType={(value) => setDraft((current) => ({ ...current, sshKeyPassphrase: value }))}
          onForget={(forget) => setDraft((current) => ({ ...current, forgetSshKeyPassphrase: forget }))}
          forgetText="forget the stored passphrase" hint="Only for a key protected by a passphrase; kept like the password." />
      )}
    </fieldset>
  );
}
