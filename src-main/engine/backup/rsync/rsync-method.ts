/**
 * Backup method `rsync` (Barman's name; no rsync binary involved): the
 * concurrent backup API held on one PostgreSQL session while the data folder
 * and tablespaces come over one SSH connection (ssh2, its reads landing in a
 * kept ring: ssh-copy-connection.ts; both kept open afterwards for the next
 * backup, connection_persist), unchanged files reused from the previous backup.
 * Fills dataFolder only; the store is the orchestrator's.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EngineError } from '../../../../shared/errors';
import { formatBytes } from '../../check/age';
import { openBackupSession } from '../../postgres/backup-api';
import type { BackupServerFacts, BackupSession, BackupStart } from '../../postgres/backup-api';
import type { CopyConnection } from '../../transport/ssh-copy-connection';
import { sshdMaxSessions } from '../../transport/ssh-sessions';
import type { CommandStreams } from '../../transport/transport';
import type { BackupMethodInput, BackupMethodResult, BackupMethodRun } from '../backup-method';
import { leaseSharedHasher } from '../background-hasher';
import { copyFiles } from './copy-files';
import { excludeFromBackup } from './exclusions';
import { startLinkingAhead } from './link-ahead';
import type { LinkAhead } from './link-ahead';
import { writeLabelFile } from './local-tree';
import { prepareStreams } from './prepared-streams';
import type { PreparedStreams } from './prepared-streams';
import { listRemoteTree } from './remote-listing';
import type { ListingRoot, RemoteListing } from './remote-listing';
import { checkSameSystem, controlFileHead, verifySameSystem } from './remote-control-file';
import { readReuseHorizon } from './reuse-horizon';
import { keepSshCopyLogin, openSshCopyLogin } from './ssh-login';
import type { SshLoginOptions } from './ssh-login';
import { buildTarCommand, chooseWireCompression } from './tar-fetch';
import type { WireCompression } from './tar-fetch';
import { planTransfer, sumSizes } from './transfer-plan';

/** How long the unused tar streams may take to end before the connection is closed rather than kept. */
const streamsEndMs = 5_000;

export const runRsyncBackup: BackupMethodRun = async (input) => {
  const { ctx } = input;
  const clock = startPhaseClock();

  // 1. The connections at once, and the backup starts (a checkpoint: immediate_checkpoint decides how fast)
  //    as soon as PostgreSQL answers, while SSH still logs in: an immediate checkpoint takes about as long.
  //    A failed login cancels the start (or stops the started backup).
  //    One SSH login serves the commands and the tar streams (a second one cost ~30 ms of both ends' CPU).
  //    An incremental links the previous backup's files meanwhile; the plan decides later which links stay.
  ctx.progress({ phase: 'connecting' });
  const reuse = input.previous ? input.reuse : 'off';
  // Every backup stores files through the process's hashing thread (pg_control at least): in a new
  // process, the thread boots during the login rather than when the first file arrives.
  const hashing = leaseSharedHasher();
  hashing.hasher.warmUp();
  // The linking starts once SSH is logged in: linking during the handshake slowed the login as much as it saved.
  const previous = input.previous;
  const linking: { ahead: LinkAhead | null } = { ahead: null };
  const connected = await connectAndStart(input, reuse, () => {
    if (previous && reuse === 'link') linking.ahead = startLinkingAhead(previous, input.dataFolder, hashing.hasher);
  }).catch(async (error: unknown) => {
    hashing.release();
    await linking.ahead?.stop();
    throw error;
  });
  const { ahead } = linking;
  const { transport, session, start, compress, horizon } = connected;
  let streams: PreparedStreams | null = null;
  // Each connection closes as soon as the backup is done with it, and waits for its server meanwhile
  // (sshd's goodbye, the backend's exit): SSH's while the backup stops, PostgreSQL's while the label is written.
  // After a copy that went well, SSH's is kept open instead (connection_persist) for the next backup, and so is
  // PostgreSQL's after the backup stopped.
  let sshClosed: Promise<void> | null = null;
  let copied = false;
  const keepSsh = async (): Promise<void> => {
    // Kept only once the tar streams nobody took have ended (an empty list ends them at once); closed if they linger.
    const ended = await Promise.race([(streams?.close() ?? Promise.resolve()).then(() => true, () => false), delay(streamsEndMs, false, { ref: false })]);
    await (ended ? keepSshCopyLogin(input.server.sshCommand!, transport, input.server.connectionPersist * 1000) : transport.close());
  };
  const closeSsh = (): Promise<void> => (sshClosed ??= copied
    ? keepSsh().catch(() => transport.close())
    : Promise.all([transport.close().catch(() => {}), streams?.close().catch(() => {})]).then(() => {}));
  let sessionClosed: Promise<void> | null = null;
  const closePostgres = (): Promise<void> => (sessionClosed ??= closeSession(session, ctx, input.server.connectionPersist * 1000));
  try {
    const { facts } = session;
    if (input.previous && reuse !== 'off' && !horizon) {
      ctx.log(`backup ${input.previous.backupId} has no readable backup_label: every unchanged-looking file is compared by checksum`, 'warn');
    }
    ctx.log(`backup started at ${start.lsn} (WAL ${start.walFile}, timeline ${start.timeline})`);
    clock.lap('connect and start');

    // 2. One listing of everything, minus what pg_basebackup leaves out, compared with the previous backup.
    //    Its command (set up while the backup started) first reads pg_control's system identifier: the
    //    same-system check, in the same round trip. The tar streams (and pg_control's) start meanwhile on
    //    the same connection, and wait for their lists. Nothing is stored before the check passed (and the
    //    early one, if a checkpoint outlasted the login).
    ctx.progress({ phase: 'listing files' });
    const answers = Promise.allSettled([connected.sameSystem, connected.listing]);
    const tarCommand = buildTarCommand(compress);
    const sessions = planSessions(input.parallelJobs);
    if (sessions.streams < input.parallelJobs) {
      ctx.log(`parallel_jobs ${input.parallelJobs}: ${sessions.streams} tar streams, as many as one SSH connection carries beside the backup's other commands under sshd's MaxSessions (${sshdMaxSessions} by default)`);
    }
    // and pg_control's
    streams = prepareStreams(borrowConnection(transport), tarCommand, sessions.streams + 1, ctx.signal);
    const [sameSystem, listed] = await answers;
    if (sameSystem.status === 'rejected') throw sameSystem.reason;
    if (listed.status === 'rejected') throw listed.reason;
    const listing = listed.value;
    verifySameSystem(listing.head!, { description: transport.description, dataDirectory: facts.dataDirectory, systemId: facts.systemId });
    const { kept, skipped } = excludeFromBackup(listing.entries);
    const plan = planTransfer({ entries: kept, previous: input.previous, reuse, horizon });
    ctx.log(describePlan(plan, skipped.length, reuse));
    const linkedAhead = await ahead?.settle(plan);
    clock.lap('list');

    // 3. The copy: reuse, parallel streams, pg_control last.
    if (compress !== 'off') ctx.log(`network compression: ${compress === 'zstd' ? 'zstd -1' : 'gzip -1 (the server has no zstd)'}`);
    const copy = await copyFiles({
      transport, copies: streams, plan, dataFolder: input.dataFolder, previous: input.previous, reuse, parallelJobs: sessions.streams, checksumJobs: sessions.checksumJobs, compress, ctx,
      ...(input.onFileStored ? { onFileStored: input.onFileStored } : {}),
      ...(linkedAhead ? { linkedAhead } : {}),
    });
    clock.lap('copy');
    copied = true;
    void closeSsh();

    // 4. The backup stops; its label (and tablespace map) become files of the backup.
    ctx.progress({ phase: 'stopping the backup' });
    const stop = await session.stop(ctx.signal);
    void closePostgres();
    ctx.log(`backup stopped at ${stop.lsn} (WAL ${stop.walFile})`);
    const files = [...copy.files, await writeLabelFile(input.dataFolder, 'backup_label', stop.labelFile, start.time)];
    if (stop.tablespaceMap !== null) files.push(await writeLabelFile(input.dataFolder, 'tablespace_map', stop.tablespaceMap, start.time));
    for (const file of files.slice(copy.files.length)) input.onFileStored?.(file);
    clock.lap('stop');
    ctx.log(`copied ${formatBytes(copy.wireBytes)} over ssh, reused ${formatBytes(copy.reusedBytes)}; ${clock.describe()}`);

    return describeResult(facts, start, stop, files, copy.wireBytes);
  } catch (error) {
    // Cancelling tears streams down: whatever error that raised first, the cause is the cancel.
    if (ctx.signal.aborted && !(error instanceof EngineError && error.code === 'cancelled')) {
      throw new EngineError('cancelled', `the backup of server '${input.server.name}' was cancelled`, undefined, { cause: error });
    }
    throw error;
  } finally {
    hashing.release();
    await ahead?.stop();
    await Promise.all([closePostgres(), closeSsh()]);
  }
};

/**
 * Sessions open at once on the one SSH connection stay under sshd's MaxSessions, one spare: the tar
 * streams and pg_control's, with the listing and the same-system check while they run, or with the
 * commands that compare checksums on the server (before the copy).
 */
function planSessions(parallelJobs: number): { streams: number; checksumJobs: number } {
  const streams = Math.min(Math.max(1, parallelJobs), sshdMaxSessions - 4);
  return { streams, checksumJobs: Math.max(1, Math.min(streams, sshdMaxSessions - (streams + 1) - 1)) };
}

/** The connection lent to the tar streams: closing them leaves it open (the backup closes it once, at its end). */
function borrowConnection(transport: CopyConnection): CommandStreams {
  return { description: transport.description, execStream: (command, opts) => transport.execStream(command, opts), close: async () => {} };
}

interface Connected {
  transport: CopyConnection;
  session: BackupSession;
  start: BackupStart;
  compress: WireCompression;
  /** when the previous backup started (reuse-horizon.ts); null without one to reuse from */
  horizon: Date | null;
  /** the early same-system check, made while a checkpoint outlasted the login: awaited before anything is stored */
  sameSystem: Promise<void>;
  /** the listing (with pg_control's head), made once the backup started */
  listing: Promise<RemoteListing>;
}

/**
 * Opens the SSH connection (commands and tar streams alike: one login) and the backup session together,
 * starts the backup once the session is open, and meanwhile chooses the wire compression; if the start
 * (a checkpoint) outlasts the login, starts the same-system check too (returned, for the caller to await
 * before it stores anything; another server cancels the start). On any failure the start is cancelled
 * (or the backup stopped), nothing stays open, and the error that explains it wins: SSH's first, then
 * PostgreSQL's, then the same-system check's.
 */
async function connectAndStart(input: BackupMethodInput, reuse: BackupMethodInput['reuse'], afterLogin: () => void): Promise<Connected> {
  const { server, ctx } = input;
  const failed = new AbortController();
  const signal = AbortSignal.any([ctx.signal, failed.signal]);
  const cancelOnFailure = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => failed.abort());
    return promise;
  };
  const ssh = cancelOnFailure(connectSsh(input, openSshCopyLogin).then((transport) => {
    afterLogin();
    return transport;
  }));
  const session = cancelOnFailure(openBackupSession(server.conninfo, { signal: ctx.signal, applicationName: `barkeep backup ${server.name}` }));
  let startSettled = false;
  const started = cancelOnFailure(session.then((opened) => {
    ctx.progress({ phase: server.immediateCheckpoint ? 'starting the backup' : 'starting the backup (waiting for a spread checkpoint)' });
    return opened.start(`barkeep backup ${server.name} ${input.backupId}`, server.immediateCheckpoint, signal);
  }).finally(() => {
    startSettled = true;
  }));
  const compression = cancelOnFailure(ssh.then((transport) => (server.networkCompression ? chooseWireCompression(transport, signal) : 'off' as const)));
  // The listing's command checks the system too, but lists after the start: while a checkpoint (minutes, if
  // spread) still runs once both connections are up, a command of its own finds another server early.
  // After a new login the start is usually over by then (no extra command); a kept connection is up at once.
  const sameSystem = Promise.all([ssh, session]).then(([transport, opened]) => (startSettled ? undefined
    : checkSameSystem(transport, opened.facts.dataDirectory, opened.facts.systemId, signal)));
  // Another server cancels the start (a spread checkpoint may take minutes); otherwise awaited with the listing.
  sameSystem.catch(() => failed.abort());
  // The listing's command (an SSH channel and a shell) is set up as soon as both connections are, and lists
  // once the backup started: files are compared as they are after the start's checkpoint.
  const listing = Promise.all([ssh, session]).then(([transport, opened]) => listRemoteTree(transport, listingRoots(opened.facts),
    { signal, head: controlFileHead(opened.facts.dataDirectory), after: started }));
  // Awaited by the caller, or dropped with the rest on a failure here.
  listing.catch(() => {});
  // When the previous backup started: files modified since then must also match by checksum.
  const previous = input.previous;
  const horizon = previous && reuse !== 'off' ? session.then((opened) => readReuseHorizon(previous.dataFolder, opened.readZoneOffset)) : Promise.resolve(null);
  const results = await Promise.allSettled([ssh, session, started, compression, horizon]);
  const [sshResult, sessionResult, startResult, compressionResult, horizonResult] = results;
  if (results.every((result) => result.status === 'fulfilled')) {
    return {
      transport: (sshResult as PromiseFulfilledResult<CopyConnection>).value,
      session: (sessionResult as PromiseFulfilledResult<BackupSession>).value,
      start: (startResult as PromiseFulfilledResult<BackupStart>).value,
      compress: (compressionResult as PromiseFulfilledResult<WireCompression>).value,
      horizon: (horizonResult as PromiseFulfilledResult<Date | null>).value,
      sameSystem,
      listing,
    };
  }
  await Promise.all([
    sshResult.status === 'fulfilled' ? (sshResult.value as CopyConnection).close().catch(() => {}) : null,
    sessionResult.status === 'fulfilled' ? closeSession(sessionResult.value as BackupSession, ctx, 0) : null,
  ]);
  // A cancel of the job wins; otherwise the first failure in that order, not the cancels it caused;
  // when all are such cancels, the same-system check caused them.
  if (ctx.signal.aborted) throw new EngineError('cancelled', `the backup of server '${server.name}' was cancelled`);
  const failure = results.find((result) => result.status === 'rejected'
    && !(result.reason instanceof EngineError && result.reason.code === 'cancelled'));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  await sameSystem;
  throw (results.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
}

/**
 * Ends the session (or keeps it `persistMs` for the next backup, once its backup stopped), saying so when a
 * backup it started had to be stopped (or aborted) on the way.
 */
async function closeSession(session: BackupSession, ctx: BackupMethodInput['ctx'], persistMs: number): Promise<void> {
  const ended = await session.release(persistMs);
  if (ended === 'stopped-on-close') ctx.log('the backup was stopped on the server after the failure', 'warn');
  if (ended === 'aborted-by-disconnect') ctx.log('the backup session was closed: the server aborts its backup', 'warn');
}

async function connectSsh<T>(input: BackupMethodInput, login: (sshCommand: string, options: SshLoginOptions) => Promise<T>): Promise<T> {
  const { server, ctx } = input;
  if (!server.sshCommand) {
    throw new EngineError('config-invalid', `server '${server.name}' has no ssh_command, which backup method rsync needs`,
      `add "ssh_command = ssh postgres@<host>" to [${server.name}], or set backup_method = postgres`);
  }
  return login(server.sshCommand, { signal: ctx.signal, keyHint: `add -i KEY to ssh_command of server '${server.name}'` });
}

/** The data folder, and each tablespace's version folder (the only one of a tablespace that belongs to this server). */
export function listingRoots(facts: BackupServerFacts): ListingRoot[] {
  const major = facts.versionNum >= 100000 ? `${Math.floor(facts.versionNum / 10000)}` : `${Math.floor(facts.versionNum / 10000)}.${Math.floor(facts.versionNum / 100) % 100}`;
  const versionFolder = `PG_${major}_${facts.catalogVersion}`;
  return [
    { remoteDir: facts.dataDirectory, backupPrefix: '' },
    // An in-place tablespace (a relative location) is a folder under pg_tblspc: the data folder's listing has it.
    ...facts.tablespaces.filter((tablespace) => tablespace.location.startsWith('/')).map((tablespace) => ({
      remoteDir: `${tablespace.location.replace(/\/+$/, '')}/${versionFolder}`,
      backupPrefix: `pg_tblspc/${tablespace.oid}/${versionFolder}`,
    })),
  ];
}

function describePlan(plan: ReturnType<typeof planTransfer>, skipped: number, reuse: string): string {
  const sent = plan.transfer.length + (plan.control ? 1 : 0);
  const parts = [`${sent} files to copy (${formatBytes(sumSizes(plan.transfer) + (plan.control?.size ?? 0))})`];
  if (plan.reuse.length > 0) parts.push(`${plan.reuse.length} unchanged (${formatBytes(sumSizes(plan.reuse.map((file) => file.entry)))}) to ${reuse === 'link' ? 'hard-link' : 'copy'} from the previous backup`);
  if (plan.verify.length > 0) parts.push(`${plan.verify.length} modified after the previous backup started, to compare by checksum`);
  parts.push(`${skipped} left out as pg_basebackup does`);
  if (plan.other.length > 0) parts.push(`${plan.other.length} special files ignored`);
  return parts.join(', ');
}

function describeResult(
  facts: BackupServerFacts,
  start: Awaited<ReturnType<BackupSession['start']>>,
  stop: Awaited<ReturnType<BackupSession['stop']>>,
  files: BackupMethodResult['files'],
  bytesTransferred: number,
): BackupMethodResult {
  return {
    beginLsn: start.lsn,
    endLsn: stop.lsn,
    beginWal: start.walFile,
    endWal: stop.walFile,
    timeline: start.timeline,
    systemId: facts.systemId,
    pgVersion: facts.version,
    pgVersionNum: facts.versionNum,
    dataChecksums: facts.dataChecksums,
    walSegmentSize: facts.walSegmentSize,
    tablespaces: facts.tablespaces.map((tablespace) => ({ oid: tablespace.oid, name: tablespace.name, location: tablespace.location })),
    files,
    bytesTransferred,
  };
}

/** Wall time per phase, for the closing log line. */
function startPhaseClock(): { lap(phase: string): void; describe(): string } {
  const started = performance.now();
  let last = started;
  const laps: string[] = [];
  return {
    lap: (phase) => {
      const now = performance.now();
      laps.push(`${phase} ${((now - last) / 1000).toFixed(2)} s`);
      last = now;
    },
    describe: () => `took ${((performance.now() - started) / 1000).toFixed(2)} s (${laps.join(', ')})`,
  };
}
