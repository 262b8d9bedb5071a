/**
 * The server editor's engine side: what a server's own file holds, as the
 * form shows it; saving a form (validate, secrets to the secret store, the
 * options to conf.d/<server>.conf keeping the options the editor does not
 * show, reload; put everything back if the reload fails); removing a
 * server's file and secrets. Never writes a secret into a .conf file.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ServerName } from '../../../shared/domain/names';
import type { FieldError, RemovedServer, SaveServerResult, SecretEdit, ServerEdit, ServerEditorState } from '../../../shared/domain/server-editor';
import { EngineError } from '../../../shared/errors';
import { writeFileAtomic } from '../store/atomic-file';
import { parseIni, resolveSection, type IniSection } from './ini';
import type { LoadedConfig, ServerConfig } from './model';
import { canonicalOptionName, type OptionName } from './options';
import type { SecretStore, ServerSecrets } from './secret-store';
import { editorOptions, fieldOfOptionName, formOfOptions, formToOptions, validateServerForm } from './server-form';
import { removeServerConfig, writeServerConfig } from './write-server';

export interface EditingDeps {
  config: LoadedConfig;
  secrets: SecretStore;
  /** reloads the configuration (and tells the doors); throws when it does not load */
  reload: () => LoadedConfig;
}

/** The file barkeep writes a server to. */
export function ownFileOf(config: LoadedConfig, name: ServerName): string {
  return path.join(config.global.configurationFilesDirectory, `${name}.conf`);
}

export function readServerEditorState(config: LoadedConfig, server: ServerConfig, secrets: SecretStore): ServerEditorState {
  const target = ownFileOf(config, server.name);
  const editable = path.resolve(server.file) === path.resolve(target);
  const own = readOwnOptions(config, server);
  return {
    name: server.name,
    form: formOfOptions(server.name, own, { streamingArchiver: server.streamingArchiver, archiver: server.archiver }),
    secrets: secrets.holds(server.name),
    configFile: server.file,
    editable,
    notEditableReason: editable ? null
      : `server '${server.name}' is defined at ${server.file}:${server.line}, not in a file of its own; edit that file by hand, or move the section to ${target}`,
    otherOptions: [...own.keys()].filter((option) => !editorOptions.has(option)),
  };
}

/** Validates, stores the secrets, writes the file and reloads; a refused form comes back as field errors. */
export function saveServerEdit(deps: EditingDeps, edit: ServerEdit): SaveServerResult {
  const { config, secrets } = deps;
  const fieldErrors = validateServerForm(edit.form, { config, original: edit.original, secrets: edit.secrets });
  if (fieldErrors.length > 0) return { saved: false, fieldErrors };
  const name = edit.form.name as ServerName;
  const existing = edit.original === null ? undefined : config.servers.find((server) => server.name === edit.original);
  if (edit.original !== null && existing === undefined) {
    throw new EngineError('server-unknown', `unknown server '${edit.original}'`, 'it was removed meanwhile; add it again');
  }

  // The options the editor does not show stay as they are (interpolated: the values they had).
  const kept = existing === undefined ? new Map<OptionName, string>() : readOwnOptions(config, existing);
  const options: Record<string, string> = {};
  for (const [option, value] of kept) if (!editorOptions.has(option)) options[option] = value;
  Object.assign(options, formToOptions(edit.form));

  const file = ownFileOf(config, name);
  const previousText = existsSync(file) ? readFileSync(file, 'utf8') : null;
  // A new server starts from no secret: a file left by a removed server of that name is not inherited.
  const previousSecrets = existing === undefined ? null : secrets.read(name);
  const nextSecrets = applySecretEdits(previousSecrets ?? {}, edit.secrets);

  secrets.write(name, nextSecrets);
  try {
    writeServerConfig(config, name, options);
  } catch (error) {
    restoreSecrets(secrets, name, previousSecrets);
    const refused = asFieldError(error);
    if (refused !== null) return { saved: false, fieldErrors: [refused] };
    throw error;
  }
  try {
    deps.reload();
  } catch (error) {
    // The file made the configuration unloadable: put the old one back, so nothing else breaks.
    if (previousText === null) rmSync(file, { force: true });
    else writeFileAtomic(file, previousText, 0o600);
    restoreSecrets(secrets, name, previousSecrets);
    throw error;
  }
  return { saved: true, name, configFile: file, secrets: secrets.holds(name) };
}

/** Removes the server's own file and its secrets, then reloads. Its backups and WAL stay in its store. */
export function removeServer(deps: EditingDeps, name: ServerName): RemovedServer {
  const configFile = removeServerConfig(deps.config, name);
  const secretsRemoved = deps.secrets.remove(name);
  deps.reload();
  return { name, configFile, secretsRemoved };
}

/** The secret a connection test uses: the typed one, the stored one ('keep'), or '' for none at all ('clear'). */
export function secretForTest(edit: SecretEdit, stored: string | undefined): string | undefined {
  if (edit.action === 'set') return edit.value;
  if (edit.action === 'clear') return '';
  return stored;
}

function applySecretEdits(current: ServerSecrets, edits: ServerEdit['secrets']): ServerSecrets {
  const next: ServerSecrets = { ...current };
  for (const kind of ['password', 'sshKeyPassphrase'] as const) {
    const edit = edits[kind];
    if (edit.action === 'set') next[kind] = edit.value;
    if (edit.action === 'clear') delete next[kind];
  }
  return next;
}

function restoreSecrets(secrets: SecretStore, name: ServerName, previous: ServerSecrets | null): void {
  if (previous === null) secrets.remove(name);
  else secrets.write(name, previous);
}

/** A writer's refusal that names an option becomes that option's field error. */
function asFieldError(error: unknown): FieldError | null {
  if (!(error instanceof EngineError) || error.code !== 'config-invalid') return null;
  const match = /option '([a-z_]+)': (.*)$/s.exec(error.message);
  const field = match ? fieldOfOptionName(match[1]!) : null;
  if (match === null || field === null) return null;
  return { field, option: match[1]!, message: match[2]!, hint: error.hint ?? null };
}

/**
 * The options the server's own section sets (not [DEFAULT]'s), by schema
 * name, interpolated as the loader reads them; raw text where interpolation
 * needs another file's [DEFAULT].
 */
function readOwnOptions(config: LoadedConfig, server: ServerConfig): Map<OptionName, string> {
  let section: IniSection | undefined;
  let defaults;
  try {
    const document = parseIni(readFileSync(server.file, 'utf8'), server.file);
    section = document.sections.find((candidate) => candidate.name === server.name);
    defaults = document.defaults;
  } catch (error) {
    throw new EngineError('io-failed', `unable to read server file '${server.file}': ${(error as Error).message}`,
      'check that the file is readable by this user', { cause: error });
  }
  const own = new Map<OptionName, string>();
  if (section === undefined) return own;
  const vars = { name: server.name, barkeep_home: config.global.home, barman_home: config.global.home };
  let values: Map<string, string>;
  try {
    values = new Map([...resolveSection(section.options, defaults, section.name, vars)]
      .filter(([, option]) => !option.inherited)
      .map(([name, option]) => [name, option.value]));
  } catch {
    values = new Map([...section.options].map(([name, option]) => [name, option.rawValue]));
  }
  for (const [written, value] of values) {
    const option = canonicalOptionName(written);
    if (option !== null) own.set(option, value);
  }
  return own;
}
