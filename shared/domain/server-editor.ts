/**
 * What the server editor sends and receives: a server's editable options as
 * text (as they would be written in conf.d/<server>.conf), the secrets typed
 * beside them (sent to the engine, never returned: the editor only learns
 * whether one is stored), field errors, and the connection test's steps.
 */
import { z } from 'zod';
import { ServerName } from './names';

/** SSH to the database host: none, host/user/key fields (written as an ssh_command), or an ssh_command as written. */
export const SshSettings = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }).strict(),
  z.object({
    mode: z.literal('fields'),
    host: z.string().max(255),
    /** empty: 22 */
    port: z.string().max(5),
    user: z.string().max(64),
    /** empty: the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa */
    keyPath: z.string().max(4096),
    /** empty: ~/.ssh/known_hosts */
    knownHostsFile: z.string().max(4096),
  }).strict(),
  z.object({ mode: z.literal('command'), command: z.string().max(4096) }).strict(),
]);
export type SshSettings = z.infer<typeof SshSettings>;

const OptionText = z.string().max(4096);

/**
 * Every field as text, the way the option is written; an empty text leaves the
 * option out of the file (the global setting or the default applies).
 */
export const ServerForm = z.object({
  name: z.string().max(63),
  description: OptionText,
  conninfo: OptionText,
  streamingConninfo: OptionText,
  ssh: SshSettings,
  backupMethod: z.enum(['', 'postgres', 'rsync']),
  reuseBackup: z.enum(['', 'off', 'copy', 'link']),
  retentionPolicy: OptionText,
  minimumRedundancy: OptionText,
  backupSchedule: OptionText,
  drillSchedule: OptionText,
  streamingArchiver: z.boolean(),
  slotName: OptionText,
  createSlot: z.enum(['', 'auto', 'manual']),
  archiver: z.boolean(),
}).strict();
export type ServerForm = z.infer<typeof ServerForm>;

export const serverFormFields = [
  'name', 'description', 'conninfo', 'streamingConninfo', 'ssh', 'backupMethod', 'reuseBackup', 'retentionPolicy',
  'minimumRedundancy', 'backupSchedule', 'drillSchedule', 'streamingArchiver', 'slotName', 'createSlot', 'archiver',
  'password', 'sshKeyPassphrase',
] as const;
export const ServerFormField = z.enum(serverFormFields);
export type ServerFormField = z.infer<typeof ServerFormField>;

/** What to do with a stored secret: keep it as it is, replace it with the typed value, or forget it. */
export const SecretEdit = z.discriminatedUnion('action', [
  z.object({ action: z.literal('keep') }).strict(),
  z.object({ action: z.literal('set'), value: z.string().min(1).max(1024) }).strict(),
  z.object({ action: z.literal('clear') }).strict(),
]);
export type SecretEdit = z.infer<typeof SecretEdit>;

export const SecretEdits = z.object({ password: SecretEdit, sshKeyPassphrase: SecretEdit }).strict();
export type SecretEdits = z.infer<typeof SecretEdits>;

/** Which secrets the secret store holds for a server: never their values. */
export const StoredSecrets = z.object({ password: z.boolean(), sshKeyPassphrase: z.boolean() });
export type StoredSecrets = z.infer<typeof StoredSecrets>;

/** The editor's input: a new server, or changes to the server named `original`. */
export const ServerEdit = z.object({
  /** null: a new server; else the server being edited (its name cannot change) */
  original: ServerName.nullable(),
  form: ServerForm,
  secrets: SecretEdits,
}).strict();
export type ServerEdit = z.infer<typeof ServerEdit>;

/** A field's problem, in the loader's words without file:line, and what to write instead. */
export const FieldError = z.object({
  field: ServerFormField,
  /** the option's name in the file, e.g. retention_policy */
  option: z.string(),
  message: z.string(),
  hint: z.string().nullable(),
});
export type FieldError = z.infer<typeof FieldError>;

/** servers:get: the server's own options as the editor shows them. */
export const ServerEditorState = z.object({
  name: ServerName,
  form: ServerForm,
  secrets: StoredSecrets,
  /** the file the server is read from and written to */
  configFile: z.string(),
  /** false when the server is defined in a file barkeep will not rewrite (the main file, say) */
  editable: z.boolean(),
  notEditableReason: z.string().nullable(),
  /** options of the server's file the editor does not show; saving keeps them */
  otherOptions: z.array(z.string()),
});
export type ServerEditorState = z.infer<typeof ServerEditorState>;

export const TestStep = z.object({
  step: z.enum(['postgres', 'replication', 'ssh']),
  /** what was tried, e.g. "PostgreSQL at 127.0.0.1:5432 as barkeep" */
  target: z.string(),
  ok: z.boolean(),
  /** what answered (version, system id), or the error */
  detail: z.string(),
  hint: z.string().nullable(),
});
export type TestStep = z.infer<typeof TestStep>;

/** servers:test: field errors stop before any connection; otherwise every applicable step runs. */
export const ConnectionTestReport = z.object({
  ok: z.boolean(),
  fieldErrors: z.array(FieldError),
  steps: z.array(TestStep),
});
export type ConnectionTestReport = z.infer<typeof ConnectionTestReport>;

export const SaveServerResult = z.discriminatedUnion('saved', [
  z.object({ saved: z.literal(true), name: ServerName, configFile: z.string(), secrets: StoredSecrets }),
  z.object({ saved: z.literal(false), fieldErrors: z.array(FieldError) }),
]);
export type SaveServerResult = z.infer<typeof SaveServerResult>;

export const RemovedServer = z.object({ name: ServerName, configFile: z.string(), secretsRemoved: z.boolean() });
export type RemovedServer = z.infer<typeof RemovedServer>;

/** The form of a server not yet written: Barkeep's recommended defaults for a new one. */
export function emptyServerForm(): ServerForm {
  return {
    name: '',
    description: '',
    conninfo: '',
    streamingConninfo: '',
    ssh: { mode: 'none' },
    backupMethod: 'postgres',
    reuseBackup: '',
    retentionPolicy: '',
    minimumRedundancy: '',
    backupSchedule: '',
    drillSchedule: '',
    streamingArchiver: false,
    slotName: '',
    createSlot: '',
    archiver: false,
  };
}
