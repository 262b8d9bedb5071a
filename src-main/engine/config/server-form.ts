/**
 * The server editor's form against the configuration's options: which option
 * each field writes, the form a server's own options fill, and validation with
 * the loader's parsers (options.ts), the conninfo parser and the ssh_command
 * parser, as field errors without file:line. Reads no file and connects nowhere,
 * apart from asking whether a typed key file exists.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { ServerName } from '../../../shared/domain/names';
import type { FieldError, SecretEdits, ServerForm, ServerFormField, SshSettings } from '../../../shared/domain/server-editor';
import { EngineError } from '../../../shared/errors';
import { quoteShellArg } from '../backup/rsync/shell-quote';
import { parseSshCommand, splitShellWords, type SshCommandTarget } from '../backup/rsync/ssh-command';
import { parseConninfo, toPgClientConfig } from '../postgres/conninfo';
import type { LoadedConfig } from './model';
import { OptionValueError, type ParseContext } from './option-values';
import { parseOptionValue, type OptionName } from './options';

type TextField = Exclude<ServerFormField, 'name' | 'ssh' | 'streamingArchiver' | 'archiver' | 'password' | 'sshKeyPassphrase'>;

/** Text fields and the option each one writes. */
const textOptions: ReadonlyArray<readonly [TextField, OptionName]> = [
  ['description', 'description'],
  ['conninfo', 'conninfo'],
  ['streamingConninfo', 'streaming_conninfo'],
  ['backupMethod', 'backup_method'],
  ['reuseBackup', 'reuse_backup'],
  ['retentionPolicy', 'retention_policy'],
  ['minimumRedundancy', 'minimum_redundancy'],
  ['backupSchedule', 'backup_schedule'],
  ['drillSchedule', 'drill_schedule'],
  ['slotName', 'slot_name'],
  ['createSlot', 'create_slot'],
];
const switchOptions = [['streamingArchiver', 'streaming_archiver'], ['archiver', 'archiver']] as const;

/** Every option the editor writes; a server's other options pass through a save untouched. */
export const editorOptions: ReadonlySet<OptionName> = new Set<OptionName>([
  ...textOptions.map(([, option]) => option), ...switchOptions.map(([, option]) => option), 'ssh_command',
]);

const fieldOfOption = new Map<OptionName, ServerFormField>([
  ...textOptions.map(([field, option]): [OptionName, ServerFormField] => [option, field]),
  ...switchOptions.map(([field, option]): [OptionName, ServerFormField] => [option, field]),
  ['ssh_command', 'ssh'],
]);

/** The field that writes an option, for errors raised by a later check (the writer's). */
export function fieldOfOptionName(option: string): ServerFormField | null {
  return fieldOfOption.get(option as OptionName) ?? null;
}

/** The editor's options as `name = value` texts; empty fields are left out, switches are always written. */
export function formToOptions(form: ServerForm): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [field, option] of textOptions) {
    const value = form[field].trim();
    if (value !== '') options[option] = value;
  }
  for (const [field, option] of switchOptions) options[option] = form[field] ? 'on' : 'off';
  const ssh = sshCommandOf(form.ssh);
  if (ssh !== null) options.ssh_command = ssh;
  return options;
}

/** The ssh_command the SSH fields stand for; null for none. */
export function sshCommandOf(ssh: SshSettings): string | null {
  if (ssh.mode === 'none') return null;
  if (ssh.mode === 'command') return ssh.command.trim() === '' ? null : ssh.command.trim();
  const words = ['ssh'];
  if (ssh.port.trim() !== '' && ssh.port.trim() !== '22') words.push('-p', ssh.port.trim());
  if (ssh.keyPath.trim() !== '') words.push('-i', quoteShellArg(ssh.keyPath.trim()));
  if (ssh.knownHostsFile.trim() !== '') words.push('-o', quoteShellArg(`UserKnownHostsFile=${ssh.knownHostsFile.trim()}`));
  words.push(quoteShellArg(`${ssh.user.trim()}@${ssh.host.trim()}`));
  return words.join(' ');
}

/**
 * How the editor shows an ssh_command: as fields when writing those fields
 * back gives the very same command, else as the command itself.
 */
export function sshSettingsOf(command: string | null): SshSettings {
  if (command === null || command.trim() === '') return { mode: 'none' };
  try {
    const words = splitShellWords(command);
    const target = parseSshCommand(command, { userHome: os.homedir() });
    const keyAt = words.indexOf('-i');
    const knownHostsOption = words.find((word) => /^UserKnownHostsFile=/i.test(word));
    const fields: SshSettings = {
      mode: 'fields',
      host: target.host,
      port: target.port === 22 ? '' : String(target.port),
      user: target.username,
      keyPath: keyAt === -1 ? '' : (words[keyAt + 1] ?? ''),
      knownHostsFile: knownHostsOption === undefined ? '' : knownHostsOption.slice(knownHostsOption.indexOf('=') + 1),
    };
    if (sshCommandOf(fields) === command.trim()) return fields;
  } catch {
    // Shown as written; validation names the problem when the form is tested or saved.
  }
  return { mode: 'command', command };
}

/** The form a server's own options fill: texts as written (interpolated), switches as they apply. */
export function formOfOptions(name: string, own: ReadonlyMap<string, string>, effective: { streamingArchiver: boolean; archiver: boolean }): ServerForm {
  const text = (option: OptionName): string => own.get(option) ?? '';
  const choice = <C extends string>(option: OptionName, choices: readonly C[]): C | '' => {
    const value = text(option).trim().toLowerCase();
    return (choices as readonly string[]).includes(value) ? (value as C) : '';
  };
  return {
    name,
    description: text('description'),
    conninfo: text('conninfo'),
    streamingConninfo: text('streaming_conninfo'),
    ssh: sshSettingsOf(own.get('ssh_command') ?? null),
    backupMethod: choice('backup_method', ['postgres', 'rsync'] as const),
    reuseBackup: choice('reuse_backup', ['off', 'copy', 'link'] as const),
    retentionPolicy: text('retention_policy'),
    minimumRedundancy: text('minimum_redundancy'),
    backupSchedule: text('backup_schedule'),
    drillSchedule: text('drill_schedule'),
    streamingArchiver: effective.streamingArchiver,
    slotName: text('slot_name'),
    createSlot: choice('create_slot', ['auto', 'manual'] as const),
    archiver: effective.archiver,
  };
}

export interface FormContext {
  config: LoadedConfig;
  /** the server being edited; null for a new one */
  original: ServerName | null;
  secrets: SecretEdits;
  userHome?: string;
  fileExists?: (file: string) => boolean;
}

/** Every problem of the form, field by field, in the loader's words; [] when it can be written. */
export function validateServerForm(form: ServerForm, context: FormContext): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: ServerFormField, option: string, message: string, hint: string | null): void => {
    errors.push({ field, option, message, hint });
  };
  const parseContext: ParseContext = { baseDir: context.config.global.home, userHome: context.userHome ?? os.homedir() };

  checkName(form.name, context, add);
  for (const [field, option] of textOptions) {
    const value = form[field].trim();
    if (value === '') continue;
    try {
      parseOptionValue(option, value, parseContext);
    } catch (error) {
      if (!(error instanceof OptionValueError)) throw error;
      add(field, option, error.message, error.hint ?? null);
    }
  }
  if (form.conninfo.trim() === '') {
    add('conninfo', 'conninfo', 'a connection string is required', 'give a libpq connection string, e.g. host=pg.example.com user=barman dbname=postgres');
  } else {
    checkConninfo(form.conninfo, 'conninfo', 'conninfo', add);
  }
  if (form.streamingConninfo.trim() !== '') checkConninfo(form.streamingConninfo, 'streamingConninfo', 'streaming_conninfo', add);
  checkSsh(form.ssh, context, add);
  if (context.secrets.sshKeyPassphrase.action === 'set' && form.ssh.mode === 'none') {
    add('sshKeyPassphrase', 'ssh_command', 'a key passphrase was given but no SSH connection is set', 'set SSH to the database host, or leave the passphrase empty');
  }
  return errors;
}

/** The SSH target the form names, with its key and known_hosts resolved; null without SSH. */
export function sshTargetOfForm(ssh: SshSettings, userHome = os.homedir()): SshCommandTarget | null {
  const command = sshCommandOf(ssh);
  return command === null ? null : parseSshCommand(command, { userHome });
}

type AddError = (field: ServerFormField, option: string, message: string, hint: string | null) => void;

function checkName(name: string, context: FormContext, add: AddError): void {
  if (context.original !== null) {
    if (name !== context.original) add('name', 'name', `the name cannot change from '${context.original}'`, 'add a new server with the new name, then remove this one');
    return;
  }
  const parsed = ServerName.safeParse(name);
  if (!parsed.success) {
    add('name', 'name', name === '' ? 'a name is required' : `'${name}' is not a valid server name (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      'name servers with letters, digits, "_", "." or "-" (up to 63 characters); barkeep, barman and all are reserved');
    return;
  }
  const existing = context.config.servers.find((server) => server.name === parsed.data);
  if (existing) add('name', 'name', `a server named '${name}' is already configured (${existing.file})`, 'choose another name, or edit that server');
}

function checkConninfo(text: string, field: ServerFormField, option: string, add: AddError): void {
  try {
    const parsed = parseConninfo(text.trim());
    toPgClientConfig(parsed);
    if (parsed.password !== undefined) {
      add(field, option, 'the connection string holds a password, which would be written into the configuration file',
        'remove password=… (or the :password@ part) and type the password in the Password field: it is stored outside the configuration');
    }
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    add(field, option, error.message, error.hint ?? null);
  }
}

function checkSsh(ssh: SshSettings, context: FormContext, add: AddError): void {
  if (ssh.mode === 'none') return;
  const exists = context.fileExists ?? existsSync;
  let fieldProblems = 0;
  const addFieldProblem: AddError = (...args) => {
    fieldProblems += 1;
    add(...args);
  };
  if (ssh.mode === 'fields') {
    if (ssh.host.trim() === '') addFieldProblem('ssh', 'ssh_command', 'the SSH host is required', 'give the database host\'s name or address, or set SSH to none');
    if (ssh.user.trim() === '') addFieldProblem('ssh', 'ssh_command', 'the SSH user is required', 'give the user that owns the PostgreSQL data folder, often postgres');
    const port = ssh.port.trim();
    if (port !== '' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
      addFieldProblem('ssh', 'ssh_command', `'${port}' is not a port number`, 'write a number from 1 to 65535, or leave it empty for 22');
    }
    if (ssh.keyPath.trim() !== '' && !exists(ssh.keyPath.trim())) {
      addFieldProblem('ssh', 'ssh_command', `there is no key file at '${ssh.keyPath.trim()}'`, 'give the path of the private key on this machine');
    }
    // The parser would only say again what is said above.
    if (fieldProblems > 0) return;
  } else if (ssh.command.trim() === '') {
    add('ssh', 'ssh_command', 'the ssh command is empty', 'write it as ssh [-p PORT] [-i KEY] user@host, or set SSH to none');
    return;
  }
  try {
    sshTargetOfForm(ssh, context.userHome);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    add('ssh', 'ssh_command', error.message, error.hint ?? null);
  }
}
