/**
 * Backup method `postgres`: BASE_BACKUP over the replication protocol, natively
 * through `pg`, landing in the data folder the orchestrator gave it. Reads the
 * server's facts on a regular session, streams on a walsender session, then
 * checks what arrived against the server's own manifest (and takes its
 * checksums from it, by default). Writes nothing else.
 */
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import { connectPostgres, describeServer } from '../../postgres/connect';
import { identifySystem } from '../../postgres/replication';
import { formatSegmentName, parseLsn, segmentNumberOf } from '../../wal/lsn';
import type { BackupFileEntry, BackupMethodResult, BackupMethodRun, TablespaceEntry } from '../backup-method';
import { linkUnchangedFiles } from '../file-reuse';
import { parseManifest } from '../manifest';
import type { ServerTablespace } from './base-backup-command';
import { streamBaseBackup } from './stream-base-backup';

interface BackupFacts {
  version: string;
  versionNum: number;
  systemId: string;
  dataChecksums: boolean;
  walSegmentSize: number;
  tablespaceNames: Map<number, string>;
}

export const runPostgresBackup: BackupMethodRun = async (input) => {
  const { server, ctx } = input;
  ctx.progress({ phase: 'connecting' });
  // 1. the server's facts on a regular session, while the walsender session for BASE_BACKUP opens
  const [factsRead, connected] = await Promise.allSettled([
    readBackupFacts(server.conninfo, ctx.signal),
    connectPostgres(server.streamingConninfo ?? server.conninfo, { replication: true, readBuffer: true, signal: ctx.signal, applicationName: 'barkeep backup' }),
  ]);
  if (factsRead.status === 'rejected' || connected.status === 'rejected') {
    if (connected.status === 'fulfilled') await connected.value.end().catch(() => undefined);
    throw factsRead.status === 'rejected' ? factsRead.reason : (connected as PromiseRejectedResult).reason;
  }
  const facts = factsRead.value;
  const replication = connected.value;

  // 2. BASE_BACKUP on the walsender session, into the data folder
  try {
    const identity = await identifySystem(replication);
    if (identity.systemId !== facts.systemId) {
      throw new EngineError('backup-failed',
        `streaming_conninfo of server '${server.name}' reaches system ${identity.systemId}, conninfo reaches ${facts.systemId}`,
        'point conninfo and streaming_conninfo at the same PostgreSQL cluster');
    }
    const streamed = await streamBaseBackup(replication, {
      label: `barkeep_${input.backupId}`,
      fastCheckpoint: server.immediateCheckpoint,
      // backup_checksums = server: the walsender hashes what it reads, on the server's CPU, as
      // pg_basebackup --manifest-checksums=SHA256 does; verify-backup then checks our disk against
      // the server's own reading. local: Barkeep hashes on arrival and the server computes none.
      manifestChecksums: server.backupChecksums === 'server' ? 'SHA256' : 'NONE',
      checksums: server.backupChecksums,
      versionNum: facts.versionNum,
      dataFolder: input.dataFolder,
      previous: input.previous,
      reuse: input.reuse,
      ctx,
      onFileStored: input.onFileStored,
    });

    // 3. what arrived must be what the server says it sent; unchanged files become links to the previous backup's
    checkAgainstServerManifest(streamed.files, streamed.serverManifest);
    if (server.backupChecksums === 'server' && input.reuse === 'link' && input.previous) {
      ctx.progress({ phase: 'linking' });
      await linkUnchangedFiles(input.previous, streamed.files, input.dataFolder, input.parallelJobs);
    }

    // 4. the result, in the seam's terms
    const result: BackupMethodResult = {
      beginLsn: streamed.start.lsn,
      endLsn: streamed.end.lsn,
      beginWal: formatSegmentName(streamed.start.timeline, segmentNumberOf(parseLsn(streamed.start.lsn), facts.walSegmentSize), facts.walSegmentSize),
      // The end position is exclusive: the last byte needed is in the segment before it.
      endWal: formatSegmentName(streamed.end.timeline, segmentNumberOf(parseLsn(streamed.end.lsn) - 1n, facts.walSegmentSize), facts.walSegmentSize),
      timeline: streamed.start.timeline,
      systemId: identity.systemId,
      pgVersion: facts.version,
      pgVersionNum: facts.versionNum,
      dataChecksums: facts.dataChecksums,
      walSegmentSize: facts.walSegmentSize,
      tablespaces: describeTablespaces(streamed.tablespaces, facts.tablespaceNames),
      files: streamed.files,
      bytesTransferred: streamed.bytesReceived,
    };
    return result;
  } finally {
    await replication.end().catch(() => undefined);
  }
};

async function readBackupFacts(conninfo: string, signal: AbortSignal): Promise<BackupFacts> {
  const client = await connectPostgres(conninfo, { signal, applicationName: 'barkeep backup' });
  try {
    const described = await describeServer(client);
    const settings = await runFactsQuery(client, `select current_setting('data_checksums') as data_checksums,
        (select setting::bigint from pg_settings where name = 'wal_segment_size') as wal_segment_size`);
    const spaces = await runFactsQuery(client, `select oid::text as oid, spcname from pg_tablespace`);
    return {
      version: described.version,
      versionNum: described.versionNum,
      systemId: described.systemId,
      dataChecksums: settings[0]?.data_checksums === 'on',
      walSegmentSize: Number(settings[0]?.wal_segment_size ?? 16 * 1024 * 1024),
      tablespaceNames: new Map(spaces.map((row) => [Number(row.oid), String(row.spcname)])),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runFactsQuery(client: pg.Client, sql: string): Promise<Record<string, string | null>[]> {
  try {
    return (await client.query<Record<string, string | null>>(sql)).rows;
  } catch (error) {
    throw new EngineError('postgres-failed', `unable to read backup facts: ${(error as Error).message}`,
      'connect as a superuser or a role with pg_monitor', { cause: error });
  }
}

/**
 * Every file the server's manifest lists arrived with its size, and nothing
 * else. A file hashed here must have the server's checksum when it sent one; a
 * file not hashed here (sha256 '') takes the server's, which must be SHA-256.
 */
export function checkAgainstServerManifest(files: readonly BackupFileEntry[], manifestText: string): void {
  if (manifestText === '') {
    throw new EngineError('backup-failed', 'the server sent no backup manifest', 'take the backup again');
  }
  const manifest = parseManifest(manifestText, 'the server\'s backup manifest');
  if (!manifest.checksumValid) {
    throw new EngineError('backup-failed', 'the server\'s backup manifest arrived damaged (its checksum does not match)', 'take the backup again');
  }
  const received = new Map(files.map((file) => [file.path, file]));
  for (const expected of manifest.files) {
    const file = received.get(expected.path);
    const problem = !file ? 'is missing'
      : file.size !== expected.size ? `has ${file.size} bytes instead of ${expected.size}`
        : file.sha256 !== '' && expected.checksumAlgorithm === 'SHA256' && expected.checksum !== file.sha256 ? 'has another checksum' : null;
    if (problem) {
      throw new EngineError('backup-failed', `file '${expected.path}' of the backup ${problem} (compared with the server's manifest)`,
        'the stream was damaged on the way: take the backup again');
    }
    if (file!.sha256 === '') {
      if (expected.checksumAlgorithm !== 'SHA256' || expected.checksum === null) {
        throw new EngineError('backup-failed', `the server's manifest has no SHA-256 checksum for file '${expected.path}'`,
          'set backup_checksums = local for this server, or check the server\'s manifest_checksums support');
      }
      file!.sha256 = expected.checksum;
    }
  }
  if (manifest.files.length !== received.size) {
    throw new EngineError('backup-failed', `the backup holds ${received.size} files, the server's manifest lists ${manifest.files.length}`,
      'take the backup again');
  }
}

function describeTablespaces(tablespaces: readonly ServerTablespace[], names: ReadonlyMap<number, string>): TablespaceEntry[] {
  return tablespaces
    .filter((space): space is ServerTablespace & { oid: number } => space.oid !== null)
    .map((space) => ({ oid: space.oid, name: names.get(space.oid) ?? String(space.oid), location: space.location ?? '' }));
}
