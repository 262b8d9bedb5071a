/**
 * The BASE_BACKUP command text for the server's version and the reading of its
 * ordinary result sets (start position, tablespace list, end position). Pure:
 * no session here. PostgreSQL 15 brought the parenthesised option syntax and the
 * single typed CopyOut stream; 13–14 take bare keywords (written from their docs).
 */
import { EngineError } from '../../../../shared/errors';
import type { CopyProtocol, ResultSet } from './base-backup-query';

export interface BaseBackupRequest {
  label: string;
  fastCheckpoint: boolean;
  /** the server's SHA-256 checksums in its manifest (costs server CPU), or none */
  manifestChecksums: 'SHA256' | 'NONE';
}

export interface BaseBackupCommand {
  text: string;
  protocol: CopyProtocol;
}

export interface BackupPosition {
  lsn: string;
  timeline: number;
}

export interface ServerTablespace {
  /** null for the main data folder */
  oid: number | null;
  location: string | null;
  /** the server's estimate, in bytes, or null without PROGRESS */
  sizeBytes: number | null;
}

export const minimumServerVersion = 130000;

/**
 * WAIT false: Barkeep waits for the end WAL itself (`backup --wait`) through
 * its own archive. TABLESPACE_MAP: the map instead of pg_tblspc links, as the rsync method writes it.
 */
export function buildBaseBackupCommand(request: BaseBackupRequest, versionNum: number): BaseBackupCommand {
  if (versionNum < minimumServerVersion) {
    throw new EngineError('backup-failed', `postgresql ${Math.floor(versionNum / 10000)} is too old for backup_method = postgres`,
      'use PostgreSQL 13 or later, or backup_method = rsync');
  }
  const label = quoteLiteral(request.label);
  if (versionNum >= 150000) {
    const options = [
      `LABEL ${label}`,
      'PROGRESS',
      `CHECKPOINT '${request.fastCheckpoint ? 'fast' : 'spread'}'`,
      'WAIT false',
      'TABLESPACE_MAP',
      "MANIFEST 'yes'",
      `MANIFEST_CHECKSUMS '${request.manifestChecksums}'`,
    ];
    return { text: `BASE_BACKUP (${options.join(', ')})`, protocol: 'typed-messages' };
  }
  const keywords = [`LABEL ${label}`, 'PROGRESS', ...(request.fastCheckpoint ? ['FAST'] : []), 'NOWAIT', 'TABLESPACE_MAP',
    "MANIFEST 'yes'", `MANIFEST_CHECKSUMS '${request.manifestChecksums}'`];
  return { text: `BASE_BACKUP ${keywords.join(' ')}`, protocol: 'copy-per-tablespace' };
}

/** Result sets: [start], [tablespaces], (CopyOut), [end]. */
export function readBackupResults(sets: readonly ResultSet[]): { start: BackupPosition; tablespaces: ServerTablespace[]; end: BackupPosition } {
  const [startSet, tablespaceSet] = sets;
  const endSet = sets.length >= 3 ? sets[sets.length - 1] : undefined;
  if (!startSet || !tablespaceSet || !endSet) {
    throw new EngineError('backup-failed', `BASE_BACKUP returned ${sets.length} result sets instead of 3`,
      'the server ended the backup early: read its log');
  }
  return {
    start: readPosition(startSet, 'start'),
    tablespaces: tablespaceSet.rows.map((row) => ({
      oid: row[0] === null || row[0] === undefined ? null : Number(row[0]),
      location: row[1] ?? null,
      sizeBytes: row[2] === null || row[2] === undefined ? null : Number(row[2]) * 1024,
    })),
    end: readPosition(endSet, 'end'),
  };
}

function readPosition(set: ResultSet, which: string): BackupPosition {
  const row = set.rows[0];
  const lsn = row?.[0];
  const timeline = Number(row?.[1]);
  if (!lsn || !/^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn) || !Number.isInteger(timeline) || timeline < 1) {
    throw new EngineError('backup-failed', `BASE_BACKUP sent no valid ${which} position`, 'read the server log');
  }
  return { lsn: lsn.toUpperCase(), timeline };
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
