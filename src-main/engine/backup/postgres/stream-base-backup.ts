/**
 * Runs one BASE_BACKUP on a walsender session and lands it in the data folder:
 * query object → tar reader per archive → arrival writer (hash, batched writes,
 * dedup). Owns the flow between them (socket paused while the disk lags),
 * progress and cancellation. Knows nothing of backup.json or the manifest we write.
 */
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import type { JobContext } from '../../jobs/job-queue';
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import { ArrivalWriter } from './arrival-writer';
import { buildBaseBackupCommand, readBackupResults, type BackupPosition, type BaseBackupRequest, type ServerTablespace } from './base-backup-command';
import { BaseBackupQuery } from './base-backup-query';
import { TarReader } from './tar-reader';

export interface StreamRequest extends BaseBackupRequest {
  versionNum: number;
  dataFolder: string;
  previous: PreviousBackup | null;
  reuse: 'off' | 'copy' | 'link';
  /** where files' SHA-256 come from: the server's manifest, or hashing here */
  checksums: 'local' | 'server';
  ctx: JobContext;
  onFileStored?: (file: BackupFileEntry) => void;
}

export interface StreamedBackup {
  start: BackupPosition;
  end: BackupPosition;
  tablespaces: ServerTablespace[];
  files: BackupFileEntry[];
  /** the server's own backup_manifest, as sent */
  serverManifest: string;
  bytesReceived: number;
}

const progressIntervalMs = 200;

export async function streamBaseBackup(client: pg.Client, request: StreamRequest): Promise<StreamedBackup> {
  const { ctx } = request;
  const command = buildBaseBackupCommand(request, request.versionNum);
  const manifestParts: Buffer[] = [];
  let reader: TarReader | null = null;
  let bytesReceived = 0;
  let bytesTotal: number | null = null;
  let lastProgressAt = 0;

  const reportProgress = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastProgressAt < progressIntervalMs) return;
    lastProgressAt = now;
    ctx.progress({ phase: 'copying', bytesDone: bytesReceived, bytesTotal: bytesTotal === null ? null : Math.max(bytesTotal, bytesReceived) });
  };

  // The handlers run only once the query is submitted, after `writer` below exists.
  const query = new BaseBackupQuery(command.text, command.protocol, {
    onArchive: (name, location) => {
      reader?.finish();
      bytesTotal ??= sumTablespaceSizes(query.results);
      const prefix = location === null ? '' : `pg_tblspc/${tablespaceOid(name)}`;
      reader = new TarReader(writer.archiveSink(prefix), name);
      ctx.log(location === null ? 'receiving the main data folder' : `receiving tablespace ${tablespaceOid(name)} (${location})`);
    },
    onArchiveData: (chunk) => {
      if (!reader) throw new EngineError('backup-failed', 'the server sent archive data before naming an archive', 'take the backup again');
      bytesReceived += chunk.length;
      reader.push(chunk);
      reportProgress(false);
    },
    onManifestData: (chunk) => {
      reader?.finish();
      reader = null;
      bytesReceived += chunk.length;
      manifestParts.push(Buffer.from(chunk));
    },
    onServerProgress: () => reportProgress(false),
  });
  const writer = new ArrivalWriter({
    dataFolder: request.dataFolder,
    previous: request.previous,
    reuse: request.reuse,
    checksums: request.checksums,
    flow: { pause: () => query.pause(), resume: () => query.resume() },
    onFile: request.onFileStored,
  });

  const cancel = (): void => query.fail(new EngineError('cancelled', 'the backup was cancelled'));
  if (ctx.signal.aborted) cancel();
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    ctx.progress({ phase: 'checkpoint' });
    client.query(query);
    const sets = await query.done;
    (reader as TarReader | null)?.finish();
    await writer.finish();
    reportProgress(true);
    const results = readBackupResults(sets);
    return { ...results, files: writer.files, serverManifest: Buffer.concat(manifestParts).toString('utf8'), bytesReceived };
  } catch (error) {
    await writer.abort();
    throw describeStreamError(error, ctx.signal);
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
  }
}

function sumTablespaceSizes(sets: readonly { rows: (string | null)[][] }[]): number | null {
  const rows = sets[1]?.rows ?? [];
  if (rows.length === 0 || rows.some((row) => row[2] === null || row[2] === undefined)) return null;
  return rows.reduce((sum, row) => sum + Number(row[2]) * 1024, 0);
}

function tablespaceOid(archiveName: string): string {
  const oid = /^(\d+)\.tar$/.exec(archiveName)?.[1];
  if (!oid) throw new EngineError('backup-failed', `unexpected tablespace archive name '${archiveName}'`, 'take the backup again');
  return oid;
}

function describeStreamError(error: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return new EngineError('cancelled', 'the backup was cancelled');
  if (error instanceof EngineError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC') {
    return new EngineError('disk-full', `no space left for the backup: ${message}`, 'free space on the backup volume, or delete old backups');
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new EngineError('io-failed', `unable to store the backup: ${message}`, 'check the backup folder and its volume');
  }
  const hint = code === '53300' ? 'raise max_wal_senders on the server, or stop another replication client'
    : code === '42501' ? 'grant the role REPLICATION (or connect as a superuser)'
      : /terminated|ECONNRESET|closed/i.test(message) ? 'the server went away during the backup: check that it is running, then take the backup again'
        : 'read the PostgreSQL server log';
  return new EngineError('backup-failed', `base backup failed: ${message}`, hint, { cause: error });
}
