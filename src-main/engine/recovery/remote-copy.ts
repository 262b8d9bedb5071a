/**
 * The copy phase of a remote restore, over one SSH connection: the folders and
 * symlinks of each tree (DEST and every tablespace target made 0700), the
 * pg_tblspc/<oid> links to the relocated tablespaces, then the regular files in
 * parallel tar streams of balanced bytes (one exec channel and one remote
 * `tar -x` each), then the plan's WAL. One failing stream stops the others; the
 * remote tar processes still running are left in `running` for the caller's
 * cleanup. Writes only into DEST and the tablespace targets.
 *
 * Why channels of one connection and not one connection per stream: ssh2 encrypts
 * on Node's one JavaScript thread whichever connection a channel belongs to, so
 * more connections add no client CPU; measured here (loopback, 384 MiB), the
 * client spent ~2.5-3.3 s of CPU per GiB and the remote sshd ~1.6 s, so one sshd
 * per connection would not lift the limit either. What parallel streams do buy is
 * overlap (local reads, remote file creation) and a flow-control window per
 * channel, which on a high-latency link caps each stream at window / round trip.
 */
import { EngineError } from '../../../shared/errors';
import { sshdMaxSessions } from '../transport/ssh-sessions';
import type { Transport } from '../transport/transport';
import { quoteShellWord, remoteExtractCommand, runRemote } from './remote-dest';
import { packEntries, packPlannedWal, streamIntoRemote } from './remote-tar';
import { splitByBytes, type RestoreFile, type RestoreRoot } from './restore-file-list';
import type { TablespaceRelocation } from './tablespaces';

/** Under sshd's MaxSessions, with room for the commands around the copy. */
export const maxParallelStreams = sshdMaxSessions - 2;

export interface RemoteCopyInput {
  transport: Transport;
  /** from listRestoreRoots: DEST first, then one per tablespace */
  roots: readonly RestoreRoot[];
  tablespaces: readonly TablespaceRelocation[];
  /** parallel file streams (1 … maxParallelStreams) */
  streams: number;
  walsDirectory: string;
  /** history files and segments to copy into `walFolder`; empty: none (restore_command fetches them) */
  walNames: readonly string[];
  walFolder: string;
  signal: AbortSignal;
  /** remote pids of the tar processes still running; what remains after a failure, the cleanup must stop */
  running: Set<number>;
  onProgress: (bytesDone: number, phase: string) => void;
  log: (message: string) => void;
}

/** Copies the trees and the WAL; returns the bytes streamed (tar framing included). */
export async function copyIntoRemote(input: RemoteCopyInput): Promise<{ dataBytes: number; walBytes: number }> {
  const { transport, roots, signal, running } = input;
  const dest = roots[0]!.target;

  // 1. each tree's folders and symlinks, one small stream per tree, so that every file stream finds its folder
  for (const root of roots) {
    await streamIntoRemote(transport, remoteExtractCommand(root.target, true), packEntries(root.source, [...root.folders, ...root.symlinks]),
      { what: `creating the folders of '${root.target}'`, signal, onBytes: () => undefined, running });
  }

  // 2. pg_tblspc/<oid> points at each tablespace's new place (tablespace_map tells PostgreSQL the same)
  if (input.tablespaces.length > 0) {
    const tblspc = `${dest.replace(/\/+$/, '')}/pg_tblspc`;
    const links = input.tablespaces.map((space) => `ln -s ${quoteShellWord(space.target)} ${quoteShellWord(`${tblspc}/${space.oid}`)}`);
    await runRemote(transport, [`mkdir -p ${quoteShellWord(tblspc)}`, ...links].join(' && '), `link the tablespaces in '${tblspc}'`, signal);
  }

  // 3. the files, in parallel streams of balanced bytes
  const dataBytes = await streamFilesInParallel(input, (done) => input.onProgress(done, 'copying data'));
  if (input.walNames.length === 0) return { dataBytes, walBytes: 0 };

  // 4. the WAL recovery needs, decompressed, where restore_command reads it
  const walBytes = await streamIntoRemote(transport, remoteExtractCommand(input.walFolder, true), packPlannedWal(input.walsDirectory, input.walNames),
    { what: `unpacking the wal into '${input.walFolder}'`, signal, onBytes: (done) => input.onProgress(dataBytes + done, 'copying wal'), running });
  return { dataBytes, walBytes };
}

/**
 * Runs one worker per group; a group's files of several trees go as one stream per tree, one after the other. The
 * first failure stops the other streams; all have settled before this returns or throws (a cancel of the restore wins).
 */
async function streamFilesInParallel(input: RemoteCopyInput, onBytes: (bytes: number) => void): Promise<number> {
  const files = input.roots.flatMap((root) => root.files);
  const groups = splitByBytes(files, input.streams);
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  input.log(`copying ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${groups.length} parallel stream${groups.length === 1 ? '' : 's'}`);
  const stop = new AbortController();
  const stopStreams = (): void => stop.abort();
  input.signal.addEventListener('abort', stopStreams, { once: true });
  let total = 0;
  let firstFailure: { error: unknown } | null = null;
  const runGroup = async (files: readonly RestoreFile[], index: number): Promise<void> => {
    for (const [root, names] of namesByRoot(files)) {
      const target = input.roots[root]!;
      let counted = 0;
      try {
        await streamIntoRemote(input.transport, remoteExtractCommand(target.target, false), packEntries(target.source, names), {
          what: `unpacking stream ${index + 1} of ${groups.length} into '${target.target}'`,
          signal: stop.signal,
          running: input.running,
          onBytes: (done) => {
            total += done - counted;
            counted = done;
            onBytes(total);
          },
        });
      } catch (error) {
        // Only the first failure is the cause: the others are the stop it triggered.
        if (!stop.signal.aborted) firstFailure = { error };
        stop.abort();
        throw error;
      }
    }
  };
  try {
    const results = await Promise.allSettled(groups.map((files, index) => runGroup(files, index)));
    if (input.signal.aborted) throw new EngineError('cancelled', 'the restore was cancelled');
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw (firstFailure as { error: unknown } | null)?.error ?? failed.reason;
  } finally {
    input.signal.removeEventListener('abort', stopStreams);
  }
  return total;
}

/** The names of a group's files per tree, trees in order. */
function namesByRoot(files: readonly RestoreFile[]): Map<number, string[]> {
  const byRoot = new Map<number, string[]>();
  for (const file of files) {
    const names = byRoot.get(file.root) ?? [];
    names.push(file.name);
    byRoot.set(file.root, names);
  }
  return byRoot;
}
