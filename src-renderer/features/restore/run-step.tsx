/**
 * Step 6 of the composer: run it. "Restore…" asks for a confirmation naming
 * the folder (and host) first; "Run as a drill instead" restores into a
 * temporary folder, starts and validates it, and removes it. While a new plan
 * comes the buttons stand on the last one; a click then waits for the plan of
 * the choices shown, so what runs is always what the plan step shows. While
 * the job runs: its panel (phase, progress, Cancel); then its result, or the
 * refusal or error as the engine words it.
 */
import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import { isTerminal } from '../../../shared/domain/job';
import { ModalDialog } from '../../app/modal-dialog';
import { useBarkeep } from '../../app/store-context';
import { planKeyOf } from '../../store/restore-draft';
import { selectCurrentPlan, selectPlanPending, selectRunBasis } from '../../store/restore-draft-slice';
import { formatBytes } from '../jobs/job-format';
import { JobPanel } from '../jobs/job-panel';
import { Refusal } from './plan-step';
import { RestoreResult } from './restore-result';
import { destinationAccepted, runButtons, settleQueuedRun, type QueuedRun, type RunKind } from './run-readiness';

export function RunStep() {
  const current = useBarkeep(selectCurrentPlan);
  const basis = useBarkeep(selectRunBasis);
  const pending = useBarkeep(selectPlanPending);
  const planKey = useBarkeep((state) => planKeyOf(state.restoreDraft));
  const folder = useBarkeep((state) => state.restoreDraft.folder.trim());
  const run = useBarkeep((state) => state.restoreRun);
  const job = useBarkeep((state) => (state.restoreRun === null ? undefined : state.jobsById[state.restoreRun.jobId]));
  const starting = useBarkeep((state) => state.restoreStarting);
  const startProblem = useBarkeep((state) => state.restoreStartProblem);
  const startRestore = useBarkeep((state) => state.startRestore);
  const startDrill = useBarkeep((state) => state.startDrill);
  const planRestore = useBarkeep((state) => state.planRestore);
  const [confirming, setConfirming] = useState(false);
  const [queued, setQueued] = useState<QueuedRun | null>(null);
  const restoreButton = useRef<HTMLButtonElement>(null);
  const id = useId();

  const busy = starting !== null || (run !== null && (job === undefined || !isTerminal(job.state)));
  const { canRestore, canDrill } = runButtons(basis, busy);
  const host = current?.destination?.state === 'unchecked' ? current.destination.host : null;

  const request = (kind: RunKind): void => {
    if (current === null) {
      if (planKey === null) return;
      // The plan shown is of other choices: wait for theirs, and ask for it now rather than after the composer's pause.
      setQueued({ kind, key: planKey });
      void planRestore();
    } else if (kind === 'restore') {
      setConfirming(true);
    } else {
      void startDrill();
    }
  };
  useEffect(() => {
    if (queued === null) return;
    const next = settleQueuedRun(queued, { key: planKey, current, pending });
    if (next === 'wait') return;
    setQueued(null);
    if (next === 'go' && queued.kind === 'restore') setConfirming(true);
    if (next === 'go' && queued.kind === 'drill') void startDrill();
  }, [queued, planKey, current, pending, startDrill]);
  // A confirmation is of the plan of the choices shown: it never outlives that plan.
  useEffect(() => {
    if (confirming && current === null) setConfirming(false);
  }, [confirming, current]);

  /** A Run button; it says when its run is starting, or when its click waits for the plan of the choices shown. */
  const runButton = (kind: RunKind, label: string, enabled: boolean, className: string, ref?: RefObject<HTMLButtonElement | null>) => (
    <button
      ref={ref}
      type="button"
      className={className}
      disabled={!enabled}
      onClick={() => request(kind)}
      data-testid={kind === 'restore' ? 'restore-run' : 'restore-drill'}
      data-waiting={queued?.kind === kind ? 'plan' : undefined}
    >
      {starting === kind ? 'Starting…' : queued?.kind === kind ? 'Planning…' : label}
    </button>
  );

  return (
    <section className="panel restore-step run-step" aria-labelledby={`${id}-title`} data-testid="restore-step-run">
      <h2 id={`${id}-title`} className="step-title"><span className="step-number" aria-hidden="true">6</span>Run</h2>
      <div className="run-actions">
        {runButton('restore', 'Restore…', canRestore, 'button button-primary', restoreButton)}
        {runButton('drill', 'Run as a drill instead', canDrill, 'button')}
        <span className="muted run-explain">
          {basis === null ? 'Both need a plan first.'
            : !destinationAccepted(basis) ? 'A restore needs an empty or new destination folder; a drill needs none: it restores into a temporary folder, starts it, validates it and removes it.'
              : 'A drill restores into a temporary folder instead, starts it, validates it and removes it.'}
        </span>
      </div>
      {basis !== null && (
        <details className="drill-command" data-current={current !== null}>
          <summary>The drill from a terminal</summary>
          <pre className="code-block command-line" data-testid="drill-command-line" aria-busy={current === null}>{basis.drillCommandLine}</pre>
        </details>
      )}
      {startProblem !== null && <Refusal problem={startProblem} testId="run-refusal" />}
      {run !== null && job !== undefined && <RunProgress runKind={run.kind} />}
      {confirming && current !== null && (
        <ModalDialog title={`Restore into ${folder}?`} onClose={() => setConfirming(false)} testId="restore-confirm" fallbackFocus={() => restoreButton.current}>
          <p>
            Barkeep copies backup <span className="mono">{current.backup.backupId}</span> ({formatBytes(current.dataBytes)}) and {current.wal.segments} WAL
            file{current.wal.segments === 1 ? '' : 's'} into <strong className="mono" data-testid="restore-confirm-dest">{folder}</strong>
            {host !== null && <> on <strong className="mono">{host}</strong></>}, and writes the recovery settings shown, to reach {current.targetDescription}.
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
  const loadRestoreOutcome = useBarkeep((state) => state.loadRestoreOutcome);
  const clearRestoreRun = useBarkeep((state) => state.clearRestoreRun);
  const planRestore = useBarkeep((state) => state.planRestore);
  const finished = isTerminal(job.state);

  useEffect(() => {
    if (job.state === 'succeeded' && outcome === undefined) void loadRestoreOutcome(run.jobId);
  }, [job.state, outcome, run.jobId, loadRestoreOutcome]);
  // A restore that wrote into the folder (or failed half way) changed what the destination check says: ask again.
  useEffect(() => {
    if (finished) void planRestore({ afterRun: true });
  }, [finished, planRestore]);

  return (
    <JobPanel
      job={job}
      name="restore"
      runKind={runKind}
      finishedAction={
        <button type="button" className="button button-small" onClick={clearRestoreRun} data-testid="restore-again">
          Compose another
        </button>
      }
    >
      {outcome?.status === 'failed' && <Refusal problem={outcome.problem} testId="restore-outcome-error" />}
      {outcome?.status === 'loaded' && <RestoreResult outcome={outcome.value} />}
    </JobPanel>
  );
}
