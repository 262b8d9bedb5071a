/**
 * The destination of a remote restore, seen through a Transport: one probe
 * script for the safety checks (folder state, a live postmaster, free space),
 * and the few small remote file operations the restore needs (read, write,
 * empty, remove). Commands are built here with POSIX quoting; nothing else
 * in the restore writes shell text.
 */
import { EngineError } from '../../../shared/errors';
import type { Transport } from '../transport/transport';

/** Headroom on top of the plan's bytes, as for a local restore. */
const freeSpaceMargin = 64 * 1024 * 1024;

export interface RemoteDestState {
  exists: boolean;
  entries: string[];
  /** the pid in DEST/postmaster.pid when that process is alive */
  livePostmasterPid: number | null;
  /** free bytes on the file system of DEST (or of its nearest existing parent); null when df said nothing */
  availableBytes: number | null;
}

/** Quotes one word for a POSIX shell. */
export function quoteShellWord(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs one read-only script on the host and reads the state of `dest` from it. */
export async function probeRemoteDest(transport: Transport, dest: string, signal: AbortSignal): Promise<RemoteDestState> {
  const script = [
    `d=${quoteShellWord(dest)}`,
    'if [ -e "$d" ] && [ ! -d "$d" ]; then echo "state notfolder"; exit 0; fi',
    'if [ -d "$d" ]; then echo "state folder"; else echo "state missing"; fi',
    // kill -0 fails for another user's process (EPERM): /proc says whether it lives.
    'if [ -f "$d/postmaster.pid" ]; then p=$(head -n 1 "$d/postmaster.pid" | tr -cd 0-9);'
      + ' if [ -n "$p" ] && { kill -0 "$p" 2>/dev/null || [ -d "/proc/$p" ]; }; then echo "postmaster $p"; fi; fi',
    'a=$d; while [ ! -e "$a" ]; do a=$(dirname "$a"); done',
    'echo "free $(df -P -B1 "$a" 2>/dev/null | awk \'NR==2 {print $4}\')"',
    'if [ -d "$d" ]; then echo "entries"; ls -A "$d"; fi',
  ].join('\n');
  const result = await transport.exec(script, { signal });
  if (result.code !== 0) {
    throw new EngineError('ssh-failed', `unable to inspect '${dest}' on ${transport.description}: ${result.stderr.toString('utf8').trim() || `exit ${result.code}`}`,
      'check that the ssh user may read the destination and its parent folder');
  }
  const lines = result.stdout.toString('utf8').split('\n');
  const state: RemoteDestState = { exists: false, entries: [], livePostmasterPid: null, availableBytes: null };
  let inEntries = false;
  for (const line of lines) {
    if (inEntries) {
      if (line !== '' && line !== 'lost+found') state.entries.push(line);
    } else if (line === 'state notfolder') {
      throw new EngineError('restore-refused', `the destination '${dest}' on ${transport.description} exists and is not a folder`,
        'give the path of an empty folder, or of one to create');
    } else if (line === 'state folder') {
      state.exists = true;
    } else if (line.startsWith('postmaster ')) {
      state.livePostmasterPid = Number.parseInt(line.slice('postmaster '.length), 10);
    } else if (line.startsWith('free ')) {
      const free = Number.parseInt(line.slice('free '.length), 10);
      state.availableBytes = Number.isFinite(free) ? free : null;
    } else if (line === 'entries') {
      inEntries = true;
    }
  }
  return state;
}

/** The refusals of a remote restore, in the order a local restore makes them. */
export function checkRemoteDest(state: RemoteDestState, dest: string, where: string, force: boolean, bytes: number): void {
  if (state.livePostmasterPid !== null) {
    throw new EngineError('restore-refused', `a postmaster (pid ${state.livePostmasterPid}) is running in '${dest}' on ${where}`,
      `stop it first (pg_ctl -D ${dest} stop on that host), or restore into another folder`);
  }
  if (state.entries.length > 0 && !force) {
    const shown = state.entries.slice(0, 3).join(', ') + (state.entries.length > 3 ? ', …' : '');
    throw new EngineError('restore-refused', `the destination '${dest}' on ${where} is not empty (${shown})`,
      'restore into an empty or new folder, or pass --force to delete what it holds first');
  }
  if (state.availableBytes !== null && state.availableBytes < bytes + freeSpaceMargin) {
    throw new EngineError('disk-full',
      `not enough free space for the restore at '${dest}' on ${where}: ${formatMiB(bytes + freeSpaceMargin)} needed, ${formatMiB(state.availableBytes)} available`,
      'free space there, or restore to another file system');
  }
}

/** Runs a command that must succeed; the failure names the host and what was being done. */
export async function runRemote(transport: Transport, command: string, what: string, signal: AbortSignal, stdin?: string): Promise<string> {
  const result = await transport.exec(command, { signal, ...(stdin === undefined ? {} : { stdin }) });
  if (result.code !== 0) {
    throw new EngineError('io-failed', `unable to ${what} on ${transport.description}: ${result.stderr.toString('utf8').trim() || `exit ${result.code}`}`,
      'check the destination folder, its owner and its permissions on that host');
  }
  return result.stdout.toString('utf8');
}

/** The text of a remote file, or '' when it cannot be read. */
export async function readRemoteText(transport: Transport, file: string, signal: AbortSignal): Promise<string> {
  const result = await transport.exec(`cat ${quoteShellWord(file)}`, { signal });
  return result.code === 0 ? result.stdout.toString('utf8') : '';
}

/** Creates or replaces a remote file with mode 0600. */
export async function writeRemoteText(transport: Transport, file: string, text: string, signal: AbortSignal): Promise<void> {
  await runRemote(transport, `umask 077 && cat > ${quoteShellWord(file)} && chmod 600 ${quoteShellWord(file)}`, `write '${file}'`, signal, text);
}

/** Removes what DEST holds (not lost+found), or DEST itself when the restore created it. */
export async function clearRemoteDest(transport: Transport, dest: string, removeFolder: boolean, signal: AbortSignal): Promise<void> {
  const quoted = quoteShellWord(dest);
  const command = removeFolder ? `rm -rf ${quoted}` : `find ${quoted} -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} +`;
  await runRemote(transport, command, `empty '${dest}'`, signal);
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
