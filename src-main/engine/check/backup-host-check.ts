/**
 * The handbook's anti-pattern "Barman and PostgreSQL on the same host": when
 * the database runs on the machine that keeps its backups, losing the machine
 * (or, worse, the one disk both live on) loses both. The server is on this
 * machine when the session came over a Unix socket or to one of this machine's
 * addresses, and its data directory exists here (a tunnel to another host's
 * loopback does not count). A warning, since the backups still work; a DBA who
 * knows and copies the store elsewhere says so with same_host_backups = accepted.
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import { locateVolume } from '../disk/volume';
import { failed, passed, type CheckDefinition, type CheckOutcome } from './model';
import { settingOf, unreadableSetting } from './postgres-session';

export interface BackupHostFacts {
  /** the address the server took the session on (inet_server_addr()); null over a Unix socket */
  serverAddress: string | null;
  /** this machine's interface addresses */
  localAddresses: readonly string[];
  /** the server's data_directory, and whether that path exists on this machine */
  dataDirectory: string;
  dataDirectoryHere: boolean;
  /** the data directory and the store on one volume (st_dev); null when unknown */
  sameVolume: boolean | null;
}

export type BackupHostVerdict = 'elsewhere' | 'same-machine' | 'same-volume';

/** Pure: where the server runs, as far as the facts tell. */
export function judgeBackupHost(facts: BackupHostFacts): BackupHostVerdict {
  const local = facts.serverAddress === null || isLoopback(facts.serverAddress)
    || facts.localAddresses.some((address) => sameAddress(address, facts.serverAddress!));
  if (!local || !facts.dataDirectoryHere) return 'elsewhere';
  return facts.sameVolume === true ? 'same-volume' : 'same-machine';
}

export const backupHostCheck: CheckDefinition = {
  name: 'backup host',
  severity: 'warning',
  // A sandbox is a throw-away cluster Barkeep made on this machine on purpose.
  appliesTo: (server) => server.sandboxDataDirectory === null,
  async run(ctx) {
    const { server } = ctx;
    const session = await ctx.postgres.require();
    const dataDirectory = settingOf(session, 'data_directory')?.setting;
    if (!dataDirectory) return unreadableSetting(session, 'data_directory');
    const [row] = await ctx.postgres.query<{ address: string | null }>('select host(inet_server_addr()) as address');
    const here = await stat(dataDirectory).then(() => true, (error: NodeJS.ErrnoException) => error.code === 'EACCES');
    const [dataVolume, storeVolume] = here ? await Promise.all([locateVolume(dataDirectory), locateVolume(server.backupDirectory)]) : [null, null];
    const facts: BackupHostFacts = {
      serverAddress: row!.address,
      localAddresses: Object.values(os.networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address)),
      dataDirectory,
      dataDirectoryHere: here,
      sameVolume: dataVolume && storeVolume ? dataVolume.id === storeVolume.id : null,
    };
    return describeVerdict(judgeBackupHost(facts), facts, server.sameHostBackups, server.file);
  },
};

function describeVerdict(verdict: BackupHostVerdict, facts: BackupHostFacts, setting: 'warn' | 'accepted', file: string): CheckOutcome {
  if (verdict === 'elsewhere') return passed();
  if (setting === 'accepted') return passed('on this machine, accepted by same_host_backups');
  const where = verdict === 'same-volume'
    ? `PostgreSQL runs on this machine, its data directory '${facts.dataDirectory}' on the same volume as the backups: one disk failure loses both`
    : 'PostgreSQL runs on this machine: losing the machine loses the database and its backups';
  return failed(where,
    'keep backups on another machine (run Barkeep on a backup host that reaches PostgreSQL over the network and ssh); '
      + `if this is on purpose and the store is copied elsewhere, set same_host_backups = accepted in ${file}`);
}

function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/i, '');
  return plain === '::1' || /^127\./.test(plain);
}

function sameAddress(a: string, b: string): boolean {
  const plain = (address: string): string => address.replace(/^::ffff:/i, '').replace(/%.*$/, '').toLowerCase();
  return plain(a) === plain(b);
}
