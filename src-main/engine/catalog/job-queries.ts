/**
 * Finished jobs in the catalog (migration 1's `jobs` table) read for what they
 * measured: a server's last successful jobs of one kind, with the bytes they
 * moved and when they ran. Rows only; the job queue writes them (Catalog.saveJob)
 * and recovery/throughput-estimate.ts turns them into a rate.
 */
import type { JobKind } from '../../../shared/domain/job';
import type { Catalog } from './catalog';

export interface SucceededJobRow {
  id: string;
  /** the job's last reported bytes done */
  bytesDone: number;
  startedAt: string;
  finishedAt: string;
}

/** A server's succeeded jobs of `kind`, newest first. */
export function listSucceededJobs(catalog: Catalog, server: string, kind: JobKind, limit = 20): SucceededJobRow[] {
  return catalog.db.prepare(`SELECT id, bytes_done AS bytesDone, started_at AS startedAt, finished_at AS finishedAt FROM jobs
    WHERE server = ? AND kind = ? AND state = 'succeeded' AND started_at IS NOT NULL AND finished_at IS NOT NULL
    ORDER BY finished_at DESC LIMIT ?`).all(server, kind, limit) as SucceededJobRow[];
}
