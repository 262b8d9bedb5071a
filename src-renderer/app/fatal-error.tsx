/**
 * Shown instead of the views when Barkeep cannot start or this page lost its
 * right to talk to the serve host: what failed, why, and what to do.
 */
import { useBarkeep } from './store-context';

export function FatalError() {
  const problem = useBarkeep((state) => state.fatalProblem);
  const boot = useBarkeep((state) => state.boot);
  if (problem === null) return null;
  return (
    <section className="panel fatal" role="alert" data-testid="app-error" data-error-code={problem.code}>
      <h1>{problem.code === 'unauthorized' ? 'This page cannot reach Barkeep' : problem.title}</h1>
      <p className="fatal-message">{problem.message}</p>
      {problem.hint !== undefined && <p className="hint">{problem.hint}</p>}
      <p>
        <code className="error-code">{problem.code}</code>
      </p>
      <button type="button" className="button" onClick={() => void boot()}>
        Try again
      </button>
    </section>
  );
}
