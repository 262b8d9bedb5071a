/**
 * The backup steps of a scheduler pass: a backup when backup_schedule has a due
 * time newer than its last claim (a job the pass does not wait for; missed due
 * times run once), and retention enforcement (retention_policy_mode = auto)
 * every pass and right after a scheduled backup — never while a scheduled
 * backup of the server runs, whichever scheduler runs it.
 */
import type { ServerConfig } from '../config/load';
import { runBackup } from '../backup/run-backup';
import { formatBytes } from '../check/age';
import { enforceRetention, type RetentionRun } from '../retention/enforce';
import { formatLocalMinute, nextDueAfter, type CronExpression } from './cron-expression';
import { describeUnclaimed, errorMessage, isErrorCode, runPassJob, type PassContext } from './pass-context';
import { floorToMinute, type HeldClaim } from './schedule-claims';

export function backupStep(pass: PassContext, server: ServerConfig): void {
  const schedule = server.backupSchedule;
  if (schedule === null) return;
  const attempt = pass.claims.claimScheduled('backup', server.name, schedule, pass.now);
  const next = nextDueAfter(schedule, pass.now);
  const nextText = next === null ? '' : `; next at ${formatLocalMinute(next)}`;
  if (attempt.kind !== 'claimed') {
    const status = attempt.kind === 'running' ? 'running' : attempt.kind;
    pass.report({ server: server.name, job: 'backup', status, detail: `${describeUnclaimed(attempt, false)}${nextText}`, due: attempt.due?.toISOString() ?? null });
    return;
  }
  const { claim } = attempt;
  const due = claim.due.toISOString();
  const handle = pass.engine.jobs.submit({
    kind: 'backup',
    server: server.name,
    title: `scheduled backup of ${server.name}`,
    run: (ctx) => runBackup(pass.engine.backupDeps(), server, {}, ctx),
  });
  pass.adopt(handle.id, handle.done);
  pass.report({ server: server.name, job: 'backup', status: 'started', detail: describeClaim(claim, schedule), due });
  pass.track(handle.done.then(
    async (info) => {
      const detail = `backup ${info.backupId} ${info.status}, ${formatBytes(info.sizeBytes)}`;
      claim.finish('ok', detail);
      pass.report({ server: server.name, job: 'backup', status: 'ran', detail, due });
      await retentionStep(pass, server, 'after-backup');
    },
    (error: unknown) => {
      const cancelled = isErrorCode(error, 'cancelled');
      claim.finish(cancelled ? 'cancelled' : 'failed', errorMessage(error));
      pass.report({ server: server.name, job: 'backup', status: 'failed', detail: errorMessage(error), due });
    },
  ));
}

/** After the pass's backup step, or right after a scheduled backup ended (then it claims the minute it ended in). */
export async function retentionStep(pass: PassContext, server: ServerConfig, when: 'pass' | 'after-backup'): Promise<void> {
  if (server.retentionPolicy === null) return;
  if (when === 'pass') {
    const backup = pass.claims.runningClaim('backup', server.name, new Date());
    if (backup !== null) {
      pass.report({
        server: server.name, job: 'retention', status: 'skipped', due: null,
        detail: `the scheduled backup ${backup.claimedBy === pass.claims.claimant ? 'this scheduler started' : `claimed by ${backup.claimedBy}`} runs; retention follows it`,
      });
      return;
    }
  }
  await runPassJob(pass, server, 'retention', async () => {
    const run = await enforceRetention(pass.engine.backupDeps(), server,
      { dryRun: false, now: new Date() });
    return { detail: describeRetention(run), changed: run.backups.length > 0 || run.wal.deleted.length > 0 };
  }, {
    minute: when === 'pass' ? pass.minute : floorToMinute(new Date()),
    // A backup or delete holds the server's lock: retention waits for the next pass.
    skipWhen: (error) => isErrorCode(error, 'backup-in-use'),
  });
}

function describeClaim(claim: HeldClaim, schedule: CronExpression): string {
  const parts = [`due ${formatLocalMinute(claim.due)} (${schedule.source})`];
  if (claim.previous !== null) {
    // Due times between the last claim and this one were missed (the machine slept, no scheduler ran): they run once, now.
    const last = new Date(claim.previous.lastDue);
    const firstMissed = nextDueAfter(schedule, last);
    if (firstMissed !== null && firstMissed.getTime() < claim.due.getTime()) {
      parts.push(`the due times missed since ${formatLocalMinute(last)} run once`);
    }
  }
  if (claim.tookOverFrom !== null) parts.push(`taken over from ${claim.tookOverFrom}, whose run was abandoned`);
  return parts.join('; ');
}

function describeRetention(run: RetentionRun): string {
  const policy = run.policy ?? 'no retention_policy';
  if (run.backups.length === 0 && run.wal.deleted.length === 0) {
    const skipped = run.skipped.length > 0 ? `; left in place: ${run.skipped.map((backup) => `${backup.backupId} (${backup.why})`).join(', ')}` : '';
    return `nothing obsolete (${policy})${skipped}`;
  }
  const parts: string[] = [];
  if (run.backups.length > 0) parts.push(`deleted backup${run.backups.length === 1 ? '' : 's'} ${run.backups.map((backup) => backup.backupId).join(', ')}`);
  if (run.wal.deleted.length > 0) parts.push(`${run.wal.deleted.length} WAL file${run.wal.deleted.length === 1 ? '' : 's'} (${formatBytes(run.wal.bytes)})`);
  if (run.skipped.length > 0) parts.push(`left in place: ${run.skipped.map((backup) => backup.backupId).join(', ')}`);
  return `${parts.join(', ')} (${policy})`;
}
