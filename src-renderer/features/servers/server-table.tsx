/**
 * The servers table: one row per configured server with its health (naming
 * the failing checks), PostgreSQL facts, last backup, WAL arrival and archiver
 * state, a small disk gauge, the last restore drill, and Check and Probe
 * buttons whose results show in the row. The server's name links to its own
 * view, and a click anywhere else on the row (not on a button) opens it too.
 * Each row selects its own probe state, so probing one re-renders one row.
 */
import type { MouseEvent } from 'react';
import type { ServerSummary } from '../../../shared/domain/server';
import { hrefForServer } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import { useNow } from '../../app/use-now';
import { ServerActivity } from './server-activity';
import { formatAge } from './backup-age';
import { HealthBadge } from './health-badge';
import { ProbeResult } from './probe-result';

export function ServerTable({ servers }: { servers: readonly ServerSummary[] }) {
  const now = useNow();
  return (
    <div className="table-wrap">
      <table className="data-table server-table">
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Health</th>
            <th scope="col">Last backup</th>
            <th scope="col">WAL</th>
            <th scope="col">Disk</th>
            <th scope="col">Last drill</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {servers.map((server) => (
            <ServerRow key={server.name} server={server} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ServerRow({ server, now }: { server: ServerSummary; now: number }) {
  const probe = useBarkeep((state) => state.probes[server.name]);
  const probeServer = useBarkeep((state) => state.probeServer);
  const probing = probe?.status === 'running';
  const checkJobId = useBarkeep((state) => state.checkJobs[server.name]);
  const checkJobState = useBarkeep((state) => (checkJobId === undefined ? undefined : state.jobsById[checkJobId]?.state));
  const checking = checkJobState === 'queued' || checkJobState === 'running';
  const checkServer = useBarkeep((state) => state.checkServer);
  return (
    <tr data-testid={`server-row-${server.name}`} className={`server-row${server.active ? '' : ' inactive'}`} onClick={openFromRow(server.name)}>
      <th scope="row" className="server-cell">
        <div className="server-name">
          <a className="mono server-link" href={hrefForServer(server.name)} data-testid={`server-link-${server.name}`}>
            {server.name}
          </a>
          {server.isSandbox && (
            <span className="tag tag-sandbox" data-testid={`server-sandbox-${server.name}`}>
              sandbox
            </span>
          )}
          {!server.active && <span className="tag tag-inactive">inactive</span>}
        </div>
        {server.description !== '' && <div className="server-description">{server.description}</div>}
        <div className="server-facts-line">
          <span>PostgreSQL {server.pgVersion ?? <NotKnown />}</span>
          <span>
            system <span className="mono">{server.systemId ?? <NotKnown />}</span>
          </span>
          <span>method {server.backupMethod}</span>
        </div>
        <div className="conninfo mono" title={`conninfo from ${server.configFile}`}>
          {server.conninfo}
        </div>
      </th>
      <td className="health-cell">
        <HealthBadge health={server.health} testId={`server-health-${server.name}`} />
        <FailingChecks server={server} />
      </td>
      <td title={server.lastBackupAt ?? undefined} data-testid={`server-last-backup-${server.name}`}>
        <div>{formatAge(server.lastBackupAt, now)}</div>
        <div className="muted cell-note">
          {server.backupCount} backup{server.backupCount === 1 ? '' : 's'}
        </div>
      </td>
      <ServerActivity server={server} now={now} />
      <td className="probe-cell">
        <button
          type="button"
          className="button button-small"
          onClick={() => void checkServer(server.name)}
          disabled={checking}
          aria-label={`${checking ? 'Checking' : 'Check'} ${server.name}`}
          data-testid={`check-${server.name}`}
        >
          {checking ? 'Checking…' : 'Check'}
        </button>{' '}
        <button
          type="button"
          className="button button-small"
          onClick={() => void probeServer(server.name)}
          disabled={probing}
          aria-label={`${probing ? 'Probing' : 'Probe'} ${server.name}`}
          data-testid={`probe-${server.name}`}
        >
          {probing ? 'Probing…' : 'Probe'}
        </button>
        <ProbeResult probe={probe} testId={`probe-result-${server.name}`} />
      </td>
    </tr>
  );
}

/** A click on the row's free space opens the server; buttons, links and selected text keep their own meaning. */
function openFromRow(name: string) {
  return (event: MouseEvent<HTMLTableRowElement>): void => {
    if ((event.target as HTMLElement).closest('button, a') !== null) return;
    if (window.getSelection()?.toString()) return;
    window.location.hash = hrefForServer(name);
  };
}

/** The failing checks of the last run, by name; detail and hint on hover and for screen readers. */
function FailingChecks({ server }: { server: ServerSummary }) {
  if (server.failingChecks.length === 0) return null;
  return (
    <ul className="failing-checks" data-testid={`failing-checks-${server.name}`}>
      {server.failingChecks.map((check) => (
        <li key={check.name} className={`failing-check failing-${check.severity}`} title={check.hint === null ? check.detail : `${check.detail}\n${check.hint}`}>
          {check.name}
          <span className="visually-hidden">: {check.detail}{check.hint === null ? '' : `. ${check.hint}`}</span>
        </li>
      ))}
    </ul>
  );
}

function NotKnown() {
  return (
    <span className="muted nowrap" title="learnt the first time Barkeep reaches the server">
      not known
    </span>
  );
}
