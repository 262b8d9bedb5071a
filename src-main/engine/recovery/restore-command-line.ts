/**
 * The `barkeep restore …` and `barkeep drill …` command lines equivalent to a
 * restore composed in the app, quoted for a POSIX shell, so that a person can
 * copy what the window would do into a terminal or a script. Pure: the words
 * come from the parsed target, so they mean to the CLI what they meant here.
 */
import type { RestoreDestination, TablespaceMapping } from '../../../shared/domain/restore';
import { formatLsn } from '../wal/lsn';
import { tablespaceOptionsOf } from './restore-request';
import type { RecoveryTarget } from './target';

export interface CommandLineInput {
  configFile: string;
  server: string;
  /** as the request named it; null: the planner chooses, and so will the command */
  backup: string | null;
  target: RecoveryTarget;
}

export function renderRestoreCommandLine(input: CommandLineInput, destination: RestoreDestination, tablespaces: readonly TablespaceMapping[]): string {
  return joinShellWords([
    'barkeep', '-c', input.configFile, 'restore', input.server, ...(input.backup === null ? [] : [input.backup]), destination.path,
    ...targetWords(input.target),
    ...(destination.kind === 'ssh' ? ['--remote-ssh-command', destination.sshCommand] : []),
    ...tablespaceOptionsOf(tablespaces).flatMap((option) => ['--tablespace', option]),
  ]);
}

export function renderDrillCommandLine(input: CommandLineInput): string {
  return joinShellWords(['barkeep', '-c', input.configFile, 'drill', input.server, ...(input.backup === null ? [] : [input.backup]), ...targetWords(input.target)]);
}

/** The --target-* options that give this target; the defaults (latest timeline, no action for the latest WAL) are left out. */
export function targetWords(target: RecoveryTarget): string[] {
  const point = ((): string[] => {
    switch (target.kind) {
      case 'latest': return [];
      case 'time': return ['--target-time', target.text];
      case 'xid': return ['--target-xid', target.xid];
      case 'lsn': return ['--target-lsn', formatLsn(target.lsn)];
      case 'name': return ['--target-name', target.name];
      case 'immediate': return ['--target-immediate'];
    }
  })();
  return [
    ...point,
    ...(target.timeline === 'latest' ? [] : ['--target-tli', String(target.timeline)]),
    ...(target.kind === 'latest' ? [] : ['--target-action', target.action]),
    ...(target.exclusive ? ['--target-exclusive'] : []),
  ];
}

/** A word as a POSIX shell reads it back: bare when it holds only safe characters, else in single quotes. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, "'\\''")}'`;
}

export function joinShellWords(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
