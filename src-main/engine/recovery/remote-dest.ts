/**
 * The destination of a remote restore, seen through a Transport: one probe
 * script per folder (DEST, each tablespace's target) for the safety checks
 * (folder state, a live postmaster, ownership, file system and free space),
 * the remote `tar -x` command lines, and the few small remote file operations
 * the restore needs (read, write, empty, remove, stop what it started). Commands
 * are built here with POSIX quoting; nothing else in the restore writes shell text.
 */
import { EngineError } from '../../../shared/errors';
import type { Transport } from '../transport/transport';
import { refuseBusyTablespaceTarget, type TablespaceRelocation } from './tablespaces';

/** Headroom on top of the plan's bytes, as for a local restore (per file system). */
const freeSpaceMargin = 64 * 1024 * 1024;

export interface RemoteDestState {
  /** what is at the path: nothing, a folder (or a link to one), or something else */
  kind: 'missing' | 'folder' | 'other';
  exists: boolean;
  entries: string[];
  /** the pid in DEST/postmaster.pid when that process is alive */
  livePostmasterPid: number | null;
  /** the folder itself, or its nearest existing parent when it is missing */
  nearestExisting: string;
  /** the login user can make the folder its own 0700 one: owns it, or may create it in nearestExisting (root may always) */
  writable: boolean;
  /** the file system (device number) of nearestExisting; null when stat said nothing */
  device: string | null;
  /** free bytes on the file system of nearestExisting; null when df said nothing */
  availableBytes: number | null;
}

/** One folder's share of the restore's bytes, for the free-space check per file system. */
export interface RemoteSpaceNeed {
  folder: string;
  bytes: number;
  state: RemoteDestState;
}

/** Quotes one word for a POSIX shell. */
export function quoteShellWord(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Runs one read-only script on the host and reads the state of `folder` from it. */
export async function probeRemoteDest(transport: Transport, folder: string, signal: AbortSignal): Promise<RemoteDestState> {
  const script = [
    `d=${quoteShellWord(folder)}`,
    'if [ -d "$d" ]; then echo "state folder"; elif [ -e "$d" ] || [ -L "$d" ]; then echo "state other"; else echo "state missing"; fi',
    // kill -0 fails for another user's process (EPERM): /proc says whether it lives.
    'if [ -f "$d/postmaster.pid" ]; then p=$(head -n 1 "$d/postmaster.pid" | tr -cd 0-9);'
      + ' if [ -n "$p" ] && { kill -0 "$p" 2>/dev/null || [ -d "/proc/$p" ]; }; then echo "postmaster $p"; fi; fi',
    'a=$d; while [ ! -e "$a" ]; do a=$(dirname "$a"); done',
    'echo "nearest $a"',
    // chmod 700 needs the owner; creating needs a writable, searchable parent.
    'if [ "$(id -u)" = 0 ]; then echo writable; elif [ -d "$d" ]; then if [ -O "$d" ]; then echo writable; fi;'
      + ' elif [ -d "$a" ] && [ -w "$a" ] && [ -x "$a" ]; then echo writable; fi',
    'echo "device $(stat -c %d "$a" 2>/dev/null)"',
    'echo "free $(df -P -B1 "$a" 2>/dev/null | awk \'NR==2 {print $4}\')"',
    'if [ -d "$d" ]; then echo "entries"; ls -A "$d"; fi',
  ].join('\n');
  const result = await transport.exec(script, { signal });
  if (result.code !== 0) {
    throw new EngineError('ssh-failed', `unable to inspect '${folder}' on ${transport.description}: ${result.stderr.toString('utf8').trim() || `exit ${result.code}`}`,
      'check that the ssh user may read the destination and its parent folder');
  }
  return parseProbeOutput(result.stdout.toString('utf8'), folder);
}

/** Reads the probe script's output (exported for tests). */
export function parseProbeOutput(output: string, folder: string): RemoteDestState {
  const state: RemoteDestState = {
    kind: 'missing', exists: false, entries: [], livePostmasterPid: null, nearestExisting: folder, writable: false, device: null, availableBytes: null,
  };
  let inEntries = false;
  for (const line of output.split('\n')) {
    if (inEntries) {
      if (line !== '' && line !== 'lost+found') state.entries.push(line);
    } else if (line.startsWith('state ')) {
      const kind = line.slice('state '.length);
      state.kind = kind === 'folder' || kind === 'other' ? kind : 'missing';
      state.exists = state.kind === 'folder';
    } else if (line.startsWith('postmaster ')) {
      state.livePostmasterPid = Number.parseInt(line.slice('postmaster '.length), 10);
    } else if (line.startsWith('nearest ')) {
      state.nearestExisting = line.slice('nearest '.length);
    } else if (line === 'writable') {
      state.writable = true;
    } else if (line.startsWith('device ')) {
      state.device = /^\d+$/.test(line.slice('device '.length)) ? line.slice('device '.length) : null;
    } else if (line.startsWith('free ')) {
      const free = Number.parseInt(line.slice('free '.length), 10);
      state.availableBytes = Number.isFinite(free) ? free : null;
    } else if (line === 'entries') {
      inEntries = true;
    }
  }
  return state;
}

/** The refusals of a remote restore for DEST, in the order a local restore makes them (free space: checkRemoteFreeSpace). */
export function checkRemoteDest(state: RemoteDestState, dest: string, where: string, force: boolean): void {
  if (state.kind === 'other') {
    throw new EngineError('restore-refused', `the destination '${dest}' on ${where} exists and is not a folder`,
      'give the path of an empty folder, or of one to create');
  }
  if (state.livePostmasterPid !== null) {
    throw new EngineError('restore-refused', `a postmaster (pid ${state.livePostmasterPid}) is running in '${dest}' on ${where}`,
      `stop it first (pg_ctl -D ${dest} stop on that host), or restore into another folder`);
  }
  if (state.entries.length > 0 && !force) {
    const shown = state.entries.slice(0, 3).join(', ') + (state.entries.length > 3 ? ', …' : '');
    throw new EngineError('restore-refused', `the destination '${dest}' on ${where} is not empty (${shown})`,
      'restore into an empty or new folder, or pass --force to delete what it holds first');
  }
  refuseUnwritable(state, `the destination '${dest}'`, dest, where);
}

/** The refusals for a tablespace's target folder: absent or empty (never emptied, even with --force), and the login user's. */
export function checkRemoteTablespaceTarget(state: RemoteDestState, space: TablespaceRelocation, where: string): void {
  const label = `the folder '${space.target}' for tablespace '${space.name}'`;
  if (state.kind === 'other') {
    throw new EngineError('restore-refused', `${label} on ${where} exists and is not a folder`, 'map the tablespace to an empty or new folder');
  }
  if (state.livePostmasterPid !== null) {
    throw new EngineError('restore-refused', `a postmaster (pid ${state.livePostmasterPid}) is running in '${space.target}' on ${where}`,
      'stop it first, or map the tablespace to another folder');
  }
  refuseBusyTablespaceTarget(space, state.entries, where);
  refuseUnwritable(state, label, space.target, where);
}

/** Refuses when a file system holding some of the folders lacks room for their bytes together (plus a margin). */
export function checkRemoteFreeSpace(needs: readonly RemoteSpaceNeed[], where: string): void {
  const byDevice = new Map<string, { folders: string[]; bytes: number; available: number | null }>();
  for (const need of needs) {
    const key = need.state.device === null ? `folder ${need.folder}` : `device ${need.state.device}`;
    const shared = byDevice.get(key) ?? { folders: [], bytes: 0, available: need.state.availableBytes };
    shared.folders.push(need.folder);
    shared.bytes += need.bytes;
    byDevice.set(key, shared);
  }
  for (const { folders, bytes, available } of byDevice.values()) {
    if (available === null || available >= bytes + freeSpaceMargin) continue;
    throw new EngineError('disk-full',
      `not enough free space for the restore at ${folders.map((folder) => `'${folder}'`).join(' and ')} on ${where}: ${formatMiB(bytes + freeSpaceMargin)} needed, ${formatMiB(available)} available`,
      folders.length > 1 ? 'free space there, or map the tablespaces to another file system' : 'free space there, or restore to another file system');
  }
}

function refuseUnwritable(state: RemoteDestState, label: string, folder: string, where: string): void {
  if (state.writable) return;
  if (state.kind === 'folder') {
    throw new EngineError('restore-refused', `${label} on ${where} belongs to another user than the ssh login`,
      'give it to that user (the restore makes it 0700 and PostgreSQL wants its owner), or choose another folder');
  }
  throw new EngineError('restore-refused', `unable to create '${folder}' on ${where}: '${state.nearestExisting}' is not writable by the ssh login`,
    'create the folder there for that user, or choose another path');
}

/**
 * The remote half of one tar stream: prints its pid (so that a cleanup can stop it), then becomes `tar -x` into
 * `folder`, owner-only modes. With `create`, the folder (and missing parents) is made first and set to 0700.
 */
export function remoteExtractCommand(folder: string, create: boolean): string {
  const quoted = quoteShellWord(folder);
  return `umask 077 && ${create ? `mkdir -p ${quoted} && chmod 700 ${quoted} && ` : ''}echo "pid $$" && exec tar -C ${quoted} --no-same-owner -xf -`;
}

/**
 * Stops the remote `tar -x` processes a failed or cancelled restore left running (TERM, then KILL after 5 s) and
 * waits until they are gone, so that a cleanup after it removes everything they wrote. Only processes named tar are touched.
 */
export async function stopRemoteExtracts(transport: Transport, pids: Iterable<number>, signal: AbortSignal): Promise<void> {
  const list = [...pids].filter((pid) => Number.isInteger(pid) && pid > 1);
  if (list.length === 0) return;
  const script = [
    `pids='${list.join(' ')}'`,
    // a zombie has written its last byte: it only waits for its parent
    'alive() { if [ -d /proc/self ]; then [ "$(cat "/proc/$1/comm" 2>/dev/null)" = tar ] && ! grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null;'
      + ' else kill -0 "$1" 2>/dev/null; fi; }',
    'for p in $pids; do alive "$p" && kill -TERM "$p" 2>/dev/null; done',
    'i=0; while [ $i -lt 50 ]; do left=; for p in $pids; do alive "$p" && left=1; done; [ -z "$left" ] && exit 0;'
      + ' sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1)); done',
    'for p in $pids; do alive "$p" && kill -KILL "$p" 2>/dev/null; done; sleep 1; exit 0',
  ].join('\n');
  await runRemote(transport, script, 'stop the remote tar processes', signal);
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

/**
 * Undoes what a failed restore wrote in `folder`: a folder that existed is emptied (lost+found kept); one that did not
 * is removed, and so are the parents it needed, up to the one that existed, each only while empty.
 */
export async function undoRemoteFolder(transport: Transport, folder: string, before: RemoteDestState, signal: AbortSignal): Promise<void> {
  if (before.exists) {
    await clearRemoteDest(transport, folder, false, signal);
    return;
  }
  const trimmed = folder.replace(/\/+$/, '');
  const nearest = before.nearestExisting.replace(/\/+$/, '');
  const script = [`rm -rf ${quoteShellWord(trimmed)}`];
  if (trimmed.startsWith(`${nearest}/`)) {
    script.push(`p=$(dirname ${quoteShellWord(trimmed)}); while [ "$p" != ${quoteShellWord(nearest === '' ? '/' : nearest)} ] && rmdir "$p" 2>/dev/null; do p=$(dirname "$p"); done; true`);
  }
  await runRemote(transport, script.join('\n'), `remove '${folder}'`, signal);
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
