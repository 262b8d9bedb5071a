/**
 * The Servers view: configuration warnings, then either the servers table
 * (with "Add server") or, when none is configured, the empty state that
 * offers the sandbox and the editor.
 */
import { useBarkeep } from '../../app/store-context';
import { ConfigWarnings } from './config-warnings';
import { EmptyServers } from './empty-servers';
import { hrefForNewServer } from './server-editor-route';
import { ServerTable } from './server-table';

export function ServersView() {
  const servers = useBarkeep((state) => state.servers);
  const refreshServers = useBarkeep((state) => state.refreshServers);
  return (
    <section className="view" data-testid="view-servers">
      <div className="view-head">
        <h1 tabIndex={-1}>Servers</h1>
        {servers.length > 0 && <span className="view-count">{servers.length}</span>}
        <button type="button" className="button button-small view-action" onClick={() => void refreshServers()}>
          Refresh
        </button>
        {servers.length > 0 && (
          <a className="button button-small button-primary" href={hrefForNewServer} data-testid="add-server">
            Add server
          </a>
        )}
      </div>
      <ConfigWarnings />
      {servers.length === 0 ? <EmptyServers /> : <ServerTable servers={servers} />}
    </section>
  );
}
