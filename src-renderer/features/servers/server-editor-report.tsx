/**
 * What "Test connection" found, step by step (PostgreSQL, replication, SSH):
 * what was reached or the error with its hint. Says so when the form changed
 * after the test, since the result then speaks of other settings.
 */
import type { ConnectionTestReport, TestStep } from '../../../shared/domain/server-editor';
import type { Problem } from '../../store/describe-error';

export type TestState =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; report: ConnectionTestReport; stale: boolean }
  | { status: 'failed'; problem: Problem };

const stepNames: Record<TestStep['step'], string> = { postgres: 'PostgreSQL', replication: 'Replication', ssh: 'SSH' };

export function TestReport({ state }: { state: TestState }) {
  if (state.status === 'idle') return null;
  if (state.status === 'running') {
    return <p className="editor-test editor-test-running" role="status" data-testid="editor-test-report" data-state="running">Testing the connection…</p>;
  }
  if (state.status === 'failed') {
    return (
      <div className="editor-test editor-test-bad" role="alert" data-testid="editor-test-report" data-state="error">
        <p><strong>{state.problem.title}</strong>: {state.problem.message}</p>
        {state.problem.hint !== undefined && <p className="hint">{state.problem.hint}</p>}
      </div>
    );
  }
  const { report, stale } = state;
  const verdict = report.fieldErrors.length > 0 ? 'invalid' : report.ok ? 'ok' : 'failed';
  return (
    <section className={`editor-test editor-test-${verdict === 'ok' ? 'good' : 'bad'}`} role="status" aria-label="Connection test" data-testid="editor-test-report" data-state={verdict} data-stale={stale}>
      <p className="editor-test-verdict">
        {verdict === 'invalid' && `Not tested: ${report.fieldErrors.length === 1 ? 'a field needs' : `${report.fieldErrors.length} fields need`} correcting first.`}
        {verdict === 'ok' && 'Connection OK.'}
        {verdict === 'failed' && 'The connection test failed.'}
        {stale && <span className="muted"> The form changed since; test again.</span>}
      </p>
      {report.steps.length > 0 && (
        <ul className="editor-steps">
          {report.steps.map((step) => (
            <li key={step.step} className={`editor-step ${step.ok ? 'step-ok' : 'step-bad'}`} data-testid={`editor-step-${step.step}`} data-ok={step.ok}>
              <span className="step-mark" aria-hidden="true">{step.ok ? '✓' : '✕'}</span>
              <span className="step-name">{stepNames[step.step]}</span>
              <span className="step-target mono">{step.target}</span>
              <span className="step-detail">{step.ok ? step.detail : <><span className="visually-hidden">failed: </span>{step.detail}</>}</span>
              {step.hint !== null && <span className="step-hint hint">{step.hint}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
