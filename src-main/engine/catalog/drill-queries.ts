/**
 * Restore drills in the catalog (migration 3's `drills` table): saving one
 * drill's outcome and reading a server's recent drills or its last one, which
 * feeds the server's health. Rows only; recovery/drill.ts runs the drills.
 */
import type { ErrorPayload } from '../../../shared/errors';
import type { Catalog } from './catalog';

/** One validation query's result on the restored copy. */
export interface DrillValidation {
  database: string;
  query: string;
  rows: Record<string, unknown>[];
}

export interface DrillRow {
  server: string;
  backupId: string | null;
  /** the target in words, as the plan describes it */
  target: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  reachedLsn: string | null;
  /** pg_last_xact_replay_timestamp(), ISO; null when no transaction was replayed */
  reachedTime: string | null;
  timeline: number | null;
  validation: DrillValidation[];
  ok: boolean;
  error: ErrorPayload | null;
}

export type SavedDrill = DrillRow & { id: number };

interface StoredDrill {
  id: number; server: string; backupId: string | null; target: string; startedAt: string; finishedAt: string;
  durationSeconds: number; reachedLsn: string | null; reachedTime: string | null; timeline: number | null;
  validationJson: string; ok: number; errorJson: string | null;
}

const selectColumns = `SELECT id, server, backup_id AS backupId, target, started_at AS startedAt, finished_at AS finishedAt,
  duration_seconds AS durationSeconds, reached_lsn AS reachedLsn, reached_time AS reachedTime, timeline,
  validation_json AS validationJson, ok, error_json AS errorJson FROM drills`;

/** Records a finished drill (passed or failed); returns its id. */
export function saveDrill(catalog: Catalog, row: DrillRow): number {
  const result = catalog.db.prepare(`INSERT INTO drills (server, backup_id, target, started_at, finished_at, duration_seconds,
      reached_lsn, reached_time, timeline, validation_json, ok, error_json)
    VALUES (@server, @backupId, @target, @startedAt, @finishedAt, @durationSeconds, @reachedLsn, @reachedTime, @timeline,
      @validationJson, @ok, @errorJson)`).run({
    server: row.server, backupId: row.backupId, target: row.target, startedAt: row.startedAt, finishedAt: row.finishedAt,
    durationSeconds: row.durationSeconds, reachedLsn: row.reachedLsn, reachedTime: row.reachedTime, timeline: row.timeline,
    validationJson: JSON.stringify(row.validation), ok: row.ok ? 1 : 0, errorJson: row.error === null ? null : JSON.stringify(row.error),
  });
  return Number(result.lastInsertRowid);
}

/** A server's drills, newest first. */
export function listDrills(catalog: Catalog, server: string, limit = 20): SavedDrill[] {
  const rows = catalog.db.prepare(`${selectColumns} WHERE server = ? ORDER BY started_at DESC, id DESC LIMIT ?`).all(server, limit) as StoredDrill[];
  return rows.map(toSavedDrill);
}

export function lastDrill(catalog: Catalog, server: string): SavedDrill | null {
  return listDrills(catalog, server, 1)[0] ?? null;
}

function toSavedDrill({ validationJson, ok, errorJson, ...rest }: StoredDrill): SavedDrill {
  return {
    ...rest,
    validation: JSON.parse(validationJson) as DrillValidation[],
    ok: ok === 1,
    error: errorJson === null ? null : (JSON.parse(errorJson) as ErrorPayload),
  };
}
