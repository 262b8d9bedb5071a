/**
 * A check run as the server's health: saving it in the catalog (replacing the
 * previous run, so checks that no longer apply disappear) and deriving the
 * Health the UI shows.
 */
import type { Health } from '../../../shared/domain/server';
import type { Catalog } from '../catalog/catalog';
import type { CheckResult, CheckSeverity } from './model';

export function saveCheckRun(catalog: Catalog, run: { server: string; checkedAt: string; results: readonly CheckResult[] }): void {
  catalog.replaceCheckResults(run.server, run.results.map((result) => ({
    server: run.server,
    checkName: result.name,
    ok: result.ok,
    severity: result.severity,
    detail: result.detail,
    hint: result.hint ?? null,
    checkedAt: run.checkedAt,
  })));
}

/**
 * failed when a critical check fails, warning when only warnings do, ok when
 * all pass, unknown before the first run. A row without a severity counts as
 * critical.
 */
export function deriveHealth(rows: readonly { ok: boolean; severity?: CheckSeverity | null }[]): Health {
  if (rows.length === 0) return 'unknown';
  const failing = rows.filter((row) => !row.ok);
  if (failing.length === 0) return 'ok';
  return failing.some((row) => (row.severity ?? 'critical') === 'critical') ? 'failed' : 'warning';
}
