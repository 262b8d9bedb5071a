/**
 * Checks of what reaches the store, read from disk and the archiver lock:
 * any WAL at all, receive-wal running, both delivery paths in use (the
 * handbook's advice), files kept in errors/, the incoming/ queue and the age
 * of the newest WAL. No PostgreSQL session needed.
 */
import { readdir } from 'node:fs/promises';
import { readArchiverLock } from '../wal/archiver-lock';
import { formatAge, formatInterval, subtractInterval } from './age';
import { always, failed, passed, type CheckDefinition } from './model';

/** Files wait in incoming/ only until the archiver's next pass; older than this, nobody takes them. */
export const incomingQueueMaxWaitMs = 10 * 60_000;

export const walArchiveCheck: CheckDefinition = {
  name: 'WAL archive',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const { server } = ctx;
    if (!server.archiver && !server.streamingArchiver) {
      return failed('no WAL archiving is configured',
        `set streaming_archiver = on (with slot_name) and/or archiver = on with an archive_command, in ${server.file}: backups cannot be restored without WAL`);
    }
    if ((await ctx.arrivals()).newest === null) {
      return failed('no WAL segment has reached the store yet',
        `make sure WAL shipping is set up (see the other lines), then force a switch with \`barkeep switch-wal --archive ${server.name}\``);
    }
    return passed();
  },
};

export const receiveWalRunningCheck: CheckDefinition = {
  name: 'receive-wal running',
  severity: 'critical',
  appliesTo: (server) => server.streamingArchiver,
  async run(ctx) {
    if (readArchiverLock(ctx.server.backupDirectory) !== null) return passed();
    return failed(`no receive-wal process runs for server '${ctx.server.name}'`,
      `start it with \`barkeep receive-wal ${ctx.server.name}\` (the app and \`barkeep serve\` run it for every server with streaming_archiver = on)`);
  },
};

export const walDeliveryCheck: CheckDefinition = {
  name: 'wal delivery',
  severity: 'warning',
  // A sandbox is a throw-away local cluster: a second delivery path there is noise, not safety.
  appliesTo: (server) => server.streamingArchiver && server.sandboxDataDirectory === null,
  async run(ctx) {
    if (ctx.server.archiver) return passed('streaming and archive_command');
    return failed('WAL arrives by streaming only: nothing covers for a broken stream',
      `also set archiver = on in ${ctx.server.file} and an archive_command that pushes WAL with \`barkeep put-wal ${ctx.server.name}\`: each path covers for the other`);
  },
};

export const archiverErrorsCheck: CheckDefinition = {
  name: 'archiver errors',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const folder = ctx.server.errorsDirectory;
    const all = (await listFolder(folder)).filter((name) => !name.startsWith('.'));
    // The last, partial segment of a timeline that ended (a promotion) is kept there on purpose: not an error.
    const names = all.filter((name) => !name.endsWith('.partial'));
    const partials = all.length - names.length;
    if (names.length === 0) return passed(partials === 0 ? '' : `${partials} partial segment(s) of ended timelines kept`);
    const reasons = new Map<string, number>();
    for (const name of names) {
      const reason = /\.(conflict|invalid|unknown)$/.exec(name)?.[1] ?? 'other';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    const summary = [...reasons].map(([reason, count]) => `${count} ${reason}`).join(', ');
    return failed(`${names.length} file(s) in '${folder}' (${summary})`,
      'look at each file: a conflict means two clusters archive into this server or the cluster was re-created, invalid means '
        + "archive_command sent something that is not that WAL file; move them out of the folder once understood");
  },
};

export const incomingQueueCheck: CheckDefinition = {
  name: 'incoming WALs queue',
  severity: 'warning',
  appliesTo: (server) => server.archiver,
  async run(ctx) {
    const { count, oldestAt } = (await ctx.arrivals()).incomingQueue;
    if (oldestAt === null) return passed('empty');
    const waited = ctx.now.getTime() - oldestAt.getTime();
    if (waited <= incomingQueueMaxWaitMs) return passed(`${count} file(s) waiting`);
    return failed(`${count} file(s) wait in '${ctx.server.incomingWalsDirectory}', the oldest for ${formatAge(waited)}`,
      `nothing archives them: run \`barkeep archive-wal ${ctx.server.name}\`, and keep the app or \`barkeep serve\` running so it happens on its own`);
  },
};

export const walMaximumAgeCheck: CheckDefinition = {
  name: 'wal maximum age',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const limit = ctx.server.lastWalMaximumAge;
    if (limit === null) return passed('no last_wal_maximum_age provided');
    const lastArrivalAt = (await ctx.arrivals()).lastArrivalAt;
    const detail = `interval provided: ${formatInterval(limit)}, latest wal age: ${lastArrivalAt ? formatAge(ctx.now.getTime() - lastArrivalAt.getTime()) : 'no WAL has arrived'}`;
    if (lastArrivalAt !== null && lastArrivalAt >= subtractInterval(ctx.now, limit)) return passed(detail);
    return failed(detail,
      `WAL stopped arriving: see the archiving lines above; or, if the server is really that quiet, set archive_timeout on it or raise last_wal_maximum_age in ${ctx.server.file}`);
  },
};

async function listFolder(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
