/**
 * The result of a finished restore or drill. A restore: where it went, what
 * recovery will reach and what it does there, and how to start the copy. A
 * drill: passed or failed, where recovery stopped, and each validation query
 * with the rows it returned on the restored copy.
 */
import type { RestoreOutcome } from '../../../shared/domain/restore';
import { formatTimestamp } from '../backups/backup-format';
import { formatBytes } from '../jobs/job-format';
import { Refusal } from './plan-step';

type RestoreResultOutcome = Extract<RestoreOutcome, { kind: 'restore' }>;
type DrillResultOutcome = Extract<RestoreOutcome, { kind: 'drill' }>;

const actionWords = {
  pause: 'pauses there, read-only, until you promote it (select pg_promote())',
  promote: 'promotes there and opens for writes on a new timeline',
  shutdown: 'shuts down there; start it again to use it',
} as const;

export function RestoreResult({ outcome }: { outcome: RestoreOutcome }) {
  return outcome.kind === 'restore' ? <RestoreDone outcome={outcome} /> : <DrillDone outcome={outcome} />;
}

function RestoreDone({ outcome }: { outcome: RestoreResultOutcome }) {
  return (
    <div className="restore-result" data-testid="restore-result">
      <p className="result-head">
        Restored backup <span className="mono">{outcome.backupId}</span> of <span className="mono">{outcome.server}</span> into{' '}
        <strong className="mono" data-testid="restore-result-dest">{outcome.dest}</strong>
        {outcome.host !== null && <> on <strong className="mono">{outcome.host}</strong></>}: {formatBytes(outcome.copiedBytes)}, {outcome.walFiles} WAL
        file{outcome.walFiles === 1 ? '' : 's'}, in {outcome.durationSeconds.toFixed(1)} s.
      </p>
      <p data-testid="restore-result-target">
        When it starts, recovery replays WAL up to <strong>{outcome.targetDescription}</strong>
        {outcome.action === null ? ', then ends recovery and opens for writes.' : <>, then {actionWords[outcome.action]}.</>}
      </p>
      <p className="cli-label">
        Check <span className="mono">port</span> and <span className="mono">listen_addresses</span> in its postgresql.conf (it is a copy of the original’s), then start it as the cluster’s owner:
      </p>
      <pre className="code-block" data-testid="restore-result-start">{outcome.startCommand}</pre>
    </div>
  );
}

function DrillDone({ outcome }: { outcome: DrillResultOutcome }) {
  return (
    <div className={`restore-result drill-result drill-${outcome.ok ? 'passed' : 'failed'}`} data-testid="drill-result" data-ok={String(outcome.ok)}>
      <p className="result-head">
        <span className={`badge ${outcome.ok ? 'health-ok' : 'health-failed'}`}>{outcome.ok ? 'PASSED' : 'FAILED'}</span>{' '}
        Drill of backup <span className="mono">{outcome.backupId ?? '—'}</span> to {outcome.target}, in {outcome.durationSeconds.toFixed(1)} s
        ({formatBytes(outcome.copiedBytes)}, {outcome.walSegments} WAL segment{outcome.walSegments === 1 ? '' : 's'}).
      </p>
      {outcome.reachedState !== null && (
        <p data-testid="drill-reached">
          Recovery {outcome.reachedState} at LSN <span className="mono">{outcome.reachedLsn ?? '—'}</span>
          {outcome.timeline !== null && <>, now on timeline {outcome.timeline}</>}; the last replayed transaction committed{' '}
          {outcome.reachedTime === null ? 'before the backup ended (none replayed)' : formatTimestamp(outcome.reachedTime)}.
        </p>
      )}
      {outcome.validation.length > 0 && (
        <table className="data-table validation-table" data-testid="drill-validation">
          <caption>Validation on the restored copy</caption>
          <thead>
            <tr><th scope="col">Database</th><th scope="col">Query</th><th scope="col">Result</th></tr>
          </thead>
          <tbody>
            {outcome.validation.map((result, index) => (
              <tr key={`${result.database}-${index}`} data-testid="drill-validation-row">
                <th scope="row" className="mono">{result.database}</th>
                <td className="mono validation-query">{result.query}</td>
                <td className="mono">{describeRows(result.rows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {outcome.error !== null && <Refusal problem={{ title: 'The drill failed', ...outcome.error }} testId="drill-error" />}
      <p className="muted">The temporary cluster was stopped and its folder deleted; the result is kept with the server’s drills.</p>
    </div>
  );
}

/** One row as `column=value …`; several rows by count, the first shown. */
function describeRows(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return 'no rows';
  const first = Object.entries(rows[0]!).map(([key, value]) => `${key}=${value === null ? 'null' : String(value)}`).join(' ');
  return rows.length === 1 ? first : `${rows.length} rows; first: ${first}`;
}
