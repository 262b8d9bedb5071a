/**
 * Lists a data folder and its tablespaces on the PostgreSQL host with ONE
 * remote `find` (path, size, mtime, mode, type, link target) and maps every
 * entry to its path inside the backup; the same command may first read a few
 * bytes of one file (pg_control's system identifier), and may wait on the host
 * for a go (the command's session set up while the backup starts). Owns the
 * command and the parsing of its NUL-separated output; what to leave out is
 * exclusions.ts's business.
 */
import { PassThrough } from 'node:stream';
import { EngineError } from '../../../../shared/errors';
import type { ExecResult, FileType, Transport } from '../../transport/transport';
import { shellNoiseError } from '../../transport/shell-noise';
import { quoteShellArg } from './shell-quote';

export interface ListingRoot {
  /** absolute folder on the PostgreSQL host */
  remoteDir: string;
  /** where its contents go inside the backup ('' for the data folder, 'pg_tblspc/16385/PG_15_202209061' for a tablespace) */
  backupPrefix: string;
}

export interface RemoteEntry {
  /** '/'-separated path inside the backup's data folder */
  backupPath: string;
  /** absolute path on the PostgreSQL host */
  remotePath: string;
  type: FileType;
  size: number;
  mtime: Date;
  /** permission bits */
  mode: number;
  linkTarget: string | null;
}

export interface RemoteListing {
  entries: RemoteEntry[];
  /** files that vanished while find walked the tree (normal on a running server) */
  vanished: string[];
  /** the first bytes of ListingOptions.head's file, or why they could not be read (then nothing was listed) */
  head: { bytes: Buffer } | { unreadable: string } | null;
}

export interface ListingOptions {
  signal?: AbortSignal;
  /** a file whose first `bytes` bytes the command prints before the walk: one round trip for both */
  head?: { path: string; bytes: number };
  /**
   * The command starts at once, and lists once this resolves (it waits on the host for a line on its
   * stdin): its channel and shell are set up meanwhile. When it rejects, nothing is listed and the
   * listing fails with its reason.
   */
  after?: Promise<unknown>;
}

/** The listing command's exit status when the head could not be read (find did not run). */
const headUnreadableCode = 93;
/** Its exit status when no go came (ListingOptions.after rejected). */
const noGoCode = 94;

/** What the listing's output begins with: anything before it, the login shell printed. */
const outputMarker = Buffer.from('barkeep-listing\0');

/**
 * The remote command: a marker, then one find over every root, four NUL-terminated fields per entry,
 * after the head if asked.
 */
export function buildListCommand(roots: readonly ListingRoot[], head?: ListingOptions['head']): string {
  const dirs = roots.map((root) => quoteShellArg(root.remoteDir)).join(' ');
  // -H: a root that is itself a symlink (a data folder on another volume) is followed; nothing below it is.
  const find = `LC_ALL=C find -H ${dirs} -printf '%H\\0%y %s %T@ %m\\0%P\\0%l\\0'`;
  const marker = "printf 'barkeep-listing\\0'";
  return head ? `${marker}; head -c ${head.bytes} ${quoteShellArg(head.path)} || exit ${headUnreadableCode}; ${find}` : `${marker}; ${find}`;
}

/** The command's own output, after the marker; throws when the login shell printed something first. */
function ownOutput(stdout: Buffer, where: string): Buffer {
  const at = stdout.indexOf(outputMarker);
  if (at > 0) throw shellNoiseError(where, stdout.subarray(0, at));
  return at === 0 ? stdout.subarray(outputMarker.length) : stdout;
}

/** Runs `command` on the host once `after` resolves: it waits there for a line on its stdin, or exits at its end. */
async function execAfter(transport: Pick<Transport, 'exec'>, command: string, after: Promise<unknown>, signal: { signal?: AbortSignal }): Promise<ExecResult> {
  const go = new PassThrough();
  let refused: { reason: unknown } | null = null;
  after.then(() => go.end('\n'), (reason: unknown) => {
    refused = { reason };
    go.end();
  });
  const result = await transport.exec(`read -r go || exit ${noGoCode}; ${command}`, { stdin: go, ...signal });
  if (refused) throw (refused as { reason: unknown }).reason;
  return result;
}

/** Runs the listing; a missing root or any error other than a vanished file fails it. */
export async function listRemoteTree(transport: Pick<Transport, 'description' | 'exec'>, roots: readonly ListingRoot[], opts: ListingOptions = {}): Promise<RemoteListing> {
  const { head, after } = opts;
  const command = buildListCommand(roots, head);
  const signal = opts.signal ? { signal: opts.signal } : {};
  const answered = after ? await execAfter(transport, command, after, signal) : await transport.exec(command, signal);
  const result = { ...answered, stdout: ownOutput(answered.stdout, transport.description) };
  if (head && result.code === headUnreadableCode) {
    return { entries: [], vanished: [], head: { unreadable: result.stderr.toString('utf8').trim() || `exit ${result.code}` } };
  }
  const problems = result.stderr.toString('utf8').split('\n').filter((line) => line.trim() !== '');
  const vanished = problems.filter((line) => /No such file or directory/.test(line));
  const other = problems.filter((line) => !/No such file or directory/.test(line));
  const entries = parseListing(head ? result.stdout.subarray(head.bytes) : result.stdout, roots);
  const missingRoot = roots.find((root) => !entries.some((entry) => entry.remotePath === root.remoteDir));
  if (result.code !== 0 && (other.length > 0 || missingRoot)) {
    const where = missingRoot ? `folder '${missingRoot.remoteDir}'` : `folders ${roots.map((root) => `'${root.remoteDir}'`).join(', ')}`;
    throw new EngineError(
      'io-failed',
      `unable to list ${where} on ${transport.description}: ${(other[0] ?? problems[0] ?? `find exited with ${result.code}`).trim()}`,
      'check that the ssh user can read the data folder and its tablespaces (log in as the postgres user)',
    );
  }
  const listing = { entries, vanished: vanished.map((line) => line.replace(/^find: /, '').trim()) };
  if (!head) return { ...listing, head: null };
  // A file shorter than its head would have shifted the listing, which the parse refuses; its listed size says the rest.
  const headFile = entries.find((entry) => entry.remotePath === head.path);
  if (!headFile || headFile.size < head.bytes) return { ...listing, head: { unreadable: `it is not a file of at least ${head.bytes} bytes` } };
  return { ...listing, head: { bytes: result.stdout.subarray(0, head.bytes) } };
}

/** Parses find's output; entries come back in find's order. */
export function parseListing(output: Buffer, roots: readonly ListingRoot[]): RemoteEntry[] {
  const byDir = new Map(roots.map((root) => [root.remoteDir, root]));
  const fields = output.toString('utf8').split('\0');
  const entries: RemoteEntry[] = [];
  // A complete record is 4 fields; the split leaves one empty string after the last NUL.
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const rootDir = fields[i]!;
    const stat = fields[i + 1]!;
    const relative = fields[i + 2]!;
    const linkTarget = fields[i + 3]!;
    const root = byDir.get(rootDir);
    const match = /^(\w) (\d+) (\d+(?:\.\d+)?) ([0-7]+)$/.exec(stat);
    if (!root || !match) throw new EngineError('io-failed', `unable to read the remote file listing near '${rootDir}/${relative}'`, 'check that the remote find is GNU find');
    const backupPath = [root.backupPrefix, relative].filter((part) => part !== '').join('/');
    entries.push({
      backupPath,
      remotePath: relative === '' ? rootDir : `${rootDir.replace(/\/+$/, '')}/${relative}`,
      type: readFindType(match[1]!),
      size: Number(match[2]),
      mtime: new Date(Math.floor(Number(match[3]) * 1000)),
      mode: Number.parseInt(match[4]!, 8),
      linkTarget: match[1] === 'l' ? linkTarget : null,
    });
  }
  // The data folder's own root has no path in the backup; a tablespace root is a folder in it.
  return entries.filter((entry) => entry.backupPath !== '');
}

function readFindType(letter: string): FileType {
  switch (letter) {
    case 'f': return 'file';
    case 'd': return 'directory';
    case 'l': return 'symlink';
    default: return 'other';
  }
}
