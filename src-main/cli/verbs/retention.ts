/**
 * The retention verbs: `keep` (Barman's: mark a backup to keep, release it, or
 * show its mark) and `retention` (apply the retention policy now, or show with
 * --dry-run what it would delete). Thin over engine/retention.
 */
import { EngineError } from '../../../shared/errors';
import type { KeepTarget } from '../../../shared/domain/backup';
import type { ServerConfig } from '../../engine/config/load';
import { enforceRetention, type RetentionRun } from '../../engine/retention/enforce';
import { readBackupKeep, setBackupKeep } from '../../engine/retention/keep';
import { backupSelectorHelp } from '../../engine/backup/backup-selector';
import { formatBytes } from '../progress-bar';
import type { Verb } from '../verb';

export const keep: Verb = {
  name: 'keep',
  summary: 'keep a backup outside the retention policy, release it, or show its keep mark',
  usage: 'barkeep keep SERVER ID {--target full|standalone | --release | --status}',
  details: [
    `ID is ${backupSelectorHelp}.`,
    'A full keep holds the backup and all WAL from its begin on (it can still be rolled forward);',
    'a standalone keep holds only the WAL between its begin and end (it restores to its end, no further).',
    'Kept backups are never deleted by the retention policy, nor by `delete`, until released.',
  ].join('\n'),
  options: { target: { type: 'string' }, release: { type: 'boolean' }, status: { type: 'boolean' } },
  optionHelp: [
    ['--target full|standalone', 'keep the backup, with all later WAL (full) or only its own (standalone)'],
    ['--release', 'remove the keep mark: the retention policy judges the backup again'],
    ['--status', 'print the keep mark: full, standalone or nokeep'],
  ],
  positionals: { min: 2, max: 2 },
  listing: true,
  async run(ctx) {
    const chosen = (['target', 'release', 'status'] as const).filter((name) => ctx.values[name] !== undefined);
    if (chosen.length !== 1) throw new EngineError('usage', 'keep needs exactly one of --target, --release and --status', 'e.g. `barkeep keep pg latest --target full`');
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const selector = ctx.positionals[1]!;
    if (ctx.values.status === true) {
      const { backup, keep: mark } = readBackupKeep(engine.catalog, server, selector);
      if (ctx.out.format === 'json') ctx.out.json({ server: server.name, backupId: backup.backupId, keep: mark });
      else ctx.out.line(`Keep: ${mark ?? 'nokeep'}`);
      return 0;
    }
    const target = ctx.values.release === true ? null : parseKeepTarget(ctx.values.target);
    const updated = setBackupKeep(engine.backupDeps(), server, selector, target);
    if (ctx.out.format === 'json') ctx.out.json({ server: server.name, backupId: updated.backupId, keep: updated.keep });
    else if (target === null) ctx.out.line(`backup ${updated.backupId} of server '${server.name}' is no longer kept; the retention policy judges it again`);
    else ctx.out.line(`backup ${updated.backupId} of server '${server.name}' is kept (target ${target}); release it with \`barkeep keep ${server.name} ${updated.backupId} --release\``);
    return 0;
  },
};

export const retention: Verb = {
  name: 'retention',
  summary: 'apply the retention policy now: delete obsolete backups and the WAL no remaining backup needs',
  usage: 'barkeep retention SERVER|all [--dry-run]',
  details: [
    'Backups are judged by retention_policy and minimum_redundancy; kept backups (`barkeep keep`) are outside the policy.',
    'WAL is deleted only when no remaining backup needs it (wal_retention_policy = main). `barkeep cron` runs this on its own.',
  ].join('\n'),
  options: { 'dry-run': { type: 'boolean' } },
  optionHelp: [['--dry-run', 'show what would be deleted, and why; delete nothing']],
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const wanted = ctx.positionals[0]!;
    const servers: ServerConfig[] = wanted === 'all' ? engine.config.servers.filter((server) => server.active) : [engine.server(wanted)];
    const dryRun = ctx.values['dry-run'] === true;
    const runs: RetentionRun[] = [];
    for (const server of servers) {
      const run = await enforceRetention(engine.backupDeps(), server, { dryRun, now: new Date() });
      runs.push(run);
      if (ctx.out.format !== 'json') printRun(ctx.out.line.bind(ctx.out), run);
    }
    if (ctx.out.format === 'json') ctx.out.json(wanted === 'all' ? runs : runs[0]);
    return runs.some((run) => run.skipped.some((skipped) => skipped.failed)) ? 1 : 0;
  },
};

export const retentionVerbs: readonly Verb[] = [keep, retention];

function parseKeepTarget(value: unknown): KeepTarget {
  if (value === 'full' || value === 'standalone') return value;
  throw new EngineError('usage', `invalid --target '${String(value)}'`, 'use --target full or --target standalone');
}

function printRun(line: (text: string) => void, run: RetentionRun): void {
  const would = run.dryRun ? 'would delete' : 'deleted';
  if (run.policy === null) {
    line(`server '${run.server}': no retention_policy is set; nothing is obsolete, nothing deleted`);
    return;
  }
  line(`server '${run.server}': ${run.policy}, minimum_redundancy ${run.minimumRedundancy}${run.dryRun ? ' (dry run: nothing is deleted)' : ''}`);
  for (const verdict of run.report.backups) line(`  ${verdict.backupId}  ${verdict.status.padEnd(20)}  ${verdict.reason}`);
  if (run.backups.length === 0) line('  no backup is obsolete');
  for (const backup of run.backups) line(`  ${would} backup ${backup.backupId} (${formatBytes(backup.ownBytes ?? 0)} own)`);
  for (const skipped of run.skipped) line(`  left backup ${skipped.backupId} in place: ${skipped.why}`);
  const { wal } = run;
  if (wal.deleted.length === 0) {
    line(`  no WAL file to delete (${wal.kept} kept${wal.firstNeeded ? `; the oldest needed is ${wal.firstNeeded}` : ''})`);
  } else {
    line(`  ${would} ${wal.deleted.length} WAL file${wal.deleted.length === 1 ? '' : 's'}, ${formatBytes(wal.bytes)}: ${wal.deleted[0]}${wal.deleted.length > 1 ? ` … ${wal.deleted.at(-1)}` : ''} (${wal.kept} kept; the oldest needed is ${wal.firstNeeded ?? 'none'})`);
  }
}
