/**
 * The outcomes of the restore and drill jobs this process started for the app,
 * by job id: a job's snapshot carries its progress and error, not what it
 * produced, so the composer asks here once the job has finished. Holds the
 * newest few in memory (a drill is also in the catalog; a restore's folder
 * speaks for itself). A failed job's outcome is its error.
 */
import type { RestoreOutcome } from '../../../shared/domain/restore';
import { EngineError } from '../../../shared/errors';
import type { ServerName } from '../../../shared/domain/names';
import { parseSshCommand } from '../backup/rsync/ssh-command';
import type { DrillReport } from './drill';
import type { RestoreReport } from './restore-local';

const keptOutcomes = 50;

export class RestoreOutcomes {
  private readonly outcomes = new Map<string, Promise<RestoreOutcome>>();

  /** Remembers what the job's `done` becomes; its rejection is kept for whoever asks, never left unhandled. */
  follow(jobId: string, outcome: Promise<RestoreOutcome>): void {
    outcome.catch(() => undefined);
    this.outcomes.set(jobId, outcome);
    for (const oldest of this.outcomes.keys()) {
      if (this.outcomes.size <= keptOutcomes) break;
      this.outcomes.delete(oldest);
    }
  }

  /** Waits for a job still running; rejects with the job's error when it failed or was cancelled. */
  get(jobId: string): Promise<RestoreOutcome> {
    const outcome = this.outcomes.get(jobId);
    if (outcome === undefined) {
      throw new EngineError('job-unknown', `no restore or drill outcome is held for job ${jobId}`,
        'only the newest restores and drills started from the app since Barkeep started are held; a drill is also in `barkeep list-drills`');
    }
    return outcome;
  }
}

export function restoreOutcomeOf(report: RestoreReport, server: ServerName, sshCommand: string | null): RestoreOutcome {
  const target = parseSshTarget(sshCommand);
  return {
    kind: 'restore', server, backupId: report.plan.backup.backupId, targetDescription: report.plan.targetDescription,
    action: report.plan.target.kind === 'latest' ? null : report.plan.target.action,
    dest: report.dest, host: target, copiedBytes: report.copiedBytes, walFiles: report.walFiles,
    durationSeconds: report.durationSeconds, startCommand: report.startCommand,
  };
}

export function drillOutcomeOf(report: DrillReport, server: ServerName): RestoreOutcome {
  return {
    kind: 'drill', server, ok: report.ok, backupId: report.backupId, target: report.target, durationSeconds: report.durationSeconds,
    copiedBytes: report.copiedBytes, walSegments: report.walSegments, reachedState: report.reachedState,
    reachedLsn: report.reachedLsn, reachedTime: report.reachedTime, timeline: report.timeline,
    validation: report.validation.map((result) => ({ database: result.database, query: result.query, rows: result.rows })),
    error: report.error,
  };
}

function parseSshTarget(sshCommand: string | null): string | null {
  if (sshCommand === null) return null;
  const target = parseSshCommand(sshCommand);
  return `${target.username}@${target.host}${target.port === 22 ? '' : `:${target.port}`}`;
}
