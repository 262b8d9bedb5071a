/**
 * Reads a configuration the way Barman does: the main file (a [barkeep] or
 * [barman] global section, maybe server sections), then every *.conf in its
 * configuration_files_directory, sorted by name. Owns file discovery, the
 * global settings and the checks across files; never writes anything.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigWarning } from '../../../shared/domain/server';
import { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { defaultSectionName, parseIni, resolveSection, type IniDocument, type IniOption, type IniSection } from './ini';
import type { ConfigFlavour, GlobalConfig, LoadedConfig, ServerConfig } from './model';
import { expandUserHome } from './option-values';
import { canonicalOptionName, describeUnknownOption } from './options';
import { pickValue, readSectionValues, type SectionValues } from './section-values';
import { buildServerConfig, findSharedFolders } from './server-config';

export type * from './model';

const globalSectionNames: readonly string[] = ['barkeep', 'barman'];

export function loadConfig(configFile: string): LoadedConfig {
  const mainFile = path.resolve(expandUserHome(configFile, os.homedir()));
  const main = parseIni(readConfigText(mainFile), mainFile);
  const { flavour, section: globalSection } = findGlobalSection(main);
  const warnings: ConfigWarning[] = [];

  // 1. The global section sees only the main file's [DEFAULT]: Barman reads it before the server files.
  const globalValues = readSectionValues({
    name: globalSection.name,
    kind: 'global',
    resolved: resolveSection(globalSection.options, main.defaults, globalSection.name),
    context: { baseDir: path.dirname(mainFile), userHome: os.homedir() },
  }, warnings);
  const global = buildGlobalConfig(mainFile, flavour, globalSection, globalValues);

  // 2. The server files, whose sections (and [DEFAULT]s) join the main file's.
  const documents = [main, ...readServerFiles(mainFile, global, globalValues, warnings)];
  const defaults = new Map<string, IniOption>();
  for (const document of documents) {
    for (const [name, option] of document.defaults) defaults.set(name, option);
  }
  warnUnusedDefaults(documents, defaults, warnings);

  // 3. One ServerConfig per server section: server > global > default.
  const servers: ServerConfig[] = [];
  for (const section of documents.flatMap((document) => document.sections)) {
    if (section === globalSection) continue;
    const name = checkServerSection(section, servers);
    const vars = { name, barkeep_home: global.home, barman_home: global.home };
    const own = readSectionValues({
      name,
      kind: 'server',
      resolved: resolveSection(section.options, defaults, section.name, vars),
      context: { baseDir: global.home, userHome: os.homedir() },
    }, warnings);
    servers.push(buildServerConfig({ name, file: section.file, line: section.line }, own, globalValues, global.home));
  }
  warnings.push(...findSharedFolders(servers));

  return { configFile: mainFile, flavour, global, servers, warnings };
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new EngineError('config-missing', `configuration file '${file}' does not exist`,
        'Run `barkeep demo` to create a home with a sandbox server, or pass -c with the path of your barkeep.conf or barman.conf.');
    }
    throw new EngineError('io-failed', `unable to read configuration file '${file}': ${(error as Error).message}`,
      'Check that the file is readable by this user.', { cause: error });
  }
}

function findGlobalSection(main: IniDocument): { flavour: ConfigFlavour; section: IniSection } {
  const barkeep = main.sections.find((section) => section.name === 'barkeep');
  const barman = main.sections.find((section) => section.name === 'barman');
  if (barkeep && barman) {
    throw new EngineError('config-invalid',
      `${main.file}:${barman.line}: the file has both a [barkeep] section (line ${barkeep.line}) and a [barman] section`,
      'Keep one global section: [barkeep] for a Barkeep file, [barman] for a Barman one.');
  }
  if (barkeep) return { flavour: 'barkeep', section: barkeep };
  if (barman) return { flavour: 'barman', section: barman };
  throw new EngineError('config-invalid', `${main.file}: configuration file has no [barkeep] section`,
    'Add a [barkeep] section with barkeep_home and configuration_files_directory, or pass -c with a file that has one (a barman.conf with [barman] works too).');
}

function buildGlobalConfig(
  mainFile: string,
  flavour: ConfigFlavour,
  section: IniSection,
  values: SectionValues,
): GlobalConfig {
  const mainFolder = path.dirname(mainFile);
  const configuredHome = pickValue('barkeep_home', values);
  if (configuredHome === null && flavour === 'barman') {
    throw new EngineError('config-invalid', `${mainFile}:${section.line}: section [barman] has no barman_home`,
      'Set barman_home in [barman] to the folder that holds the backups, e.g. barman_home = /var/lib/barman.');
  }
  const home = configuredHome ?? mainFolder;
  const global: GlobalConfig = {
    home,
    configurationFilesDirectory: pickValue('configuration_files_directory', values)
      ?? path.join(mainFolder, flavour === 'barman' ? 'barman.d' : 'conf.d'),
    lockDirectory: pickValue('lock_directory', values) ?? home,
    logFile: pickValue('log_file', values),
    logLevel: pickValue('log_level', values),
    diskWarningFreePercent: pickValue('disk_warning_free_percent', values),
    diskCriticalFreePercent: pickValue('disk_critical_free_percent', values),
    diskForecastWarningDays: pickValue('disk_forecast_warning_days', values),
    pgBinDir: pickValue('pg_bin_dir', values),
  };
  if (global.diskCriticalFreePercent > global.diskWarningFreePercent) {
    const place = values.get('disk_critical_free_percent') ?? values.get('disk_warning_free_percent');
    throw new EngineError('config-invalid',
      `${place?.file ?? mainFile}:${place?.line ?? section.line}: option '${place?.writtenName ?? 'disk_critical_free_percent'}': ` +
        `the critical level (${global.diskCriticalFreePercent}%) is above the warning level (${global.diskWarningFreePercent}%)`,
      'Set disk_critical_free_percent lower than disk_warning_free_percent.');
  }
  return global;
}

/** Parses every *.conf in the configuration files folder; a missing folder is a warning only if it was configured. */
function readServerFiles(
  mainFile: string,
  global: GlobalConfig,
  globalValues: SectionValues,
  warnings: ConfigWarning[],
): IniDocument[] {
  const folder = global.configurationFilesDirectory;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    const configured = globalValues.get('configuration_files_directory');
    if (configured) {
      warnings.push({
        file: configured.file,
        line: configured.line,
        option: configured.writtenName,
        message: `'${folder}' is not a readable folder (${(error as NodeJS.ErrnoException).code ?? 'error'}); no server files were read`,
      });
    }
    return [];
  }
  // Python's glob('*.conf'), which Barman uses, skips hidden files.
  const files = names
    .filter((name) => name.endsWith('.conf') && !name.startsWith('.'))
    .sort()
    .map((name) => path.join(folder, name))
    // A folder that holds the main file too (configuration_files_directory = .) must not read it twice.
    .filter((file) => file !== mainFile)
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile() === true);
  return files.map((file) => {
    const document = parseIni(readConfigText(file), file);
    const stray = document.sections.find((section) => globalSectionNames.includes(section.name));
    if (stray) {
      throw new EngineError('config-invalid',
        `${file}:${stray.line}: section [${stray.name}] is only allowed in the main configuration file`,
        `Move these options to the [${stray.name}] section of ${mainFile}.`);
    }
    return document;
  });
}

/** [DEFAULT] options that are neither schema options nor used in a %(name)s reference are probably typos. */
function warnUnusedDefaults(documents: IniDocument[], defaults: Map<string, IniOption>, warnings: ConfigWarning[]): void {
  const referenced = new Set<string>();
  for (const document of documents) {
    const options = [...document.defaults.values(), ...document.sections.flatMap((section) => [...section.options.values()])];
    for (const option of options) {
      for (const match of option.rawValue.matchAll(/%\(([^)]+)\)s/g)) referenced.add((match[1] ?? '').toLowerCase());
    }
  }
  for (const option of defaults.values()) {
    if (canonicalOptionName(option.name) === null && !referenced.has(option.name)) {
      warnings.push({ file: option.file, line: option.line, option: option.name, message: describeUnknownOption(option.name, defaultSectionName) });
    }
  }
}

function checkServerSection(section: IniSection, servers: ServerConfig[]): ServerName {
  const parsed = ServerName.safeParse(section.name);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'invalid';
    throw new EngineError('config-invalid', `${section.file}:${section.line}: section [${section.name}] is not a valid server name (${reason})`,
      'Name servers with letters, digits, "_", "." or "-" (up to 63 characters); barkeep, barman and all are reserved.');
  }
  const other = servers.find((server) => server.name === parsed.data);
  if (other) {
    throw new EngineError('config-invalid',
      `${section.file}:${section.line}: server '${section.name}' is defined twice, here and at ${other.file}:${other.line}`,
      'Keep one of the two sections.');
  }
  return parsed.data;
}
