/**
 * The log lines of one job, fetched with jobs:logs when opened and extended
 * by live log events while open.
 */
import { useEffect } from 'react';
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { formatClock } from './job-format';

export function JobLogs({ jobId, panelId }: { jobId: JobId; panelId: string }) {
  const logs = useBarkeep((state) => state.jobLogs[jobId]);
  const loadJobLogs = useBarkeep((state) => state.loadJobLogs);
  const lines = logs?.lines ?? [];

  useEffect(() => {
    void loadJobLogs(jobId);
  }, [jobId, loadJobLogs]);

  return (
    <div className="job-logs" id={panelId} data-testid={`job-logs-${jobId}`}>
      {logs?.status === 'failed' && (
        <div className="job-error" role="alert">
          <p>{logs.problem.message}</p>
          {logs.problem.hint !== undefined && <p className="hint">{logs.problem.hint}</p>}
          <button type="button" className="button button-small" onClick={() => void loadJobLogs(jobId)}>
            Try again
          </button>
        </div>
      )}
      {lines.length === 0 && logs?.status !== 'failed' && (
        <p className="muted">{logs?.status === 'loaded' ? 'No log lines yet.' : 'Reading the log…'}</p>
      )}
      {lines.length > 0 && (
        <ol className="log-lines">
          {lines.map((line, index) => (
            <li key={index} className={`log-line log-${line.level}`}>
              <time dateTime={line.at}>{formatClock(line.at)}</time>
              <span className="log-level">{line.level}</span>
              <span className="log-message">{line.message}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
