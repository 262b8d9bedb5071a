/**
 * A failed job's error as the engine words it: the message with its code,
 * and the hint (what the person can do) as its own line.
 */
import type { ErrorPayload } from '../../../shared/errors';

export function JobError({ error, testId }: { error: ErrorPayload; testId: string }) {
  return (
    <div className="job-error" data-testid={testId} data-code={error.code}>
      <p>
        {error.message} <code className="error-code">{error.code}</code>
      </p>
      {error.hint !== undefined && <p className="hint">{error.hint}</p>}
    </div>
  );
}
