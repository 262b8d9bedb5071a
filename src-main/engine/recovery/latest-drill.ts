/**
 * The drill the scheduler runs (drill_schedule): the newest backup restored to
 * the latest archived WAL (the whole chain a real restore would need today),
 * validated with the server's drill_validation_sql (or the default checks),
 * and recorded in the catalog like any `barkeep drill`. The last drill is part
 * of the server's health.
 */
import { saveDrill } from '../catalog/drill-queries';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import type { JobContext } from '../jobs/job-queue';
import { findPostgresBinDir } from '../postgres/bin-dir';
import { parseConninfo } from '../postgres/conninfo';
import { readWalArchiveView } from './archive-view';
import { runDrill, type DrillReport } from './drill';
import { planRestore } from './plan';
import { parseRecoveryTarget } from './target';

export interface LatestDrillDeps {
  catalog: Catalog;
  /** the global pg_bin_dir, when the server has none */
  pgBinDir: string | null;
}

export async function drillLatestBackup(deps: LatestDrillDeps, server: ServerConfig, ctx: JobContext): Promise<DrillReport> {
  ctx.progress({ phase: 'planning' });
  const backups = deps.catalog.listBackups(server.name);
  const segmentSize = backups.find((backup) => backup.walSegmentSize)?.walSegmentSize ?? null;
  const plan = planRestore({
    server: server.name,
    backups,
    archive: readWalArchiveView(server.walsDirectory, segmentSize),
    target: parseRecoveryTarget({ action: 'promote' }),
    backupSelector: null,
  });
  return runDrill(plan, {
    store: server,
    binDir: findPostgresBinDir(server.pgBinDir ?? deps.pgBinDir),
    user: parseConninfo(server.conninfo).user ?? 'postgres',
    validationSql: server.drillValidationSql,
    record: (row) => saveDrill(deps.catalog, row),
  }, ctx);
}
