/**
 * The Backups view: backups live in each server's own view, so this one
 * lists the servers with their backup count and last backup, each a link to
 * its backups table.
 */
import { hrefFor, hrefForServer } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import { useNow } from '../../app/use-now';
import { formatAge } from '../servers/backup-age';
import { HealthBadge } from '../servers/health-badge';

export function BackupsView() {
  const servers = useBarkeep((state) => state.servers);
  const now = useNow();
  return (
    <section className="view" data-testid="view-backups">
      <div className="view-head">
        <h1 tabIndex={-1}>Backups</h1>
      </div>
      {servers.length === 0 ? (
        <div className="panel empty">
          <p>No server is configured yet, so there is nothing to back up. <a href={hrefFor('servers')}>Add one, or create the sandbox</a>.</p>
        </div>
      ) : (
        <div className="panel">
          <p className="muted">Each server&apos;s backups, with their actions and its WAL coverage, are in the server&apos;s own view.</p>
          <ul className="backup-servers">
            {servers.map((server) => (
              <li key={server.name}>
                <a className="mono" href={hrefForServer(server.name)} data-testid={`backups-server-${server.name}`}>{server.name}</a>
                <HealthBadge health={server.health} />
                <span>{server.backupCount} complete backup{server.backupCount === 1 ? '' : 's'}</span>
                <span className="muted">last backup {formatAge(server.lastBackupAt, now)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
