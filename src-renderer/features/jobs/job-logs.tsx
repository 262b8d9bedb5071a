/**
 * The log lines of one job, fetched with jobs:logs when opened and extended
 * by live log events while open. The list follows new lines while it is
 * scrolled to its end (as `tail -f` does) and stays put while the person reads
 * further up, offering a jump to the newest line. It is a tab stop, so the
 * keyboard can scroll it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { formatClock } from './job-format';

/** Within this many pixels of the end counts as at the end (rounding, a half-visible line). */
const endSlackPx = 24;

export function JobLogs({ jobId, panelId, title }: { jobId: JobId; panelId: string; title: string }) {
  const logs = useBarkeep((state) => state.jobLogs[jobId]);
  const loadJobLogs = useBarkeep((state) => state.loadJobLogs);
  const lines = logs?.lines ?? [];
  const scroller = useRef<HTMLOListElement>(null);
  const [following, setFollowing] = useState(true);

  useEffect(() => {
    void loadJobLogs(jobId);
  }, [jobId, loadJobLogs]);

  // Before paint, so a followed list never shows a frame scrolled short of its new last line.
  useLayoutEffect(() => {
    const list = scroller.current;
    if (following && list !== null) list.scrollTop = list.scrollHeight;
  }, [lines.length, following]);

  const onScroll = (): void => {
    const list = scroller.current;
    if (list === null) return;
    setFollowing(list.scrollHeight - list.scrollTop - list.clientHeight <= endSlackPx);
  };

  return (
    <div className="job-logs" id={panelId} data-testid={`job-logs-${jobId}`} data-following={following}>
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
        <div role="log" aria-live="polite" aria-relevant="additions" className="log-frame">
          <ol className="log-lines" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={`Log of ${title}`} data-testid={`job-log-lines-${jobId}`}>
            {lines.map((line, index) => (
              <li key={index} className={`log-line log-${line.level}`}>
                <time dateTime={line.at}>{formatClock(line.at)}</time>
                <span className="log-level">{line.level}</span>
                <span className="log-message">{line.message}</span>
              </li>
            ))}
          </ol>
          {!following && (
            <button type="button" className="button button-small log-jump" onClick={() => setFollowing(true)} data-testid={`job-log-follow-${jobId}`}>
              Follow new lines
            </button>
          )}
        </div>
      )}
    </div>
  );
}
