/**
 * A job's state as a badge: the word and a mark whose shape differs per state
 * (styles.css), so the state reads without colour. Used wherever a job shows.
 */
import type { JobState } from '../../../shared/domain/job';

export function JobStateBadge({ state, testId }: { state: JobState; testId?: string }) {
  return (
    <span className={`badge job-state job-state-${state}`} data-testid={testId}>
      <span className="job-state-mark" aria-hidden="true" />
      {state}
    </span>
  );
}
