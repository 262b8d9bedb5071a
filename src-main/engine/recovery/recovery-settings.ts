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

/** The settings in the order written, as [key, raw value (already quoted)]. */
export function renderRecoverySettings(target: RecoveryTarget, dest: string): [string, string][] {
  checkRestorablePath(dest);
  const wal = `${dest.replace(/\/+$/, '')}/${restoredWalFolder}`;
  const settings: [string, string][] = [
    ['restore_command', quote(`cp "${wal}/%f" "%p"`)],
    ['recovery_end_command', quote(`rm -rf "${wal}"`)],
    ['recovery_target_timeline', quote(String(target.timeline))],
  ];
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
    settings.push(['recovery_target_action', quote(target.action)]);
  }
  settings.push(['archive_mode', 'off']);
  return settings;
}

/**
 * The restored postgresql.auto.conf: earlier lines for the keys Barkeep sets are
 * commented out (never silently dropped), then Barkeep's block with the
 * original archiving settings (from postgresql.conf, overridden by auto.conf) in a comment.
 */
export function rewriteAutoConf(autoConf: string, postgresqlConf: string, target: RecoveryTarget, dest: string, restoredAt: string, backupId: string): string {
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
    ...renderRecoverySettings(target, dest).map(([key, value]) => `${key} = ${value}`),
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
