/**
 * Cancel for an unfinished job (jobs:cancel). It says "Cancelling…" and stays
 * disabled from the click until the job's end arrives, so one click asks once.
 */
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';

export function JobCancelButton({ jobId, testId }: { jobId: JobId; testId: string }) {
  const cancelling = useBarkeep((state) => state.cancellingJobIds[jobId] === true);
  const cancelJob = useBarkeep((state) => state.cancelJob);
  return (
    <button type="button" className="button button-small button-danger" onClick={() => void cancelJob(jobId)} disabled={cancelling} data-testid={testId}>
      {cancelling ? 'Cancelling…' : 'Cancel'}
    </button>
  );
}
