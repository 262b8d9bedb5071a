/**
 * The server's check results in its view: failing checks first with their
 * detail and the hint that says what to change, the passing ones folded
 * away, and "Run check", whose job's end refreshes the list.
 */
import type { CheckResult } from '../../../shared/domain/server';
import { useBarkeep } from '../../app/store-context';
import { useNow } from '../../app/use-now';
import { formatAge } from './backup-age';

export function CheckResults({ server }: { server: string }) {
  const loadable = useBarkeep((state) => state.checkResults[server]);
  const checkServer = useBarkeep((state) => state.checkServer);
  const checkJobId = useBarkeep((state) => state.checkJobs[server]);
  const checkJobState = useBarkeep((state) => (checkJobId === undefined ? undefined : state.jobsById[checkJobId]?.state));
  const checking = checkJobState === 'queued' || checkJobState === 'running';
  const now = useNow();
  const results = loadable?.value ?? null;
  const failing = results?.filter((result) => !result.ok) ?? [];
  const passing = results?.filter((result) => result.ok) ?? [];
  const checkedAt = results?.reduce<string | null>((latest, result) => (latest === null || result.checkedAt > latest ? result.checkedAt : latest), null) ?? null;

  return (
    <section className="panel checks-panel" aria-labelledby="checks-title" data-testid="checks-section">
      <div className="panel-head">
        <h2 id="checks-title">Checks</h2>
        {results !== null && results.length > 0 && (
          <span className="muted" title={checkedAt ?? undefined}>
            {failing.length === 0 ? `all ${passing.length} OK` : `${failing.length} failing of ${results.length}`} · checked {formatAge(checkedAt, now)}
          </span>
        )}
        <button
          type="button"
          className="button button-small panel-head-action"
          onClick={() => void checkServer(server)}
          disabled={checking}
          data-testid="run-check"
        >
          {checking ? 'Checking…' : 'Run check'}
        </button>
      </div>
      {loadable?.status === 'failed' && (
        <div className="job-error" role="alert">
          <p>{loadable.problem.message}</p>
          {loadable.problem.hint !== undefined && <p className="hint">{loadable.problem.hint}</p>}
        </div>
      )}
      {results === null && loadable?.status !== 'failed' && <p className="loading">Reading the checks…</p>}
      {results !== null && results.length === 0 && (
        <p className="muted" data-testid="checks-none">
          No check has run yet: &ldquo;Run check&rdquo; tests the connection, WAL archiving, backups and disk space.
        </p>
      )}
      {failing.length > 0 && (
        <ul className="check-list" data-testid="checks-failing">
          {failing.map((result) => <CheckLine key={result.name} result={result} />)}
        </ul>
      )}
      {passing.length > 0 && (
        <details className="checks-passing" data-testid="checks-passing">
          <summary>
            {passing.length} check{passing.length === 1 ? '' : 's'} passed
          </summary>
          <ul className="check-list">
            {passing.map((result) => <CheckLine key={result.name} result={result} />)}
          </ul>
        </details>
      )}
    </section>
  );
}

function CheckLine({ result }: { result: CheckResult }) {
  const tone = result.ok ? 'ok' : result.severity;
  return (
    <li className={`check-line check-${tone}`} data-testid={`check-result-${result.name.replaceAll(' ', '-')}`} data-ok={String(result.ok)}>
      <span className="check-mark" aria-hidden="true" />
      <span className="check-name">{result.name}</span>
      <span className="check-verdict">{result.ok ? 'OK' : result.severity === 'critical' ? 'FAILED' : 'WARNING'}</span>
      {result.detail !== '' && <span className="check-detail">{result.detail}</span>}
      {!result.ok && result.hint !== null && <span className="hint check-hint">{result.hint}</span>}
    </li>
  );
}
