/**
 * The recovery settings of a restored cluster: what goes into its
 * postgresql.auto.conf (restore_command reading DEST/barkeep_wal, the
 * recovery_target_* of the plan, archiving switched off with the original kept
 * in a comment). Pure text in, text out; restore-local.ts writes the files.
 */
import { EngineError } from '../../../shared/errors';
import { formatLsn } from '../wal/lsn';
import type { RecoveryTarget } from './target';

/** The folder inside DEST that holds the copied WAL; recovery_end_command removes it. */
export const restoredWalFolder = 'barkeep_wal';

const managedKeys = new Set([
  'restore_command', 'recovery_end_command', 'recovery_target', 'recovery_target_time', 'recovery_target_xid',
  'recovery_target_lsn', 'recovery_target_name', 'recovery_target_inclusive', 'recovery_target_timeline',
  'recovery_target_action', 'archive_mode', 'archive_command', 'archive_library',
]);

const settingPattern = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$/;

/** Refuses a DEST that cannot be quoted safely in a shell command inside a configuration string. */
export function checkRestorablePath(dest: string): void {
  if (/["$`\\\n\r]/.test(dest)) {
    throw new EngineError('usage', `the destination '${dest}' contains a character that restore_command cannot quote (" $ \` \\ or a newline)`,
      'choose a folder whose path has none of them');
  }
}

export interface RecoverySettingsOptions {
  /** standby mode: standby.signal is written instead of recovery.signal, and recovery_target_action (ignored by a standby) is left out */
  standby?: boolean;
  /**
   * --get-wal: restore_command runs this command (PostgreSQL substitutes %f and %p) to fetch each file from
   * Barkeep, nothing is copied into DEST/barkeep_wal and there is no recovery_end_command
   */
  getWalCommand?: string;
}

/** The signal file a restored cluster gets, and the one it must not have. */
export function recoverySignalFiles(options: RecoverySettingsOptions = {}): { write: string; remove: string } {
  return options.standby === true ? { write: 'standby.signal', remove: 'recovery.signal' } : { write: 'recovery.signal', remove: 'standby.signal' };
}

/**
 * The restore_command of --get-wal on this machine: `'NODE' 'BARKEEP_JS' -c 'CONFIG' get-wal 'SERVER' %f -o %p`.
 * The parts are shell-quoted; refused when one cannot be.
 */
export function localGetWalCommand(nodePath: string, barkeepScript: string, configFile: string, server: string): string {
  for (const part of [nodePath, barkeepScript, configFile, server]) {
    if (/['\n\r]/.test(part)) {
      throw new EngineError('usage', `'${part}' contains a quote or a newline, which restore_command cannot hold`,
        'use --no-get-wal (the default), or move Barkeep or its configuration to a plainer path');
    }
  }
  const word = (text: string): string => `'${text}'`;
  return `${word(nodePath)} ${word(barkeepScript)} -c ${word(configFile)} get-wal ${word(server)} %f -o %p`;
}

/** The settings in the order written, as [key, raw value (already quoted)]. */
export function renderRecoverySettings(target: RecoveryTarget, dest: string, options: RecoverySettingsOptions = {}): [string, string][] {
  checkRestorablePath(dest);
  const wal = `${dest.replace(/\/+$/, '')}/${restoredWalFolder}`;
  const getWal = options.getWalCommand;
  if (getWal !== undefined && (getWal.trim() === '' || /[\n\r]/.test(getWal) || !getWal.includes('%f') || !getWal.includes('%p'))) {
    throw new EngineError('usage', `the get-wal command '${getWal}' must be one line holding %f (the file name) and %p (where to write it)`,
      "e.g. --get-wal-command 'ssh barkeep@backup-host barkeep get-wal SERVER %f > %p'");
  }
  const settings: [string, string][] = getWal === undefined
    ? [['restore_command', quote(`cp "${wal}/%f" "%p"`)], ['recovery_end_command', quote(`rm -rf "${wal}"`)]]
    : [['restore_command', quote(getWal)]];
  settings.push(['recovery_target_timeline', quote(String(target.timeline))]);
  switch (target.kind) {
    case 'time': settings.push(['recovery_target_time', quote(target.text)]); break;
    case 'xid': settings.push(['recovery_target_xid', quote(target.xid)]); break;
    case 'lsn': settings.push(['recovery_target_lsn', quote(formatLsn(target.lsn))]); break;
    case 'name': settings.push(['recovery_target_name', quote(target.name)]); break;
    case 'immediate': settings.push(['recovery_target', quote('immediate')]); break;
    case 'latest': break;
  }
  if (target.kind !== 'latest') {
    if (target.kind === 'time' || target.kind === 'xid' || target.kind === 'lsn') settings.push(['recovery_target_inclusive', target.exclusive ? 'false' : 'true']);
    if (options.standby !== true) settings.push(['recovery_target_action', quote(target.action)]);
  }
  settings.push(['archive_mode', 'off']);
  return settings;
}

/**
 * The restored postgresql.auto.conf: earlier lines for the keys Barkeep sets are
 * commented out (never silently dropped), then Barkeep's block with the
 * original archiving settings (from postgresql.conf, overridden by auto.conf) in a comment.
 */
export function rewriteAutoConf(autoConf: string, postgresqlConf: string, target: RecoveryTarget, dest: string, restoredAt: string, backupId: string,
  options: RecoverySettingsOptions = {}): string {
  const original = readArchiveSettings(`${postgresqlConf}\n${autoConf}`);
  const kept = autoConf.split('\n').map((line) => {
    const key = settingPattern.exec(stripComment(line))?.[1]?.toLowerCase();
    return key !== undefined && managedKeys.has(key) ? `# replaced by barkeep restore: ${line.trim()}` : line;
  });
  while (kept.length > 0 && kept.at(-1)!.trim() === '') kept.pop();
  const originalText = original.length === 0 ? 'none set' : original.map(([key, value]) => `${key} = ${value}`).join(', ');
  return [
    ...kept,
    '',
    `# barkeep restore of backup ${backupId} at ${restoredAt}`,
    "# archiving is off in this restored copy so that it cannot push WAL into the original's archive;",
    `# the original setting was: ${originalText}`,
    ...renderRecoverySettings(target, dest, options).map(([key, value]) => `${key} = ${value}`),
    '',
  ].join('\n');
}

/** The last archive_mode / archive_command / archive_library values in configuration text. */
export function readArchiveSettings(text: string): [string, string][] {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = settingPattern.exec(stripComment(line));
    const key = match?.[1]?.toLowerCase();
    if (key === 'archive_mode' || key === 'archive_command' || key === 'archive_library') found.set(key, match![2]!);
  }
  return [...found];
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Removes a trailing # comment, leaving # inside quoted values alone. */
function stripComment(line: string): string {
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (char === "'") quoted = !quoted;
    else if (char === '#' && !quoted) return line.slice(0, index);
  }
  return line;
}
