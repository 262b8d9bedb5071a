/**
 * The server view's WAL coverage panel: a disclosure holding one coverage bar
 * per timeline (newest first), the legend, and what to do when nothing is
 * archived yet. Refetched when WAL arrives or backups change.
 */
import { useId, useState } from 'react';
import { useBarkeep } from '../../app/store-context';
import { formatBytes } from '../jobs/job-format';
import { formatTimestamp } from '../backups/backup-format';
import { CoverageBar } from './coverage-bar';

export function CoverageSection({ server }: { server: string }) {
  const loadable = useBarkeep((state) => state.coverages[server]);
  const refreshCoverage = useBarkeep((state) => state.refreshCoverage);
  const [open, setOpen] = useState(true);
  const bodyId = useId();
  const coverage = loadable?.value ?? null;

  return (
    <section className="panel coverage-panel" aria-labelledby={`${bodyId}-title`} data-testid="coverage-section">
      <div className="panel-head">
        <h2 id={`${bodyId}-title`}>
          <button type="button" className="disclosure" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((value) => !value)} data-testid="coverage-toggle">
            <span className="disclosure-mark" aria-hidden="true" />
            WAL coverage
          </button>
        </h2>
        {coverage !== null && (
          <span className="muted">
            {formatBytes(coverage.segmentSize)} segments · measured {formatTimestamp(coverage.at)}
          </span>
        )}
        <button type="button" className="button button-small panel-head-action" onClick={() => void refreshCoverage(server)}>
          Refresh
        </button>
      </div>
      {open && (
        <div id={bodyId} className="coverage-body" data-testid="coverage-body">
          {loadable?.status === 'failed' && (
            <div className="job-error" role="alert">
              <p>{loadable.problem.message}</p>
              {loadable.problem.hint !== undefined && <p className="hint">{loadable.problem.hint}</p>}
            </div>
          )}
          {coverage === null && loadable?.status !== 'failed' && <p className="loading">Reading the WAL archive…</p>}
          {coverage !== null && coverage.timelines.length === 0 && (
            <p className="muted" data-testid="coverage-empty">
              No WAL is archived and no backup is taken yet: nothing can be restored. Archiving starts with the streaming archiver
              (<code>barkeep receive-wal {server}</code>, or <code>barkeep serve</code>) or archive_command.
            </p>
          )}
          {coverage !== null && [...coverage.timelines].reverse().map((timeline) => <CoverageBar key={timeline.timeline} timeline={timeline} />)}
          {coverage !== null && coverage.timelines.length > 0 && <CoverageLegend />}
        </div>
      )}
    </section>
  );
}

function CoverageLegend() {
  return (
    <ul className="coverage-legend" aria-label="Legend">
      <li><span className="legend-swatch legend-recoverable" aria-hidden="true" />recoverable: a restore can stop anywhere here</li>
      <li><span className="legend-swatch legend-archived" aria-hidden="true" />archived, but no backup reaches it</li>
      <li><span className="legend-swatch legend-gap" aria-hidden="true" />gap: WAL missing</li>
      <li><span className="legend-tick" aria-hidden="true" />backup, from its begin to its end</li>
    </ul>
  );
}
