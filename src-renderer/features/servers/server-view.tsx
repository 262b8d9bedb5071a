/**
 * One server's own view (#/servers/NAME): its health and facts, the check
 * results with "Run check", the backups table with its actions, and the WAL
 * coverage bar. Opening it tells the store which server's invalidations to
 * follow; leaving it stops that.
 */
import { useEffect } from 'react';
import { hrefFor } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import { BackupsSection } from '../backups/backups-section';
import { CoverageSection } from '../wal/coverage-section';
import { CheckResults } from './check-results';
import { HealthBadge } from './health-badge';
import { hrefForServerEditor } from './server-editor-route';

export function ServerView({ name }: { name: string }) {
  const summary = useBarkeep((state) => state.servers.find((server) => server.name === name));
  const serversLoaded = useBarkeep((state) => state.serversLoaded);
  const openServerView = useBarkeep((state) => state.openServerView);
  const closeServerView = useBarkeep((state) => state.closeServerView);
  const known = summary !== undefined;

  useEffect(() => {
    if (!known) return;
    openServerView(name);
    return () => closeServerView(name);
  }, [name, known, openServerView, closeServerView]);

  if (!known) {
    return (
      <section className="view" data-testid="view-server-unknown">
        <Breadcrumb name={name} />
        <div className="view-head">
          <h1 tabIndex={-1}>{name}</h1>
        </div>
        <div className="panel empty">
          <p>{serversLoaded ? `No server named “${name}” is configured.` : 'Reading the servers…'}</p>
          <a href={hrefFor('servers')}>All servers</a>
        </div>
      </section>
    );
  }

  return (
    <section className="view server-view" data-testid="view-server" data-server={name}>
      <Breadcrumb name={name} />
      <div className="view-head">
        <h1 tabIndex={-1} className="mono">{name}</h1>
        <HealthBadge health={summary.health} testId="server-view-health" />
        {summary.isSandbox && <span className="tag tag-sandbox">sandbox</span>}
        {!summary.active && <span className="tag tag-inactive">inactive</span>}
        <a className="button button-small view-action" href={hrefForServerEditor(name)} data-testid="edit-server">
          Edit
        </a>
      </div>
      <dl className="server-facts">
        {summary.description !== '' && <div className="fact"><dt>Description</dt><dd>{summary.description}</dd></div>}
        <div className="fact"><dt>Method</dt><dd>{summary.backupMethod}</dd></div>
        <div className="fact"><dt>PostgreSQL</dt><dd>{summary.pgVersion ?? 'not known yet'}</dd></div>
        <div className="fact"><dt>System id</dt><dd className="mono">{summary.systemId ?? 'not known yet'}</dd></div>
        <div className="fact fact-wide"><dt>conninfo</dt><dd className="mono" title={`from ${summary.configFile}`}>{summary.conninfo}</dd></div>
      </dl>
      <CheckResults server={name} />
      <BackupsSection server={name} />
      <CoverageSection server={name} />
    </section>
  );
}

function Breadcrumb({ name }: { name: string }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <a href={hrefFor('servers')}>Servers</a>
      <span aria-hidden="true"> / </span>
      <span aria-current="page">{name}</span>
    </nav>
  );
}
