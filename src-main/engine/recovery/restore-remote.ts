/**
 * A point-in-time restore into a folder on another host, over SSH (ssh2, host
 * key pinned in known_hosts, never relaxed): remote safety checks for DEST and
 * each tablespace's target folder, the data folder in parallel tar streams into
 * remote `tar -x` processes (tablespaces into their mapped or original folders,
 * pg_tblspc/<oid> linked, tablespace_map rewritten), the plan's WAL, the recovery
 * settings, 0700. Reads the store, writes only inside DEST and the tablespace
 * folders on the remote host, and on failure stops its remote processes and
 * removes what it wrote there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { openSshLogin } from '../backup/rsync/ssh-login';
import type { JobContext } from '../jobs/job-queue';
import { backupDataFolder, type StorePaths } from '../store/layout';
import type { Transport } from '../transport/transport';
import type { RestorePlan } from './plan';
import { checkRestorablePath, recoverySignalFiles, restoredWalFolder, rewriteAutoConf, type RecoverySettingsOptions } from './recovery-settings';
import { copyIntoRemote, maxParallelStreams } from './remote-copy';
import {
  checkRemoteDest, checkRemoteFreeSpace, checkRemoteTablespaceTarget, clearRemoteDest, probeRemoteDest, quoteShellWord, readRemoteText,
  runRemote, stopRemoteExtracts, undoRemoteFolder, writeRemoteText, type RemoteDestState,
} from './remote-dest';
import { listRestoreRoots } from './restore-file-list';
import type { RestoreReport } from './restore-local';
import { planTablespaces, renderTablespaceMap } from './tablespaces';

export interface RestoreRemoteOptions extends RecoverySettingsOptions {
  /** an OpenSSH command line: `ssh postgres@host -p N -i KEY -o UserKnownHostsFile=F` */
  sshCommand: string;
  store: StorePaths;
  /** delete what DEST holds first (never when a postmaster runs there; never in a tablespace folder) */
  force?: boolean;
  /** connect and check everything, write nothing */
  dryRun?: boolean;
  now?: () => Date;
  /** --tablespace NAME:PATH (NAME or oid → absolute PATH on the remote host); unmapped tablespaces go back to their original location */
  tablespaces?: ReadonlyMap<string, string>;
  /** parallel streams for the data folder (the server's parallel_jobs); default 1, at most maxParallelStreams */
  parallelJobs?: number;
  /** how to reach the host; tests may pass their own */
  connect?: (sshCommand: string, signal: AbortSignal) => Promise<Transport>;
}

export async function restoreRemote(plan: RestorePlan, dest: string, options: RestoreRemoteOptions, ctx: JobContext): Promise<RestoreReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = Date.now();
  const source = backupDataFolder(options.store, plan.backup.backupId);

  // 1. local checks: the path, where each tablespace goes, the source and what it holds
  ctx.progress({ phase: 'checking', bytesDone: 0, bytesTotal: plan.bytesToCopy });
  if (!path.posix.isAbsolute(dest)) {
    throw new EngineError('usage', `the remote destination '${dest}' is not an absolute path`, 'give the full path of the folder on the remote host, e.g. /var/lib/postgresql/restore');
  }
  checkRestorablePath(dest);
  const tablespaces = planTablespaces(plan.backup.tablespaces ?? [], options.tablespaces ?? new Map(), dest, plan.backup.backupId);
  if (!existsSync(source)) {
    throw new EngineError('backup-unknown', `the data folder of backup ${plan.backup.backupId} is missing: '${source}'`, 'run `barkeep rebuild-catalog`, then choose another backup');
  }
  const roots = await listRestoreRoots(source, dest, tablespaces);

  // 2. connect (the host key is checked before anything is sent); DEST and each tablespace folder checked there
  const transport = await (options.connect ?? connectRestoreHost)(options.sshCommand, ctx.signal);
  try {
    const where = transport.description;
    const state = await probeRemoteDest(transport, dest, ctx.signal);
    checkRemoteDest(state, dest, where, options.force === true);
    const tablespaceStates: RemoteDestState[] = [];
    for (const space of tablespaces) {
      const spaceState = await probeRemoteDest(transport, space.target, ctx.signal);
      checkRemoteTablespaceTarget(spaceState, space, where);
      tablespaceStates.push(spaceState);
    }
    const tablespaceBytes = roots.slice(1).reduce((total, root) => total + root.bytes, 0);
    checkRemoteFreeSpace([
      { folder: dest, bytes: Math.max(0, plan.bytesToCopy - tablespaceBytes), state },
      ...tablespaces.map((space, index) => ({ folder: space.target, bytes: roots[index + 1]!.bytes, state: tablespaceStates[index]! })),
    ], where);
    const startCommand = `pg_ctl -D ${dest} start   (on ${where.replace(/^ssh /, '')})`;
    if (options.dryRun === true) {
      return { plan, dest, dryRun: true, copiedBytes: 0, walFiles: 0, durationSeconds: 0, startCommand };
    }

    // The remote tar processes still running: a failure stops them before removing what they wrote.
    const running = new Set<number>();
    try {
      // 3. an empty DEST (with --force, emptied), then the trees, the files in parallel streams, and the WAL
      if (state.entries.length > 0) await clearRemoteDest(transport, dest, false, ctx.signal);
      const streams = Math.min(Math.max(1, options.parallelJobs ?? 1), maxParallelStreams);
      if ((options.parallelJobs ?? 1) > streams) ctx.log(`parallel_jobs ${options.parallelJobs} is more than a remote restore opens on one ssh connection: ${streams} streams`, 'warn');
      const walNames = options.getWalCommand === undefined ? [...plan.historyFiles, ...plan.walSegments] : [];
      let lastReport = 0;
      const copied = await copyIntoRemote({
        transport, roots, tablespaces, streams, walsDirectory: options.store.walsDirectory, walNames,
        walFolder: `${dest.replace(/\/+$/, '')}/${restoredWalFolder}`, signal: ctx.signal, running, log: (message) => ctx.log(message),
        onProgress: (bytesDone, phase) => {
          if (Date.now() - lastReport < 200) return;
          lastReport = Date.now();
          ctx.progress({ phase, bytesDone, bytesTotal: plan.bytesToCopy });
        },
      });
      const copiedBytes = copied.dataBytes + copied.walBytes;

      // 4. tablespace_map names where each tablespace now is; recovery settings, the signal file; archiving off; 0700
      ctx.progress({ phase: 'configuring recovery', bytesDone: copiedBytes, bytesTotal: plan.bytesToCopy });
      if (tablespaces.length > 0) await writeRemoteText(transport, `${dest.replace(/\/+$/, '')}/tablespace_map`, renderTablespaceMap(tablespaces), ctx.signal);
      await writeRemoteRecoveryFiles(plan, dest, now(), transport, ctx.signal, options);
      ctx.log(`restored backup ${plan.backup.backupId} of server '${plan.server}' into '${dest}' on ${where} `
        + `(${tablespaces.length} tablespace${tablespaces.length === 1 ? '' : 's'}, ${walNames.length} wal files)`);
      return {
        plan, dest, dryRun: false, copiedBytes, walFiles: walNames.length,
        durationSeconds: (Date.now() - startedAt) / 1000, startCommand,
      };
    } catch (error) {
      // A half restore must not look usable: stop what still writes, then remove what was written
      // (DEST and the tablespace folders were missing, empty or emptied; folders made for them go too).
      const cleanup = new AbortController().signal;
      await stopRemoteExtracts(transport, running, cleanup).catch(() => undefined);
      await undoRemoteFolder(transport, dest, state, cleanup).catch(() => undefined);
      for (const [index, space] of tablespaces.entries()) {
        await undoRemoteFolder(transport, space.target, tablespaceStates[index]!, cleanup).catch(() => undefined);
      }
      throw error;
    }
  } finally {
    await transport.close();
  }
}

async function writeRemoteRecoveryFiles(plan: RestorePlan, dest: string, at: Date, transport: Transport, signal: AbortSignal,
  options: RecoverySettingsOptions): Promise<void> {
  const base = dest.replace(/\/+$/, '');
  const autoConf = await readRemoteText(transport, `${base}/postgresql.auto.conf`, signal);
  const postgresqlConf = await readRemoteText(transport, `${base}/postgresql.conf`, signal);
  await writeRemoteText(transport, `${base}/postgresql.auto.conf`,
    rewriteAutoConf(autoConf, postgresqlConf, plan.target, dest, at.toISOString(), plan.backup.backupId,
      { standby: options.standby, getWalCommand: options.getWalCommand }), signal);
  const signalFiles = recoverySignalFiles(options);
  const quoted = (name: string): string => quoteShellWord(`${base}/${name}`);
  await runRemote(transport, `umask 077 && : > ${quoted(signalFiles.write)} && rm -f ${quoted(signalFiles.remove)} && chmod 700 ${quoteShellWord(dest)}`,
    `write the recovery files into '${dest}'`, signal);
}

/** Opens the SSH transport an ssh command line describes, with its pinned known_hosts. */
export function connectRestoreHost(sshCommand: string, signal: AbortSignal): Promise<Transport> {
  return openSshLogin(sshCommand, { signal, keyHint: 'add -i KEY to --remote-ssh-command' });
}

