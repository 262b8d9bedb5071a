/**
 * Writes and removes per-server files, <configuration_files_directory>/<name>.conf,
 * atomically. Every option is checked against the schema before anything is
 * written; a server defined in another file (the main file, say) is left alone.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { fsyncFolder, writeFileAtomic } from '../store/atomic-file';
import { formatIniOption, parseIni, resolveSection } from './ini';
import type { LoadedConfig } from './model';
import { OptionValueError } from './option-values';
import { canonicalOptionName, fitsSection, parseOptionValue, type OptionName } from './options';

/** Writes `[name]` with `options` to the server's own file and returns its path. */
export function writeServerConfig(config: LoadedConfig, name: ServerName, options: Record<string, string>): string {
  const target = ownFileOf(config, name, 'rewrite');
  const lines = checkOptions(config, name, options);
  const text = [
    `# Server '${name}', written by barkeep on ${new Date().toISOString()}.`,
    '# Barman-compatible INI; options set in the global section apply unless set here.',
    '',
    `[${name}]`,
    ...lines.map(([option, value]) => formatIniOption(option, value)),
    '',
  ].join('\n');
  checkRoundTrip(text, target, name, lines);
  try {
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    // 0600: a conninfo may hold a password.
    writeFileAtomic(target, text, 0o600);
  } catch (error) {
    throw new EngineError('io-failed', `unable to write server file '${target}': ${(error as Error).message}`,
      'Check the permissions of the configuration files directory.', { cause: error });
  }
  return target;
}

/** Deletes the server's own file and returns its path. */
export function removeServerConfig(config: LoadedConfig, name: ServerName): string {
  const target = ownFileOf(config, name, 'remove');
  const configured = config.servers.some((server) => server.name === name);
  if (!existsSync(target)) {
    if (configured) return target;
    throw new EngineError('server-unknown', `unknown server '${name}'`, 'Run `barkeep list-servers` to see the configured servers.');
  }
  try {
    rmSync(target);
    fsyncFolder(path.dirname(target));
  } catch (error) {
    throw new EngineError('io-failed', `unable to remove server file '${target}': ${(error as Error).message}`,
      'Check the permissions of the configuration files directory.', { cause: error });
  }
  return target;
}

function ownFileOf(config: LoadedConfig, name: ServerName, verb: 'rewrite' | 'remove'): string {
  const parsed = ServerName.safeParse(name);
  if (!parsed.success) {
    throw new EngineError('config-invalid', `'${name}' is not a valid server name (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      'Name servers with letters, digits, "_", "." or "-" (up to 63 characters); barkeep, barman and all are reserved.');
  }
  const target = path.join(config.global.configurationFilesDirectory, `${name}.conf`);
  const existing = config.servers.find((server) => server.name === name);
  if (existing && path.resolve(existing.file) !== path.resolve(target)) {
    throw new EngineError('config-invalid',
      `server '${name}' is defined at ${existing.file}:${existing.line}, not in a file of its own; barkeep will not ${verb} it`,
      `Edit ${existing.file} by hand, or move the [${name}] section to ${target}.`);
  }
  return target;
}

/** Validates every option as the loader would; returns [canonical name, trimmed value] pairs. */
function checkOptions(config: LoadedConfig, name: ServerName, options: Record<string, string>): Array<[OptionName, string]> {
  const checked = new Map<OptionName, string>();
  const context = { baseDir: config.global.home, userHome: os.homedir() };
  for (const [written, rawValue] of Object.entries(options)) {
    const option = canonicalOptionName(written);
    const refuse = (what: string, hint: string) =>
      new EngineError('config-invalid', `server '${name}': option '${written}': ${what}`, hint);
    if (option === null) throw refuse('unknown option', 'Use an option name of the schema (Barman\'s names), e.g. conninfo, backup_method or compression.');
    if (!fitsSection(option, 'server')) {
      throw refuse(`belongs in the global section of ${config.configFile}`, 'Set it there, or leave it out.');
    }
    if (checked.has(option)) throw refuse('is given twice', 'Give each option once.');
    const value = rawValue.replace(/\r\n?/g, '\n').trim();
    try {
      parseOptionValue(option, value, context);
    } catch (error) {
      if (!(error instanceof OptionValueError)) throw error;
      throw refuse(error.message, error.hint ?? 'Correct the value.');
    }
    checked.set(option, value);
  }
  const conninfo = checked.get('conninfo');
  if (conninfo === undefined || parseOptionValue('conninfo', conninfo, context) === null) {
    throw new EngineError('config-invalid', `server '${name}': option 'conninfo' is required`,
      'Give a libpq connection string, e.g. host=pg.example.com user=barman dbname=postgres.');
  }
  return [...checked];
}

/** A value the INI syntax cannot carry (a continuation line starting with # or ;) must not be written half. */
function checkRoundTrip(text: string, target: string, name: ServerName, lines: Array<[OptionName, string]>): void {
  const section = parseIni(text, target).sections[0];
  const readBack = section ? resolveSection(section.options, new Map(), name) : new Map();
  for (const [option, value] of lines) {
    if (readBack.get(option)?.value !== value) {
      throw new EngineError('config-invalid', `server '${name}': option '${option}': the value cannot be written to an INI file as it is`,
        'Avoid lines that start with # or ; and blank lines at the end of the value.');
    }
  }
}
