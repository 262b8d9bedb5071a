/**
 * Where the configuration lives: which file a run uses (-c, BARKEEP_CONFIG,
 * BARKEEP_HOME, XDG data home) and creating a fresh home with a commented
 * default barkeep.conf and an empty conf.d. Never touches an existing file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { writeFileAtomic } from '../store/atomic-file';
import { formatIniOption } from './ini';
import { loadConfig, type LoadedConfig } from './load';
import { expandUserHome } from './option-values';

export const configFileName = 'barkeep.conf';
export const serverFilesFolderName = 'conf.d';

export interface ConfigFileSources {
  /** the -c/--config argument */
  cliConfig?: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** -c/--config > $BARKEEP_CONFIG > $BARKEEP_HOME/barkeep.conf > $XDG_DATA_HOME/barkeep/barkeep.conf > ~/.local/share/barkeep/barkeep.conf */
export function resolveConfigFile({ cliConfig, env }: ConfigFileSources): string {
  const userHome = env.HOME || os.homedir();
  const absolute = (value: string) => path.resolve(expandUserHome(value, userHome));
  if (cliConfig) return absolute(cliConfig);
  if (env.BARKEEP_CONFIG) return absolute(env.BARKEEP_CONFIG);
  if (env.BARKEEP_HOME) return path.join(absolute(env.BARKEEP_HOME), configFileName);
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
    ? env.XDG_DATA_HOME
    : path.join(userHome, '.local', 'share');
  return path.join(dataHome, 'barkeep', configFileName);
}

/** Creates the home (folder 0700, barkeep.conf, conf.d) if the file does not exist, then loads it. */
export function ensureHome(configFile: string): LoadedConfig {
  const file = path.resolve(expandUserHome(configFile, os.homedir()));
  if (!existsSync(file)) createHome(file);
  return loadConfig(file);
}

function createHome(file: string): void {
  const folder = path.dirname(file);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    mkdirSync(path.join(folder, serverFilesFolderName), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, defaultConfigText(folder), 0o600);
  } catch (error) {
    throw new EngineError('io-failed', `unable to create barkeep home '${folder}': ${(error as Error).message}`,
      'Check the permissions of the parent folder, or pass -c with the path of another configuration file.',
      { cause: error });
  }
}

export function defaultConfigText(home: string): string {
  return [
    `# Barkeep configuration, created ${new Date().toISOString()}.`,
    '# Barman-compatible INI: this global section, plus one <server>.conf per server',
    '# in conf.d/. Lines starting with # or ; are comments; uncomment one to use it.',
    '',
    '[barkeep]',
    '; the catalog and, by default, every server\'s backups and WAL live here',
    formatIniOption('barkeep_home', home),
    '; the folder of server files, relative to this file\'s folder',
    formatIniOption('configuration_files_directory', serverFilesFolderName),
    '',
    '; log_file = barkeep.log',
    '; log_level = INFO',
    '',
    '; Defaults for every server; a server\'s own file can override them.',
    '; compression = gzip',
    '; retention_policy = RECOVERY WINDOW OF 4 WEEKS',
    '; minimum_redundancy = 1',
    '',
    '; Barkeep extensions: health warns, then fails, below these shares of free disk space.',
    '; disk_warning_free_percent = 20',
    '; disk_critical_free_percent = 10',
    '; and warns when the usage trend fills a volume within this many days (0: never).',
    '; disk_forecast_warning_days = 7',
    '',
  ].join('\n');
}
