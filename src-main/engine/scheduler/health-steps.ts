/**
 * The health steps of a scheduler pass: the server's checks on their own
 * schedule (check_schedule, every 15 minutes by default; a job the pass does
 * not wait for, whose results become the server's health), and one disk usage
 * sample per server and pass, for the daily history forecasts read.
 */
import type { ServerConfig } from '../config/load';
import { formatBytes } from '../check/age';
import { latestUsageSamples, sampleDiskUsage } from '../disk/usage-history';
import { formatLocalMinute, nextDueAfter } from './cron-expression';
import { describeUnclaimed, errorMessage, isErrorCode, runPassJob, type PassContext } from './pass-context';

export function checkStep(pass: PassContext, server: ServerConfig): void {
  const schedule = server.checkSchedule;
  if (schedule === null) return;
  const attempt = pass.claims.claimScheduled('check', server.name, schedule, pass.now);
  if (attempt.kind !== 'claimed') {
    const next = nextDueAfter(schedule, pass.now);
    pass.report({
      server: server.name, job: 'check', status: attempt.kind, due: attempt.due?.toISOString() ?? null,
      detail: `${describeUnclaimed(attempt, false)}${next === null ? '' : `; next at ${formatLocalMinute(next)}`}`,
    });
    return;
  }
  const { claim } = attempt;
  const due = claim.due.toISOString();
  const handle = pass.engine.startCheck(server.name);
  pass.adopt(handle.id, handle.done);
  pass.report({ server: server.name, job: 'check', status: 'started', detail: `due ${formatLocalMinute(claim.due)} (${schedule.source})`, due });
  pass.track(handle.done.then(
    (run) => {
      const failing = run.results.filter((result) => !result.ok).map((result) => result.name);
      const detail = failing.length === 0 ? `${run.results.length} checks, all OK` : `${run.results.length} checks, failing: ${failing.join(', ')}`;
      claim.finish('ok', detail);
      pass.report({ server: server.name, job: 'check', status: 'ran', detail, due });
    },
    (error: unknown) => {
      claim.finish(isErrorCode(error, 'cancelled') ? 'cancelled' : 'failed', errorMessage(error));
      pass.report({ server: server.name, job: 'check', status: 'failed', detail: errorMessage(error), due });
    },
  ));
}

/**
 * A sample walks the server's whole store (every backup's files, the WAL
 * archive): once an hour is enough for a daily history, and backups, deletes
 * and retention record their own sample when they change the store.
 */
const diskSampleIntervalMs = 60 * 60 * 1000;

export async function diskSampleStep(pass: PassContext, server: ServerConfig): Promise<void> {
  await runPassJob(pass, server, 'disk-sample', async () => {
    const now = new Date();
    const latest = latestUsageSamples(pass.engine.catalog).find((sample) => sample.server === server.name);
    if (latest && now.getTime() - Date.parse(latest.measuredAt) < diskSampleIntervalMs) {
      return { detail: `the sample of ${latest.measuredAt} is recent enough`, changed: false };
    }
    const sample = await sampleDiskUsage(pass.engine.catalog, server, now);
    pass.engine.invalidate('disk', server.name);
    const free = sample.volumeFree === null ? '' : `, ${formatBytes(sample.volumeFree)} free on its volume`;
    // A sample is routine: the history and the forecasts show it.
    return { detail: `backups ${formatBytes(sample.backupsBytes)}, WAL ${formatBytes(sample.walBytes)}${free}`, changed: false };
  });
}
