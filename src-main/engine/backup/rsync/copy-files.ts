/**
 * The copy phase of an rsync-method backup, between pg_backup_start and
 * pg_backup_stop: folders and symlinks, then reuse from the previous backup
 * while the changed files travel in `parallelJobs` tar streams over the copy
 * connection (different files: the two overlap), and global/pg_control after
 * every other file the server sends. Reports bytes progress, and writes back to
 * disk as it goes (early-writeback.ts); logs files that changed or vanished.
 */
import { rm } from 'node:fs/promises';
import { EngineError } from '../../../../shared/errors';
import { formatBytes } from '../../check/age';
import type { JobContext } from '../../jobs/job-queue';
import type { CommandStreams, Transport } from '../../transport/transport';
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import { startEarlyWriteback } from '../early-writeback';
import { createFolders, createSymlinks, localPathOf, reuseFiles, type ReuseOutcome } from './local-tree';
import { hashRemoteFiles } from './remote-checksum';
import type { RemoteEntry } from './remote-listing';
import { fetchFiles } from './tar-fetch';
import type { FetchedFile, WireCompression } from './tar-fetch';
import { splitIntoStreams, sumSizes } from './transfer-plan';
import type { ReusedFile, TransferPlan } from './transfer-plan';

export interface CopyInput {
  /** for commands (checksums on the server) */
  transport: Pick<Transport, 'description' | 'exec'>;
  /** for the tar streams */
  copies: CommandStreams;
  plan: TransferPlan;
  dataFolder: string;
  previous: PreviousBackup | null;
  reuse: 'off' | 'copy' | 'link';
  parallelJobs: number;
  /** commands comparing checksums on the server at once (beside the tar streams, which are open by then) */
  checksumJobs: number;
  compress: WireCompression;
  ctx: JobContext;
  onFileStored?: (file: BackupFileEntry) => void;
  /** unchanged files already linked from the previous backup (link-ahead.ts) */
  linkedAhead?: ReadonlySet<string>;
}

export interface CopyResult {
  files: BackupFileEntry[];
  wireBytes: number;
  reusedBytes: number;
}

const progressIntervalMs = 200;
const namesLogged = 10;

export async function copyFiles(input: CopyInput): Promise<CopyResult> {
  const { ctx, plan } = input;
  const files: BackupFileEntry[] = [];
  const store = (file: BackupFileEntry): void => {
    files.push(file);
    input.onFileStored?.(file);
  };

  // 1. The tree: folders first, then symlinks that live in them.
  await createFolders(input.dataFolder, plan.directories);
  await createSymlinks(input.dataFolder, plan.symlinks);

  // 2. Files that may have changed after the previous backup started: their content decides.
  const toTransfer = [...plan.transfer];
  const toReuse = [...plan.reuse];
  if (plan.verify.length > 0) {
    ctx.progress({ phase: `comparing checksums of ${plan.verify.length} recently modified files` });
    const started = performance.now();
    const verified = await verifyByChecksum(input, plan.verify);
    toReuse.push(...verified.same);
    toTransfer.push(...verified.different);
    ctx.log(`compared ${plan.verify.length} recently modified files (${formatBytes(sumSizes(plan.verify.map((file) => file.entry)))}) by checksum on the server in ${seconds(started)}: ${verified.same.length} unchanged`);
  }

  // 3. Changed and new files in balanced streams, while the unchanged ones are linked (or copied) from the
  //    previous backup; any that went missing there travel afterwards; then pg_control alone, last.
  const streams = splitIntoStreams(toTransfer, input.parallelJobs);
  const reusing = toReuse.length > 0 && input.previous !== null && input.reuse !== 'off';
  const progress = trackProgress(ctx, sumSizes(toTransfer) + (plan.control?.size ?? 0));
  const writeback = startEarlyWriteback(input.dataFolder);
  const stored = (bytes: number): void => {
    progress.add(bytes);
    writeback.add(bytes);
  };
  const changed: string[] = [];
  const vanished: string[] = [];
  const onFile = (file: FetchedFile): void => {
    if (file.changed) changed.push(file.entry.backupPath);
    store({ path: file.entry.backupPath, size: file.size, mtime: file.entry.mtime, sha256: file.sha256, reused: false });
  };
  // One stream failing stops the others: the backup has failed anyway.
  const streamsStop = new AbortController();
  const stopStreams = (): void => streamsStop.abort();
  ctx.signal.addEventListener('abort', stopStreams, { once: true });
  const fetch = async (list: readonly RemoteEntry[]): Promise<number> => {
    try {
      const result = await fetchFiles(input.copies, list, {
        dataFolder: input.dataFolder, compress: input.compress, signal: streamsStop.signal, onBytes: stored, onFile,
      });
      vanished.push(...result.vanished.map((entry) => entry.backupPath));
      return result.wireBytes;
    } catch (error) {
      streamsStop.abort();
      throw error;
    }
  };
  const reuse = async (): Promise<ReuseOutcome | null> => {
    if (!reusing) return null;
    try {
      return await reuseFiles(toReuse, {
        previousFolder: input.previous!.dataFolder, dataFolder: input.dataFolder, mode: input.reuse as 'link' | 'copy', signal: streamsStop.signal, onFile: store,
        ...(input.linkedAhead ? { linkedAhead: input.linkedAhead } : {}),
      });
    } catch (error) {
      streamsStop.abort();
      throw error;
    }
  };
  const copying = `copying ${toTransfer.length} files in ${streams.length} stream${streams.length === 1 ? '' : 's'}`;
  ctx.progress({ phase: reusing ? `${copying}, ${input.reuse === 'link' ? 'linking' : 'copying'} ${toReuse.length} unchanged` : copying });
  // pg_control comes after every file the server sends; the linking may still be going on then, as
  // those files are the previous backup's.
  const transfer = async (): Promise<number> => {
    const sent = await settleAll(ctx, streams.map((list) => fetch(list)));
    return sent.reduce((total, bytes) => total + bytes, 0) + (plan.control ? await fetch([plan.control]) : 0);
  };
  let wireBytes = 0;
  let reused: ReuseOutcome | null = null;
  try {
    const [reuseOutcome, sent] = await settleAll<ReuseOutcome | number | null>(ctx, [reuse(), transfer()]);
    reused = reuseOutcome as ReuseOutcome | null;
    wireBytes = sent as number;
    checkCancelled(ctx);
    if (reused && reused.missing.length > 0) {
      ctx.log(`${reused.missing.length} files were missing from backup ${input.previous!.backupId}: sending them again`, 'warn');
      progress.grow(sumSizes(reused.missing) + (plan.control?.size ?? 0));
      wireBytes += await fetch(reused.missing);
      // and pg_control again, so that it still comes last
      if (plan.control) {
        const controlPath = plan.control.backupPath;
        const earlier = files.findIndex((file) => file.path === controlPath);
        if (earlier >= 0) files.splice(earlier, 1);
        await rm(localPathOf(input.dataFolder, controlPath), { force: true });
        wireBytes += await fetch([plan.control]);
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', stopStreams);
  }
  if (reused && reused.copiedInsteadOfLinked > 0) ctx.log(`${reused.copiedInsteadOfLinked} files could not be hard-linked (another volume or too many links): copied instead`, 'warn');
  const reusedBytes = reused ? sumSizes(reused.stored) : 0;
  checkCancelled(ctx);
  progress.finish();

  if (vanished.length > 0) ctx.log(`${vanished.length} files vanished during the copy (WAL replay accounts for them): ${listSome(vanished)}`);
  if (changed.length > 0) ctx.log(`${changed.length} files changed during the copy (WAL replay repairs them): ${listSome(changed)}`);
  return { files, wireBytes, reusedBytes };
}

/** Hashes the candidates on the server, in checksumJobs commands; unreadable ones count as different. */
async function verifyByChecksum(input: CopyInput, candidates: readonly ReusedFile[]): Promise<{ same: ReusedFile[]; different: RemoteEntry[] }> {
  const groups = splitIntoStreams(candidates.map((candidate) => candidate.entry), input.checksumJobs);
  const results = await settleAll(input.ctx, groups.map((group) => hashRemoteFiles(input.transport, group, input.ctx.signal)));
  const unavailable = results.find((result) => result.unavailable !== null)?.unavailable;
  if (unavailable) {
    input.ctx.log(`sha256sum is not usable on ${input.transport.description} (${unavailable}): ${candidates.length} recently modified files are sent again`, 'warn');
    return { same: [], different: candidates.map((candidate) => candidate.entry) };
  }
  const hashes = new Map(results.flatMap((result) => [...result.byPath]));
  const same = candidates.filter((candidate) => hashes.get(candidate.entry.remotePath) === candidate.previous.sha256);
  const sameSet = new Set(same);
  return { same, different: candidates.filter((candidate) => !sameSet.has(candidate)).map((candidate) => candidate.entry) };
}

/**
 * Waits for every stream, so none is still writing when this returns. A cancel
 * of the job wins; otherwise the first real failure (not the stops it caused).
 */
async function settleAll<T>(ctx: JobContext, tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => result.reason as unknown);
  if (failures.length === 0) return results.map((result) => (result as PromiseFulfilledResult<T>).value);
  checkCancelled(ctx);
  throw failures.find((failure) => !(failure instanceof EngineError && failure.code === 'cancelled')) ?? failures[0];
}

function trackProgress(ctx: JobContext, initialTotal: number): { add(count: number): void; grow(count: number): void; finish(): void } {
  let total = initialTotal;
  let done = 0;
  let reportedAt = 0;
  const report = (): void => {
    reportedAt = Date.now();
    ctx.progress({ bytesDone: done, bytesTotal: total });
  };
  report();
  return {
    add: (count) => {
      done += count;
      if (Date.now() - reportedAt >= progressIntervalMs) report();
    },
    grow: (count) => {
      total += count;
    },
    finish: report,
  };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(2)} s`;
}

function checkCancelled(ctx: JobContext): void {
  if (ctx.signal.aborted) throw new EngineError('cancelled', 'the backup was cancelled');
}

function listSome(names: string[]): string {
  const shown = names.slice(0, namesLogged).join(', ');
  return names.length > namesLogged ? `${shown} and ${names.length - namesLogged} more` : shown;
}
