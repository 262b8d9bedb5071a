/**
 * A point-in-time restore into a folder on another host, over SSH (ssh2, host
 * key pinned in known_hosts, never relaxed): remote safety checks, the data
 * folder and then the plan's WAL as tar streams into a remote `tar -x`, the
 * recovery settings, 0700. Reads the store, writes only inside DEST on the
 * remote host, and on failure removes what it wrote there.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { findDefaultKey, parseSshCommand } from '../backup/rsync/ssh-command';
import type { JobContext } from '../jobs/job-queue';
import { backupFolder, type StorePaths } from '../store/layout';
import { openSshTransport } from '../transport/ssh-transport';
import type { Transport } from '../transport/transport';
import type { RestorePlan } from './plan';
import { checkRestorablePath, recoverySignalFiles, restoredWalFolder, rewriteAutoConf, type RecoverySettingsOptions } from './recovery-settings';
import {
  checkRemoteDest, clearRemoteDest, probeRemoteDest, quoteShellWord, readRemoteText, runRemote, writeRemoteText,
} from './remote-dest';
import { packDataFolder, packPlannedWal, streamIntoRemote } from './remote-tar';
import type { RestoreReport } from './restore-local';

export interface RestoreRemoteOptions extends RecoverySettingsOptions {
  /** an OpenSSH command line: `ssh postgres@host -p N -i KEY -o UserKnownHostsFile=F` */
  sshCommand: string;
  store: StorePaths;
  /** delete what DEST holds first (never when a postmaster runs there) */
  force?: boolean;
  /** connect and check everything, write nothing */
  dryRun?: boolean;
  now?: () => Date;
  /** how to reach the host; tests may pass their own */
  connect?: (sshCommand: string, signal: AbortSignal) => Promise<Transport>;
}

export async function restoreRemote(plan: RestorePlan, dest: string, options: RestoreRemoteOptions, ctx: JobContext): Promise<RestoreReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = Date.now();
  const source = path.join(backupFolder(options.store, plan.backup.backupId), 'data');

  // 1. local checks: the path, tablespaces, the source
  ctx.progress({ phase: 'checking', bytesDone: 0, bytesTotal: plan.bytesToCopy });
  if (!path.posix.isAbsolute(dest)) {
    throw new EngineError('usage', `the remote destination '${dest}' is not an absolute path`, 'give the full path of the folder on the remote host, e.g. /var/lib/postgresql/restore');
  }
  checkRestorablePath(dest);
  if ((plan.backup.tablespaces?.length ?? 0) > 0) {
    throw new EngineError('restore-refused', `backup ${plan.backup.backupId} has tablespaces, which a remote restore cannot relocate yet`,
      'restore it locally (with --tablespace NAME:PATH), or restore a backup without tablespaces');
  }
  if (!existsSync(source)) {
    throw new EngineError('backup-unknown', `the data folder of backup ${plan.backup.backupId} is missing: '${source}'`, 'run `barkeep rebuild-catalog`, then choose another backup');
  }

  // 2. connect (the host key is checked before anything is sent) and check DEST there
  const transport = await (options.connect ?? connectRestoreHost)(options.sshCommand, ctx.signal);
  try {
    const where = transport.description;
    const state = await probeRemoteDest(transport, dest, ctx.signal);
    checkRemoteDest(state, dest, where, options.force === true, plan.bytesToCopy);
    const startCommand = `pg_ctl -D ${dest} start   (on ${where.replace(/^ssh /, '')})`;
    if (options.dryRun === true) {
      return { plan, dest, dryRun: true, copiedBytes: 0, walFiles: 0, durationSeconds: 0, startCommand };
    }
    try {
      const copied = await copyToRemote(plan, dest, source, options.store.walsDirectory, state.entries.length > 0, transport, ctx,
        options.getWalCommand === undefined);
      // 5. recovery settings, recovery.signal, no standby.signal; archiving off in the copy; 0700
      ctx.progress({ phase: 'configuring recovery', bytesDone: copied.bytes, bytesTotal: plan.bytesToCopy });
      await writeRemoteRecoveryFiles(plan, dest, now(), transport, ctx.signal, options);
      ctx.log(`restored backup ${plan.backup.backupId} of server '${plan.server}' into '${dest}' on ${where} (${copied.walFiles} wal files)`);
      return {
        plan, dest, dryRun: false, copiedBytes: copied.bytes, walFiles: copied.walFiles,
        durationSeconds: (Date.now() - startedAt) / 1000, startCommand,
      };
    } catch (error) {
      // A half restore must not look usable: remove what was written (DEST was missing, empty or emptied).
      await clearRemoteDest(transport, dest, !state.exists, new AbortController().signal).catch(() => undefined);
      throw error;
    }
  } finally {
    await transport.close();
  }
}

/** Steps 3 and 4: an empty DEST (with --force, emptied), the data folder, then the WAL into DEST/barkeep_wal. */
async function copyToRemote(plan: RestorePlan, dest: string, source: string, walsDirectory: string, mustEmpty: boolean,
  transport: Transport, ctx: JobContext, copyWal: boolean): Promise<{ bytes: number; walFiles: number }> {
  if (mustEmpty) await clearRemoteDest(transport, dest, false, ctx.signal);
  let lastReport = 0;
  const report = (bytesDone: number, phase: string): void => {
    if (Date.now() - lastReport < 200) return;
    lastReport = Date.now();
    ctx.progress({ phase, bytesDone, bytesTotal: plan.bytesToCopy });
  };
  const quotedDest = quoteShellWord(dest);
  const dataBytes = await streamIntoRemote(transport,
    `umask 077 && mkdir -p ${quotedDest} && chmod 700 ${quotedDest} && tar -C ${quotedDest} --no-same-owner -xf -`,
    packDataFolder(source), `unpacking the data folder into '${dest}'`, ctx.signal, (done) => report(done, 'copying data'));

  // With --get-wal restore_command fetches the WAL: nothing to copy.
  if (!copyWal) return { bytes: dataBytes, walFiles: 0 };
  const walNames = [...plan.historyFiles, ...plan.walSegments];
  const walFolder = quoteShellWord(`${dest.replace(/\/+$/, '')}/${restoredWalFolder}`);
  const walBytes = await streamIntoRemote(transport,
    `umask 077 && mkdir -p ${walFolder} && chmod 700 ${walFolder} && tar -C ${walFolder} --no-same-owner -xf -`,
    packPlannedWal(walsDirectory, walNames), `unpacking the wal into '${dest}/${restoredWalFolder}'`, ctx.signal,
    (done) => report(dataBytes + done, 'copying wal'));
  return { bytes: dataBytes + walBytes, walFiles: walNames.length };
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
export async function connectRestoreHost(sshCommand: string, signal: AbortSignal): Promise<Transport> {
  const target = parseSshCommand(sshCommand);
  const privateKeyPath = target.privateKeyPath ?? findDefaultKey();
  if (!privateKeyPath) {
    throw new EngineError('ssh-auth-failed', `no ssh private key for ${target.username}@${target.host}`,
      'add -i KEY to --remote-ssh-command, or create ~/.ssh/id_ed25519 and authorize it on that host');
  }
  return openSshTransport({
    host: target.host, port: target.port, username: target.username, privateKeyPath, knownHostsFile: target.knownHostsFile, signal,
  });
}

