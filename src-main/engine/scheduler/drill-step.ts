/**
 * The drill step of a scheduler pass: when drill_schedule is due, the newest
 * backup is restored to the latest archived WAL in a temporary folder, started,
 * validated and cleaned up (recovery/latest-drill.ts), as a job the pass does
 * not wait for. A server without a backup yet skips its due time.
 */
import type { ServerConfig } from '../config/load';
import { drillLatestBackup } from '../recovery/latest-drill';
import { formatLocalMinute, nextDueAfter } from './cron-expression';
import { describeUnclaimed, errorMessage, isErrorCode, type PassContext } from './pass-context';

export function drillStep(pass: PassContext, server: ServerConfig): void {
  const schedule = server.drillSchedule;
  if (schedule === null) return;
  const attempt = pass.claims.claimScheduled('drill', server.name, schedule, pass.now);
  if (attempt.kind !== 'claimed') {
    const next = nextDueAfter(schedule, pass.now);
    pass.report({
      server: server.name, job: 'drill', status: attempt.kind, due: attempt.due?.toISOString() ?? null,
      detail: `${describeUnclaimed(attempt, false)}${next === null ? '' : `; next at ${formatLocalMinute(next)}`}`,
    });
    return;
  }
  const { claim } = attempt;
  const due = claim.due.toISOString();
  const engine = pass.engine;
  const handle = engine.jobs.submit({
    kind: 'drill',
    server: server.name,
    title: `scheduled drill of ${server.name}`,
    run: (ctx) => drillLatestBackup({ catalog: engine.catalog, pgBinDir: engine.config.global.pgBinDir }, server, ctx),
  });
  pass.adopt(handle.id, handle.done);
  pass.report({ server: server.name, job: 'drill', status: 'started', detail: `due ${formatLocalMinute(claim.due)} (${schedule.source})`, due });
  pass.track(handle.done.then(
    (report) => {
      engine.invalidate('servers', server.name);
      const detail = report.ok
        ? `backup ${report.backupId} restored to ${report.target} and validated in ${report.durationSeconds.toFixed(1)} s`
        : `backup ${report.backupId}: drill FAILED: ${report.error?.message ?? 'unknown reason'}`;
      claim.finish(report.ok ? 'ok' : 'failed', detail);
      pass.report({ server: server.name, job: 'drill', status: report.ok ? 'ran' : 'failed', detail, due });
    },
    (error: unknown) => {
      engine.invalidate('servers', server.name);
      claim.finish(isErrorCode(error, 'cancelled') ? 'cancelled' : 'failed', errorMessage(error));
      pass.report({ server: server.name, job: 'drill', status: 'failed', detail: errorMessage(error), due });
    },
  ));
}
