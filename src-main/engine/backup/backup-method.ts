/**
 * The seam between the backup orchestrator and the two backup methods
 * (`rsync`: files over SSH with hard-link reuse; `postgres`: BASE_BACKUP). The
 * orchestrator owns the store (temporary folder, manifest, backup.json, atomic
 * finish); a method only fills `dataFolder` and reports what it copied.
 */
import type { ServerConfig } from '../config/load';
import type { JobContext } from '../jobs/job-queue';

/** One file of a backup as PostgreSQL's backup_manifest lists it (paths relative to the data folder, '/' separated). */
export interface BackupFileEntry {
  path: string;
  size: number;
  /** modification time on the source */
  mtime: Date;
  /** hex SHA-256 of the stored content */
  sha256: string;
  /** true when the file was hard-linked (or copied) from the previous backup instead of transferred */
  reused: boolean;
}

export interface TablespaceEntry {
  oid: number;
  name: string;
  /** location on the PostgreSQL host */
  location: string;
}

export interface PreviousBackup {
  backupId: string;
  /** the previous backup's data folder in the store */
  dataFolder: string;
  /** its files by path, from its backup_manifest */
  files: ReadonlyMap<string, BackupFileEntry>;
}

export interface BackupMethodInput {
  server: ServerConfig;
  backupId: string;
  /** the empty folder (inside the backup's temporary folder) the method writes the data files into */
  dataFolder: string;
  previous: PreviousBackup | null;
  reuse: 'off' | 'copy' | 'link';
  parallelJobs: number;
  /** passed to Electron-free progress reporting; check ctx.signal between files */
  ctx: JobContext;
  /** optional: called once per file stored (written or reused), for a files count in progress displays */
  onFileStored?: (file: BackupFileEntry) => void;
}

export interface BackupMethodResult {
  beginLsn: string;
  endLsn: string;
  beginWal: string;
  endWal: string;
  timeline: number;
  systemId: string;
  pgVersion: string;
  /** e.g. 150018 */
  pgVersionNum: number;
  dataChecksums: boolean;
  walSegmentSize: number;
  tablespaces: TablespaceEntry[];
  /** every file written under dataFolder, including backup_label and tablespace_map */
  files: BackupFileEntry[];
  /** bytes sent over the wire (for throughput figures) */
  bytesTransferred: number;
}

export type BackupMethodRun = (input: BackupMethodInput) => Promise<BackupMethodResult>;
