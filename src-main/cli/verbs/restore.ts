/**
 * `barkeep restore` (alias `recover`): plans a point-in-time restore, prints the
 * plan, and (unless --dry-run) runs the local or (--remote-ssh-command) remote
 * restore as a job with a progress bar. Thin over engine/recovery: parse, plan,
 * run, print how to start it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import type { RestorePlan } from '../../engine/recovery/plan';
import { localGetWalCommand } from '../../engine/recovery/recovery-settings';
import { parseTablespaceOptions } from '../../engine/recovery/tablespaces';
import type { RestoreReport } from '../../engine/recovery/restore-local';
import { checkRestoreRun, planServerRestore, prepareRestoreRun } from '../../engine/recovery/restore-request';
import { createProgressPrinter, formatBytes } from '../progress-bar';
import { executeDrill } from './drill';
import type { Verb, VerbContext } from '../verb';
import { readRecoveryTarget, stringOption } from './target-options';
import { barkeepScript } from '../install-root';

export const restore: Verb = {
  name: 'restore',
  summary: 'restore a backup into a local or remote folder, to the latest WAL or a point in time',
  usage: 'barkeep restore SERVER [BACKUP_ID|latest] {DEST|--drill} [--target-time T | --target-xid X | --target-lsn L | --target-name NAME | --target-immediate]'
    + ' [--target-tli current|latest|N] [--target-action pause|promote|shutdown] [--target-exclusive] [--remote-ssh-command CMD]'
    + ' [--standby-mode] [--tablespace NAME:PATH]... [--get-wal [--get-wal-command CMD] | --no-get-wal] [--dry-run] [--force] [--drill]',
  details: [
    'Without a backup id (or with latest) Barkeep picks the newest complete backup that ends before the target. The backup is',
    'copied (never hard-linked) into DEST with the WAL recovery needs in DEST/barkeep_wal; postgresql.auto.conf gets restore_command,',
    "the recovery target and archive_mode = off (so the copy cannot write into the original's archive); recovery.signal is created.",
    'Refused: a non-empty DEST (unless --force), a running postmaster in DEST, too little free space, a target before the oldest',
    'backup or past the archived WAL, an unknown timeline, a WAL gap. With --remote-ssh-command DEST is a folder on that host:',
    'the copy goes there as a tar stream over SSH (host key checked against the known_hosts file, never skipped).',
    'With --drill there is no DEST: the restore goes into a temporary folder, is started, checked and removed, as `barkeep drill` does',
    '(target action promote by default; validation queries from BARKEEP_DRILL_SQL_<SERVER>).',
    '--tablespace NAME:PATH puts a tablespace (NAME or its oid) into PATH, an empty or new folder, and rewrites tablespace_map;',
    'a tablespace not mapped goes back to its original location, which must then be empty or absent (with --remote-ssh-command:',
    'PATH on that host). A remote restore sends the data folder in parallel_jobs tar streams over one SSH connection.',
    '--standby-mode writes standby.signal instead of recovery.signal and no recovery_target_action (a standby ignores it).',
    '--get-wal copies no WAL: restore_command runs `barkeep get-wal SERVER %f -o %p` on this machine (with this node, this checkout',
    "and this configuration file; the cluster owner must be able to run them). A remote restore cannot know how its host reaches",
    "Barkeep, so there --get-wal needs --get-wal-command, e.g. 'ssh barkeep@backup-host barkeep get-wal SERVER %f > %p'.",
  ].join('\n'),
  options: {
    'target-time': { type: 'string' }, 'target-xid': { type: 'string' }, 'target-lsn': { type: 'string' }, 'target-name': { type: 'string' },
    'target-immediate': { type: 'boolean' }, 'target-tli': { type: 'string' }, 'target-action': { type: 'string' },
    'target-exclusive': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, force: { type: 'boolean' },
    'remote-ssh-command': { type: 'string' }, drill: { type: 'boolean' }, 'standby-mode': { type: 'boolean' },
    'get-wal': { type: 'boolean' }, 'no-get-wal': { type: 'boolean' }, 'get-wal-command': { type: 'string' },
    tablespace: { type: 'string', multiple: true },
  },
  optionHelp: [
    ['--target-time T', "stop at a time, e.g. '2026-11-24 04:30:00+00' (without a zone: this machine's local time)"],
    ['--target-xid X', 'stop at a transaction id'],
    ['--target-lsn L', 'stop at a WAL location, e.g. 0/3000060'],
    ['--target-name NAME', 'stop at a restore point made with pg_create_restore_point()'],
    ['--target-immediate', 'stop as soon as the backup is consistent'],
    ['--target-tli TLI', 'current, latest (default) or a timeline number'],
    ['--target-action A', 'at the target: pause (default), promote or shutdown'],
    ['--target-exclusive', 'stop just before the target (time, xid, lsn)'],
    ['--dry-run', 'print the plan and check DEST; write nothing'],
    ['--force', 'delete what DEST holds first (never while a postmaster runs there)'],
    ['--remote-ssh-command CMD', "restore on another host: 'ssh postgres@host [-p N] [-i KEY] [-o UserKnownHostsFile=F]'"],
    ['--tablespace NAME:PATH', 'restore tablespace NAME into PATH (repeatable; remote: PATH on that host)'],
    ['--standby-mode', 'start the restored copy as a standby (standby.signal)'],
    ['--get-wal', 'copy no WAL; restore_command fetches each file from Barkeep (`barkeep get-wal`)'],
    ['--no-get-wal', 'copy the WAL recovery needs into DEST/barkeep_wal (the default)'],
    ['--get-wal-command CMD', 'with --get-wal: the restore_command to use (%f, %p); required with --remote-ssh-command'],
    ['--drill', 'no DEST: restore into a temporary folder, start, validate, clean up and record, as `barkeep drill`'],
  ],
  positionals: { min: 1, max: 3 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const drill = ctx.values.drill === true;
    const { selector, dest } = readPositionals(ctx, drill);
    const target = readRecoveryTarget(ctx, drill ? 'promote' : undefined);
    const plan = planServerRestore(engine.catalog, server, selector, target);
    if (drill) return executeDrill(ctx, server.name, plan);
    if (dest === null) throw new EngineError('usage', 'restore needs a DEST folder (or --drill)');
    const sshCommand = stringOption(ctx, 'remote-ssh-command');
    const dryRun = ctx.values['dry-run'] === true;
    const runRestore = prepareRestoreRun(plan, dest, {
      server, force: ctx.values.force === true, standby: ctx.values['standby-mode'] === true,
      ...readGetWal(ctx, server.name, sshCommand !== undefined),
      tablespaces: parseTablespaceOptions(readStrings(ctx, 'tablespace')),
      ...(sshCommand === undefined ? {} : { sshCommand }),
    });
    // The checks alone first (a dry run writes nothing), so that a refusal comes before any plan or progress.
    const checked = await checkRestoreRun(runRestore);
    if (dryRun) {
      printReport(ctx, checked);
      return 0;
    }
    if (ctx.out.format !== 'json') printPlan(ctx, plan, dest);
    const handle = engine.jobs.submit({
      kind: 'restore', server: server.name, title: `restore ${server.name}`,
      run: (jobCtx) => runRestore(false, jobCtx),
    });
    const print = ctx.global.quiet ? null : createProgressPrinter();
    const unsubscribe = engine.jobs.onEvent((event) => {
      if (event.job.id === handle.id) print?.(event);
    });
    const cancel = (): void => void engine.jobs.cancel(handle.id);
    process.once('SIGINT', cancel);
    try {
      printReport(ctx, await handle.done);
    } finally {
      process.off('SIGINT', cancel);
      unsubscribe();
    }
    return 0;
  },
};

export const recover: Verb = { ...restore, name: 'recover', summary: 'the same as restore (Barman\'s name)' };

export const restoreVerbs: readonly Verb[] = [restore, recover];

/**
 * --get-wal / --no-get-wal (the default) / --get-wal-command: the restore_command that fetches WAL from Barkeep, or
 * nothing (copy the WAL into DEST). Locally the command runs this node, this checkout's bin/barkeep.js and this
 * configuration file; remotely it cannot be guessed and must be given.
 */
function readGetWal(ctx: VerbContext, server: string, remote: boolean): { getWalCommand?: string } {
  const getWal = ctx.values['get-wal'] === true;
  const given = stringOption(ctx, 'get-wal-command');
  if (getWal && ctx.values['no-get-wal'] === true) throw new EngineError('usage', '--get-wal and --no-get-wal exclude each other');
  if (!getWal) {
    if (given !== undefined) throw new EngineError('usage', '--get-wal-command needs --get-wal');
    return {};
  }
  if (given !== undefined) return { getWalCommand: given };
  if (remote) {
    throw new EngineError('usage', 'a remote restore with --get-wal needs --get-wal-command: how the restored host runs `barkeep get-wal` is not known here',
      "add e.g. --get-wal-command 'ssh barkeep@backup-host barkeep get-wal SERVER %f > %p', or drop --get-wal to copy the WAL");
  }
  if (!existsSync(barkeepScript)) {
    throw new EngineError('usage', `--get-wal cannot find Barkeep's command at '${barkeepScript}'`, 'give the restore_command with --get-wal-command, or drop --get-wal');
  }
  return { getWalCommand: localGetWalCommand(process.execPath, barkeepScript, path.resolve(ctx.configFile), server) };
}

/** SERVER [BACKUP_ID] DEST, or with --drill SERVER [BACKUP_ID] and no DEST; options that write into DEST are refused with --drill. */
function readPositionals(ctx: VerbContext, drill: boolean): { selector: string | null; dest: string | null } {
  const count = ctx.positionals.length;
  if (!drill) {
    if (count < 2) throw new EngineError('usage', 'restore needs SERVER and DEST', 'barkeep restore SERVER [BACKUP_ID|latest] DEST, or --drill without DEST');
    return count === 3 ? { selector: ctx.positionals[1]!, dest: ctx.positionals[2]! } : { selector: null, dest: ctx.positionals[1]! };
  }
  if (count > 2) throw new EngineError('usage', `--drill restores into a temporary folder: drop the DEST '${ctx.positionals[2]!}'`, 'barkeep restore SERVER [BACKUP_ID|latest] --drill');
  const destOnly = ['dry-run', 'force', 'remote-ssh-command', 'standby-mode', 'get-wal', 'get-wal-command', 'tablespace'].filter((name) => ctx.values[name] !== undefined);
  if (destOnly.length > 0) throw new EngineError('usage', `--drill cannot be combined with ${destOnly.map((name) => `--${name}`).join(', ')}`, 'a drill always restores locally into a temporary folder it removes');
  return { selector: ctx.positionals[1] ?? null, dest: null };
}

function readStrings(ctx: VerbContext, name: string): string[] {
  const value = ctx.values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => {
    if (typeof item !== 'string') throw new EngineError('usage', `--${name} needs a value`);
    return item;
  });
}


function printPlan(ctx: VerbContext, plan: RestorePlan, dest: string): void {
  const firstWal = plan.walSegments[0] ?? '-';
  const lastWal = plan.walSegments.at(-1) ?? '-';
  ctx.out.line(`restore plan for server '${plan.server}' into '${dest}':`);
  ctx.out.line(`  backup:      ${plan.backup.backupId} (ended ${plan.backup.endTime ?? '-'} at lsn ${plan.backup.endLsn ?? '-'}, timeline ${plan.backup.timeline ?? '-'})`);
  ctx.out.line(`  target:      ${plan.targetDescription}${plan.target.kind === 'latest' ? '' : `, then ${plan.target.action}`}`);
  ctx.out.line(`  timeline:    ${plan.targetTimeline} (${plan.target.timeline})`);
  ctx.out.line(`  wal:         ${plan.walSegments.length} segments ${firstWal} … ${lastWal}${plan.historyFiles.length ? ` + ${plan.historyFiles.join(', ')}` : ''}`);
  ctx.out.line(`  to copy:     ${formatBytes(plan.bytesToCopy)} (data ${formatBytes(plan.dataBytes)}, wal ${formatBytes(plan.walBytes)})`);
  const rate = `${formatBytes(plan.throughputBytesPerSecond)}/s`;
  ctx.out.line(`  time:        ~${formatDuration(plan.estimatedSeconds)} at ${rate}${plan.throughputSource === 'measured' ? `, ${plan.throughputBasis}` : ` (${plan.throughputBasis})`}`);
  for (const warning of plan.warnings) ctx.out.line(`  WARNING: ${warning}`);
}

/** 40 s, 12 min, 2 h 05 min: the estimate's precision, no more. */
function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

function printReport(ctx: VerbContext, report: RestoreReport): void {
  if (ctx.out.format === 'json') {
    ctx.out.json({ ...report, plan: { ...report.plan, target: { ...report.plan.target, ...('lsn' in report.plan.target ? { lsn: String(report.plan.target.lsn) } : {}) } } });
    return;
  }
  if (report.dryRun) {
    printPlan(ctx, report.plan, report.dest);
    ctx.out.line(`dry run: '${report.dest}' passed the checks; nothing was written`);
    return;
  }
  ctx.out.line(`restored backup ${report.plan.backup.backupId} of server '${report.plan.server}' into '${report.dest}': ${formatBytes(report.copiedBytes)}`
    + ` (${report.walFiles} wal files) in ${report.durationSeconds.toFixed(1)} s; recovery target: ${report.plan.targetDescription}`);
  ctx.out.line('check port and listen_addresses in its postgresql.conf (it is a copy of the original\'s), then start it with:');
  ctx.out.line(`  ${report.startCommand}`);
}
