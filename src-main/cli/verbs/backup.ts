/**
 * The backup verbs, with Barman's names and forms: backup (with a progress
 * bar), list-backup (Barman's one-line form), show-backup, delete and
 * verify-backup. Thin over engine/backup: parse, run as a job, print.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { JobEvent } from '../../../shared/ipc/events';
import { EngineError } from '../../../shared/errors';
import { backupSelectorHelp, selectBackup } from '../../engine/backup/backup-selector';
import { deleteBackup } from '../../engine/backup/delete-backup';
import { measureBackups, measureWalSinceBackups } from '../../engine/backup/disk-usage';
import { runBackup } from '../../engine/backup/run-backup';
import { verifyBackup } from '../../engine/backup/verify-backup';
import type { ServerConfig } from '../../engine/config/load';
import type { Engine } from '../../engine/engine';
import { evaluateRetention, type RetentionStatus, type RetentionVerdict } from '../../engine/retention/policy';
import { createProgressPrinter, formatBytes, renderLine } from '../progress-bar';
import type { Verb, VerbContext } from '../verb';

export const backup: Verb = {
  name: 'backup',
  summary: 'take a full backup of a server (or of every active server)',
  usage: 'barkeep backup SERVER|all [--wait] [--wait-timeout S] [--name NAME] [--reuse-backup link|copy|off] [--jobs N]',
  details: [
    'The backup is written to a temporary folder, fsynced and renamed into place; a failure or Ctrl-C marks it FAILED',
    'and leaves earlier backups untouched. Files identical to the previous backup\'s are hard-linked to it with --reuse-backup link.',
  ].join('\n'),
  options: {
    wait: { type: 'boolean' }, 'wait-timeout': { type: 'string' }, name: { type: 'string' },
    'reuse-backup': { type: 'string' }, jobs: { type: 'string', short: 'j' },
  },
  optionHelp: [
    ['--wait', 'wait until the WAL the backup needs is archived (status WAITING_FOR_WALS until then)'],
    ['--wait-timeout S', 'give up waiting after S seconds (the backup stays WAITING_FOR_WALS)'],
    ['--name NAME', 'a friendly name, usable instead of the id'],
    ['--reuse-backup MODE', 'link (hard-link unchanged files), copy or off; default: reuse_backup'],
    ['-j, --jobs N', 'parallel copies (rsync method) and fsyncs; default: parallel_jobs'],
  ],
  positionals: { min: 1, max: 1 },
  listing: false,
  async run(ctx) {
    const options = readBackupOptions(ctx);
    const engine = ctx.engine();
    const wanted = ctx.positionals[0]!;
    const servers = wanted === 'all' ? engine.config.servers.filter((server) => server.active) : [engine.server(wanted)];
    if (servers.length === 0) throw new EngineError('server-unknown', 'no active server is configured', 'run `barkeep list-servers`');
    let failures = 0;
    for (const server of servers) {
      try {
        const info = await backupOneServer(ctx, engine, server, options);
        ctx.out.line(describeFinishedBackup(info));
      } catch (error) {
        if (servers.length === 1) throw error;
        failures += 1;
        ctx.out.error({ code: 'backup-failed', message: `backup of server '${server.name}' failed: ${(error as Error).message}` });
      }
    }
    return failures === 0 ? 0 : 1;
  },
};

export const listBackup: Verb = {
  name: 'list-backup',
  summary: 'list the backups of a server, newest first',
  usage: 'barkeep list-backup SERVER',
  options: {},
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const backups = engine.catalog.listBackups(server.name).reverse();
    const walSizes = measureWalSinceBackups(engine.catalog, server.name, backups);
    const verdicts = judgeBackups(server, backups);
    if (ctx.out.format === 'json') {
      ctx.out.json(backups.map((info) => ({
        ...info,
        walBytes: walSizes.get(info.backupId) ?? info.walBytes,
        retentionStatus: verdicts.get(info.backupId)?.status ?? null,
        retentionReason: verdicts.get(info.backupId)?.reason ?? null,
      })));
      return 0;
    }
    for (const info of backups) ctx.out.line(formatBackupLine(info, walSizes.get(info.backupId) ?? null, verdicts.get(info.backupId)?.status ?? null));
    return 0;
  },
};

export const showBackup: Verb = {
  name: 'show-backup',
  summary: 'show everything known about one backup',
  usage: `barkeep show-backup SERVER ID|latest|oldest|last-failed`,
  details: `ID is ${backupSelectorHelp} (also a backup's --name).`,
  options: {},
  positionals: { min: 2, max: 2 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const backups = engine.catalog.listBackups(server.name);
    const info = selectBackup(backups, ctx.positionals[1]!, server.name);
    const usage = (await measureBackups(server)).backups.get(info.backupId) ?? null;
    const walBytes = measureWalSinceBackups(engine.catalog, server.name, backups).get(info.backupId) ?? null;
    const index = backups.findIndex((candidate) => candidate.backupId === info.backupId);
    const previous = backups[index - 1]?.backupId ?? null;
    const next = backups[index + 1]?.backupId ?? null;
    const verdict = judgeBackups(server, backups).get(info.backupId) ?? null;
    const rate = info.durationSeconds && info.bytesTransferred ? `${formatBytes(info.bytesTransferred / info.durationSeconds)}/s` : null;
    ctx.out.record(`Backup ${info.backupId}:`, [
      ['server name', info.server],
      ['name', info.name],
      ['status', info.status],
      ['error', info.error],
      ['method', info.method],
      ['system id', info.systemId],
      ['postgresql version', info.pgVersion],
      ['data checksums', info.dataChecksums],
      ['timeline', info.timeline],
      ['begin time', info.beginTime],
      ['end time', info.endTime],
      ['copy time', info.durationSeconds === null || info.durationSeconds === undefined ? null : `${info.durationSeconds.toFixed(1)} s`],
      ['throughput', rate],
      ['begin lsn', info.beginLsn],
      ['end lsn', info.endLsn],
      ['begin wal', info.beginWal],
      ['end wal', info.endWal],
      ['size', formatBytes(info.sizeBytes)],
      ['files', info.files ?? null],
      ['reused files', info.reusedFiles === null || info.reusedFiles === undefined ? null
        : `${info.reusedFiles} (${formatBytes(info.reusedBytes ?? 0)}) from ${info.reusedFrom ?? '-'}`],
      ['disk usage', usage === null ? null : `${formatBytes(usage.ownBytes)} own of ${formatBytes(usage.totalBytes)} (${usage.sharedFiles} files shared with other backups)`],
      ['wal size', walBytes === null ? null : formatBytes(walBytes)],
      ['tablespaces', info.tablespaces?.length ? info.tablespaces.map((space) => `${space.name} (${space.oid}) ${space.location}`).join(', ') : null],
      ['manifest checksum', info.manifestChecksum ?? null],
      ['keep', info.keep],
      ['retention policy', verdict === null ? null : `${verdict.status}: ${verdict.reason}`],
      ['previous backup', previous],
      ['next backup', next],
    ], { ...info, diskUsage: usage, walBytes, retentionStatus: verdict?.status ?? null, retentionReason: verdict?.reason ?? null, previousBackup: previous, nextBackup: next });
    return 0;
  },
};

export const deleteVerb: Verb = {
  name: 'delete',
  summary: 'delete a backup (never below minimum_redundancy)',
  usage: `barkeep delete SERVER ID|oldest|last-failed`,
  details: 'Files the backup shares with other backups (hard links) stay with them; only its own bytes are freed.',
  options: {},
  positionals: { min: 2, max: 2 },
  listing: false,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const report = await deleteBackup(engine.backupDeps(), server, ctx.positionals[1]!);
    ctx.out.line(`deleted backup ${report.backupId} of server '${report.server}' (${report.status}; freed ${formatBytes(report.freedBytes ?? 0)}); ${report.remaining} complete backup${report.remaining === 1 ? '' : 's'} left`);
    return 0;
  },
};

export const verifyBackupVerb: Verb = {
  name: 'verify-backup',
  summary: 'check a backup against its manifest (our checksums, and pg_verifybackup when installed)',
  usage: `barkeep verify-backup SERVER ID|latest|oldest`,
  options: {},
  positionals: { min: 2, max: 2 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const info = selectBackup(engine.catalog.listBackups(server.name), ctx.positionals[1]!, server.name);
    const report = await verifyBackup(server, info, { pgBinDir: engine.config.global.pgBinDir });
    if (ctx.out.format === 'json') {
      ctx.out.json(report);
    } else {
      ctx.out.line(`backup ${report.backupId} of server '${report.server}':`);
      ctx.out.line(`  checksums: ${report.ours.ok ? 'ok' : 'FAILED'} (${report.ours.filesChecked} files, ${formatBytes(report.ours.bytesChecked)}; manifest checksum ${report.ours.manifestChecksumValid ? 'ok' : 'wrong'})`);
      for (const problem of report.ours.problems) ctx.out.line(`    ${problem}`);
      ctx.out.line(`  pg_verifybackup: ${report.pgVerifybackup.status}${report.pgVerifybackup.output ? `: ${report.pgVerifybackup.output.split('\n').join('\n    ')}` : ''}`);
    }
    if (!report.ok) {
      throw new EngineError('verify-failed', `backup ${report.backupId} of server '${report.server}' did not verify`,
        'take a new backup; keep this one aside to find out what damaged it');
    }
    return 0;
  },
};

export const backupVerbs: readonly Verb[] = [backup, listBackup, showBackup, deleteVerb, verifyBackupVerb];

interface BackupVerbOptions {
  wait: boolean;
  waitTimeoutSeconds: number | null;
  name: string | null;
  reuse: 'off' | 'copy' | 'link' | undefined;
  jobs: number | undefined;
}

function readBackupOptions(ctx: VerbContext): BackupVerbOptions {
  const reuse = ctx.values['reuse-backup'];
  if (reuse !== undefined && reuse !== 'off' && reuse !== 'copy' && reuse !== 'link') {
    throw new EngineError('usage', `invalid --reuse-backup '${String(reuse)}'`, 'use link, copy or off');
  }
  const jobs = ctx.values.jobs === undefined ? undefined : Number(ctx.values.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new EngineError('usage', `invalid --jobs '${String(ctx.values.jobs)}'`, 'give a whole number of at least 1');
  const timeout = ctx.values['wait-timeout'] === undefined ? null : Number(ctx.values['wait-timeout']);
  if (timeout !== null && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new EngineError('usage', `invalid --wait-timeout '${String(ctx.values['wait-timeout'])}'`, 'give a number of seconds above 0');
  }
  return {
    wait: ctx.values.wait === true || timeout !== null,
    waitTimeoutSeconds: timeout,
    name: typeof ctx.values.name === 'string' ? ctx.values.name : null,
    reuse,
    jobs,
  };
}

/** Runs the backup as a job; the progress bar follows its events; Ctrl-C cancels it cleanly (FAILED, temporary data removed). */
async function backupOneServer(ctx: VerbContext, engine: Engine, server: ServerConfig, options: BackupVerbOptions): Promise<BackupInfo> {
  let files = 0;
  const handle = engine.jobs.submit({
    kind: 'backup',
    server: server.name,
    title: `backup ${server.name}`,
    run: (jobCtx) => runBackup(engine.backupDeps(), server, {
      ...options,
      onFiles: (count) => {
        files = count;
      },
    }, jobCtx),
  });
  const print = ctx.global.quiet ? null : createBackupPrinter(() => files);
  const unsubscribe = engine.jobs.onEvent((event) => {
    if (event.job.id === handle.id) print?.(event);
  });
  const cancel = (): void => void engine.jobs.cancel(handle.id);
  process.once('SIGINT', cancel);
  try {
    return await handle.done;
  } finally {
    process.off('SIGINT', cancel);
    unsubscribe();
  }
}

/** The shared progress bar, with the files count appended on a TTY. */
function createBackupPrinter(files: () => number, stream: NodeJS.WriteStream = process.stderr): (event: JobEvent) => void {
  if (stream.isTTY !== true) return createProgressPrinter(stream);
  const fallback = createProgressPrinter(stream);
  let startedAt = Date.now();
  return (event) => {
    if (event.type === 'started') startedAt = Date.now();
    if (event.type !== 'progress') return fallback(event);
    const count = files();
    stream.write(`\r\x1b[2K${renderLine(event.job, (Date.now() - startedAt) / 1000)}${count > 0 ? ` ${count} files` : ''}`);
  };
}

function describeFinishedBackup(info: BackupInfo): string {
  const reused = info.reusedFiles ? `, ${info.reusedFiles} reused from ${info.reusedFrom ?? 'the previous backup'}` : '';
  const time = info.durationSeconds ? ` in ${info.durationSeconds.toFixed(1)} s` : '';
  return `backup ${info.backupId} of server '${info.server}': ${info.status}, ${formatBytes(info.sizeBytes)} in ${info.files ?? 0} files${reused}${time}`
    + ` (own ${formatBytes(info.ownBytes ?? info.sizeBytes)}; begin wal ${info.beginWal}, end wal ${info.endWal})`;
}

/** The retention verdict of each backup at this moment, by id. */
function judgeBackups(server: ServerConfig, backups: readonly BackupInfo[]): Map<string, RetentionVerdict> {
  const report = evaluateRetention({ backups, policy: server.retentionPolicy, minimumRedundancy: server.minimumRedundancy, now: new Date() });
  return new Map(report.backups.map((verdict) => [verdict.backupId, verdict]));
}

/**
 * Barman's list-backup line: `SERVER ID - <end time> - Size: X - WAL Size: Y [- KEEP:…] [- STATUS]`,
 * STATUS being OBSOLETE or POTENTIALLY_OBSOLETE by the retention policy, or WAITING_FOR_WALS.
 */
export function formatBackupLine(info: BackupInfo, walBytes: number | null, retention: RetentionStatus | null = null): string {
  const name = info.name ? ` '${info.name}'` : '';
  if (info.status === 'FAILED' || info.status === 'STARTED') return `${info.server} ${info.backupId}${name} - ${info.status}`;
  const end = info.endTime ? formatCtime(new Date(info.endTime)) : '-';
  const keep = info.keep ? ` - KEEP:${info.keep.toUpperCase()}` : '';
  const obsolete = retention === 'OBSOLETE' || retention === 'POTENTIALLY_OBSOLETE' ? ` - ${retention}` : '';
  const status = info.status === 'DONE' ? '' : ` - ${info.status}`;
  return `${info.server} ${info.backupId}${name} - ${end} - Size: ${formatBytes(info.sizeBytes)} - WAL Size: ${formatBytes(walBytes ?? 0)}${keep}${obsolete}${status}`;
}

/** Python's datetime.ctime(), in UTC: 'Fri Nov 24 03:00:01 2023'. */
function formatCtime(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const time = date.toISOString().slice(11, 19);
  return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${date.getUTCFullYear()}`;
}
