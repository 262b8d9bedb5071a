/**
 * Step 6 of the composer: run it. "Restore…" asks for a confirmation naming
 * the folder (and host) first; "Run as a drill instead" restores into a
 * temporary folder, starts and validates it, and removes it. While the job
 * runs: its phase, the progress bar and Cancel (jobs:cancel); then its result,
 * or the refusal or error as the engine words it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { isTerminal } from '../../../shared/domain/job';
import { hrefFor } from '../../app/hash-route';
import { ModalDialog } from '../../app/modal-dialog';
import { useBarkeep } from '../../app/store-context';
import { formatBytes } from '../jobs/job-format';
import { JobProgress } from '../jobs/job-progress';
import { Refusal } from './plan-step';
import { RestoreResult } from './restore-result';

export function RunStep() {
  const plan = useBarkeep((state) => (state.restorePlan.status === 'loaded' ? state.restorePlan.value : null));
  const draft = useBarkeep((state) => state.restoreDraft);
  const run = useBarkeep((state) => state.restoreRun);
  const job = useBarkeep((state) => (state.restoreRun === null ? undefined : state.jobsById[state.restoreRun.jobId]));
  const starting = useBarkeep((state) => state.restoreStarting);
  const startProblem = useBarkeep((state) => state.restoreStartProblem);
  const startRestore = useBarkeep((state) => state.startRestore);
  const startDrill = useBarkeep((state) => state.startDrill);
  const [confirming, setConfirming] = useState(false);
  const restoreButton = useRef<HTMLButtonElement>(null);
  const id = useId();

  const busy = starting !== null || (run !== null && (job === undefined || !isTerminal(job.state)));
  const destinationOk = plan?.destination != null && plan.destination.state !== 'refused' && plan.settings !== null;
  const canRestore = plan !== null && destinationOk && !busy;
  const canDrill = plan !== null && !busy;
  const host = plan?.destination?.state === 'unchecked' ? plan.destination.host : null;

  return (
    <section className="panel restore-step run-step" aria-labelledby={`${id}-title`} data-testid="restore-step-run">
      <h2 id={`${id}-title`} className="step-title"><span className="step-number" aria-hidden="true">6</span>Run</h2>
      <div className="run-actions">
        <button
          ref={restoreButton}
          type="button"
          className="button button-primary"
          disabled={!canRestore}
          onClick={() => setConfirming(true)}
          data-testid="restore-run"
        >
          {starting === 'restore' ? 'Starting…' : 'Restore…'}
        </button>
        <button type="button" className="button" disabled={!canDrill} onClick={() => void startDrill()} data-testid="restore-drill">
          {starting === 'drill' ? 'Starting…' : 'Run as a drill instead'}
        </button>
        <span className="muted run-explain">
          {plan === null ? 'Both need a plan first.'
            : !destinationOk ? 'A restore needs an empty or new destination folder; a drill needs none: it restores into a temporary folder, starts it, validates it and removes it.'
              : 'A drill restores into a temporary folder instead, starts it, validates it and removes it.'}
        </span>
      </div>
      {plan !== null && (
        <details className="drill-command">
          <summary>The drill from a terminal</summary>
          <pre className="code-block command-line" data-testid="drill-command-line">{plan.drillCommandLine}</pre>
        </details>
      )}
      {startProblem !== null && <Refusal problem={startProblem} testId="run-refusal" />}
      {run !== null && job !== undefined && <RunProgress runKind={run.kind} />}
      {confirming && plan !== null && (
        <ModalDialog title={`Restore into ${draft.folder.trim()}?`} onClose={() => setConfirming(false)} testId="restore-confirm" fallbackFocus={() => restoreButton.current}>
          <p>
            Barkeep copies backup <span className="mono">{plan.backup.backupId}</span> ({formatBytes(plan.dataBytes)}) and {plan.wal.segments} WAL
            file{plan.wal.segments === 1 ? '' : 's'} into <strong className="mono" data-testid="restore-confirm-dest">{draft.folder.trim()}</strong>
            {host !== null && <> on <strong className="mono">{host}</strong></>}, and writes the recovery settings shown, to reach {plan.targetDescription}.
          </p>
          <p className="hint">The folder must be empty or new: nothing in it is deleted. Recovery itself runs when you start the restored cluster.</p>
          <div className="modal-actions">
            <button type="button" className="button" onClick={() => setConfirming(false)} data-autofocus data-testid="restore-confirm-cancel">Cancel</button>
            <button
              type="button"
              className="button button-primary"
              onClick={() => {
                setConfirming(false);
                void startRestore();
              }}
              data-testid="restore-confirm-run"
            >
              Restore now
            </button>
          </div>
        </ModalDialog>
      )}
    </section>
  );
}

function RunProgress({ runKind }: { runKind: 'restore' | 'drill' }) {
  const run = useBarkeep((state) => state.restoreRun)!;
  const job = useBarkeep((state) => state.jobsById[run.jobId])!;
  const outcome = useBarkeep((state) => state.restoreOutcomes[run.jobId]);
  const cancelling = useBarkeep((state) => state.cancellingJobIds[run.jobId] === true);
  const cancelJob = useBarkeep((state) => state.cancelJob);
  const loadRestoreOutcome = useBarkeep((state) => state.loadRestoreOutcome);
  const clearRestoreRun = useBarkeep((state) => state.clearRestoreRun);
  const planRestore = useBarkeep((state) => state.planRestore);
  const finished = isTerminal(job.state);

  useEffect(() => {
    if (job.state === 'succeeded' && outcome === undefined) void loadRestoreOutcome(run.jobId);
  }, [job.state, outcome, run.jobId, loadRestoreOutcome]);
  // A restore that wrote into the folder (or failed half way) changed what the destination check says: ask again.
  useEffect(() => {
    if (finished) void planRestore();
  }, [finished, planRestore]);

  return (
    <div className={`backup-job backup-job-${job.state} restore-job`} data-testid="restore-job" data-job-state={job.state} data-run-kind={runKind} role="status" aria-live="polite">
      <div className="backup-job-line">
        <strong>{job.title}</strong>
        <span className={`badge job-state job-state-${job.state}`}>
          <span className="job-state-mark" aria-hidden="true" />
          {job.state}
        </span>
        <span className="backup-job-phase" data-testid="restore-job-phase">{job.phase}</span>
        <span className="backup-job-links">
          <a href={hrefFor('jobs')}>Open in Jobs</a>
          {!finished && (
            <button type="button" className="button button-small button-danger" onClick={() => void cancelJob(job.id)} disabled={cancelling} data-testid="restore-cancel">
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {finished && (
            <button type="button" className="button button-small" onClick={clearRestoreRun} data-testid="restore-again">
              Compose another
            </button>
          )}
        </span>
      </div>
      <JobProgress job={job} />
      {job.error !== null && <Refusal problem={{ title: 'The job failed', ...job.error }} testId="restore-job-error" />}
      {outcome?.status === 'failed' && <Refusal problem={outcome.problem} testId="restore-outcome-error" />}
      {outcome?.status === 'loaded' && <RestoreResult outcome={outcome.value} />}
    </div>
  );
}
