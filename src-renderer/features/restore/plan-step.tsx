/**
 * Step 3 of the composer: the plan the engine made of the choices so far, as
 * `barkeep restore` would follow it: the backup it starts from, the WAL range,
 * the bytes to copy and the time it should take, its warnings; or its refusal,
 * in the engine's own words with the hint. While a new plan comes (from the
 * first edit on, not only once it is asked for) the last one stays, marked
 * "planning…".
 */
import { useId } from 'react';
import type { RestorePlanView } from '../../../shared/domain/restore';
import { useBarkeep } from '../../app/store-context';
import type { Problem } from '../../store/describe-error';
import { selectPlanPending } from '../../store/restore-draft-slice';
import { formatTimestamp } from '../backups/backup-format';
import { formatBytes } from '../jobs/job-format';
import { describeEstimate } from './restore-words';

export function PlanStep() {
  const plan = useBarkeep((state) => state.restorePlan);
  const pending = useBarkeep(selectPlanPending);
  const id = useId();
  const view = plan.status === 'loaded' || plan.status === 'loading' ? plan.value : null;
  const planning = pending || plan.status === 'loading';
  return (
    <section className="panel restore-step" aria-labelledby={`${id}-title`} aria-busy={planning} data-testid="restore-step-plan" data-plan-state={plan.status}>
      <h2 id={`${id}-title`} className="step-title">
        <span className="step-number" aria-hidden="true">3</span>Plan
        {planning && <span className="muted step-status">planning…</span>}
      </h2>
      {plan.status === 'incomplete' && <p className="muted" data-testid="plan-missing">{plan.missing}</p>}
      {plan.status === 'failed' && <Refusal problem={plan.problem} testId="plan-refusal" />}
      {view !== null && plan.status !== 'failed' && <PlanFacts view={view} />}
    </section>
  );
}

function PlanFacts({ view }: { view: RestorePlanView }) {
  const { backup, wal } = view;
  return (
    <>
      <dl className="plan-facts" data-testid="plan-facts">
        <div className="fact">
          <dt>Backup</dt>
          <dd>
            <span className="mono" data-testid="plan-backup">{backup.backupId}</span>
            {backup.name !== null && <span> ({backup.name})</span>}
            <span className="muted"> · {backup.chosen ? 'as chosen' : 'the newest that ends before the target'}</span>
            <div className="muted">ended {formatTimestamp(backup.endTime)} at LSN <span className="mono">{backup.endLsn ?? '—'}</span>, timeline {backup.timeline ?? '—'}</div>
          </dd>
        </div>
        <div className="fact">
          <dt>Target</dt>
          <dd data-testid="plan-target">{view.targetDescription}<div className="muted">on timeline {view.targetTimeline}</div></dd>
        </div>
        <div className="fact">
          <dt>WAL</dt>
          <dd data-testid="plan-wal">
            {wal.segments} segment{wal.segments === 1 ? '' : 's'}
            {wal.first !== null && <div className="mono wal-range">{wal.first}{wal.last !== wal.first && <> … {wal.last}</>}</div>}
            {wal.historyFiles.length > 0 && <div className="muted">and {wal.historyFiles.join(', ')}</div>}
          </dd>
        </div>
        <div className="fact">
          <dt>To copy</dt>
          <dd data-testid="plan-bytes">
            {formatBytes(view.bytesToCopy)}
            <div className="muted">data {formatBytes(view.dataBytes)}, WAL {formatBytes(view.walBytes)}</div>
          </dd>
        </div>
        <div className="fact">
          <dt>Estimated time</dt>
          <dd data-testid="plan-estimate">
            {describeEstimate(view.estimatedSeconds)}
            <div className="muted">at {formatBytes(view.throughput.bytesPerSecond)}/s {view.throughput.source === 'measured' ? `(${view.throughput.basis})` : `(assumed; ${view.throughput.basis})`}</div>
          </dd>
        </div>
      </dl>
      {view.warnings.length > 0 && (
        <ul className="plan-warnings" data-testid="plan-warnings">
          {view.warnings.map((warning) => <li key={warning}><strong>Warning:</strong> {warning}</li>)}
        </ul>
      )}
    </>
  );
}

/** An engine refusal as the engine words it: message, code, hint. */
export function Refusal({ problem, testId }: { problem: Problem; testId: string }) {
  return (
    <div className="job-error refusal" role="alert" data-testid={testId} data-code={problem.code}>
      <p>
        <span data-testid={`${testId}-message`}>{problem.message}</span> <code className="error-code">{problem.code}</code>
      </p>
      {problem.hint !== undefined && <p className="hint" data-testid={`${testId}-hint`}>{problem.hint}</p>}
    </div>
  );
}
