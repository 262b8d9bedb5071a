/**
 * Checks of archive_command archiving (archiver = on): archive_mode,
 * archive_command (set, not a no-op, not failing per pg_stat_archiver), and
 * continuous archiving (the store keeps up with the server's completed
 * segments; see wal-progress.ts for the precise rule).
 */
import type { ServerConfig } from '../config/load';
import { formatAge, subtractInterval } from './age';
import { judgeArchiveCommand } from './archive-command';
import { failed, passed, type CheckDefinition, type CheckOutcome } from './model';
import { settingOf, unreadableSetting, type CheckSession } from './postgres-session';
import { scanWalArrivals } from './wal-arrivals';
import { judgeContinuousArchiving, segmentContaining } from './wal-progress';

const usesArchiveCommand = (server: ServerConfig): boolean => server.archiver;

export const archiveModeCheck: CheckDefinition = {
  name: 'archive_mode',
  severity: 'critical',
  appliesTo: usesArchiveCommand,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    const mode = settingOf(facts, 'archive_mode');
    const restartHint = 'set archive_mode = on in postgresql.conf (or ALTER SYSTEM SET archive_mode = on) and restart PostgreSQL: archive_mode only changes at a restart';
    if (mode === null) return unreadableSetting(facts, 'archive_mode');
    const pending = mode.pendingRestart ? ' (a change waits for a restart)' : '';
    if (mode.setting === 'off') return failed(`archive_mode is off${pending}`, restartHint);
    if (facts.inRecovery && mode.setting === 'on') {
      return failed('the server is a standby and archive_mode = on archives only on a primary',
        'set archive_mode = always on the standby (postgresql.conf or ALTER SYSTEM) and restart it');
    }
    return passed();
  },
};

export const archiveCommandCheck: CheckDefinition = {
  name: 'archive_command',
  severity: 'critical',
  appliesTo: usesArchiveCommand,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    const library = settingOf(facts, 'archive_library')?.setting ?? '';
    if (library !== '') return passed(`archive_library '${library}'`);
    const commandSetting = settingOf(facts, 'archive_command');
    if (commandSetting === null) return unreadableSetting(facts, 'archive_command');
    const command = commandSetting.setting;
    const pushHint = `set archive_command to a command that stores %p in this server's incoming folder '${ctx.server.incomingWalsDirectory}', `
      + `e.g. ALTER SYSTEM SET archive_command = 'ssh BACKUP_HOST barkeep put-wal ${ctx.server.name} --name %f < %p'; SELECT pg_reload_conf()`;
    const verdict = judgeArchiveCommand(command);
    switch (verdict.kind) {
      case 'empty':
        return failed('archive_command is not set', pushHint);
      case 'disabled':
        return failed('archive_command is disabled: archive_mode is off', 'turn archive_mode on first (see the archive_mode line)');
      case 'no-op':
        return failed(`archive_command '${verdict.command}' keeps nothing: PostgreSQL recycles WAL it is told was archived`, pushHint);
      case 'no-file':
        return failed(`archive_command '${verdict.command}' names neither %p nor %f: it cannot copy the WAL file`, pushHint);
      case 'ok':
        return judgeArchiverStats(await readArchiverStats(ctx.postgres));
    }
  },
};

type ArchiverStats = {
  last_archived_wal: string | null;
  last_archived_time: Date | null;
  last_failed_wal: string | null;
  last_failed_time: Date | null;
};

async function readArchiverStats(session: CheckSession): Promise<ArchiverStats | null> {
  const [row] = await session.query<ArchiverStats>(
    'select last_archived_wal, last_archived_time, last_failed_wal, last_failed_time from pg_stat_archiver');
  return row ?? null;
}

/** pg_stat_archiver: a failure newer than the last success means the command fails right now. */
function judgeArchiverStats(stats: ArchiverStats | null): CheckOutcome {
  if (stats?.last_failed_time == null) return passed();
  if (stats.last_archived_time !== null && stats.last_archived_time > stats.last_failed_time) return passed();
  return failed(`archive_command failed for ${stats.last_failed_wal ?? 'a WAL file'} at ${stats.last_failed_time.toISOString()} and has not succeeded since (pg_stat_archiver)`,
    "read the PostgreSQL server log for the command's error, and run the command by hand as the postgres OS user");
}

export const continuousArchivingCheck: CheckDefinition = {
  name: 'continuous archiving',
  severity: 'critical',
  appliesTo: (server) => server.archiver || server.streamingArchiver,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    if (facts.inRecovery) return passed('not checked on a standby');
    // The timeline from pg_walfile_name: the one WAL is inserted on (pg_control's may lag after a promotion).
    const [position] = await ctx.postgres.query<{ lsn: string; timeline: string }>(
      'select pg_current_wal_lsn()::text as lsn, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) as timeline');
    const arrivals = await ctx.arrivals();
    const archiveTimeout = Number(settingOf(facts, 'archive_timeout')?.setting ?? 0);
    const segmentSize = Number(settingOf(facts, 'wal_segment_size')?.setting ?? 16 * 1024 * 1024);
    const verdict = judgeContinuousArchiving({
      currentSegment: segmentContaining(position?.lsn ?? '0/0', parseInt(position?.timeline ?? '1', 16), segmentSize),
      segmentSize,
      newestArrived: arrivals.newest?.name ?? null,
      lastArrivalAt: arrivals.lastArrivalAt,
      now: ctx.now,
      // last_wal_maximum_age when set, else archive_timeout (at least a minute), else 5 minutes
      graceMs: ctx.server.lastWalMaximumAge !== null
        ? ctx.now.getTime() - subtractInterval(ctx.now, ctx.server.lastWalMaximumAge).getTime()
        : (archiveTimeout > 0 ? Math.max(archiveTimeout, 60) : 300) * 1000,
    });
    if (verdict.state === 'nothing-completed') return passed('the server has not completed a segment yet');
    if (verdict.state === 'up-to-date') return passed();

    // PostgreSQL believes it archived the segment the store lacks: the command delivers elsewhere.
    const stats = ctx.server.archiver ? await readArchiverStats(ctx.postgres) : null;
    if (stats?.last_archived_wal != null && stats.last_archived_wal.slice(8) >= verdict.lastCompleted.slice(8)
      // Looked again: the segment may have landed between the first look and the question to PostgreSQL.
      && ((await scanWalArrivals(ctx.server)).newest?.name.slice(8) ?? '') < verdict.lastCompleted.slice(8)) {
      return failed(`PostgreSQL reports ${stats.last_archived_wal} archived${stats.last_archived_time ? ` at ${stats.last_archived_time.toISOString()}` : ''}, `
        + `but the newest segment in the store is ${verdict.state === 'nothing-arrived' ? 'none' : verdict.newest}`,
      `archive_command delivers somewhere else: make it store %p in '${ctx.server.incomingWalsDirectory}' (ALTER SYSTEM SET archive_command = '…'; SELECT pg_reload_conf())`);
    }
    const lastArrival = arrivals.lastArrivalAt ? `${formatAge(ctx.now.getTime() - arrivals.lastArrivalAt.getTime())} ago` : 'never';
    switch (verdict.state) {
      case 'catching-up':
        return passed(`${verdict.behindBy} segment(s) behind, last arrival ${lastArrival}`);
      case 'nothing-arrived':
        return failed(`the server completed ${verdict.lastCompleted} but no WAL segment is in wals/, incoming/ or streaming/ of '${ctx.server.backupDirectory}'`,
          archivingHint(ctx.server));
      case 'stalled':
        return failed(`the server completed ${verdict.lastCompleted} but the newest segment that arrived is ${verdict.newest} `
          + `(${verdict.behindBy} behind, last arrival ${lastArrival})`, archivingHint(ctx.server));
    }
  },
};

function archivingHint(server: ServerConfig): string {
  const paths = [
    server.archiver ? `archive_command must deliver into '${server.incomingWalsDirectory}' (see the archive_command line and the PostgreSQL log)` : null,
    server.streamingArchiver ? `\`barkeep receive-wal ${server.name}\` must run (see the receive-wal running line)` : null,
  ].filter((text): text is string => text !== null);
  return `${paths.join('; ')}; then force a switch with \`barkeep switch-wal --archive ${server.name}\``;
}
