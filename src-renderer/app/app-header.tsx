/**
 * The header: the Barkeep mark and name, the home folder from app:info, and
 * whether pushed events are flowing. It reads the store and changes nothing.
 */
import iconUrl from '../../assets/icon.svg';
import { useBarkeep } from './store-context';
import type { ConnectionState } from './transport/renderer-transport';

const connectionLabels: Record<ConnectionState, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
};

export function AppHeader() {
  const home = useBarkeep((state) => state.info?.home ?? null);
  const version = useBarkeep((state) => state.info?.version ?? null);
  return (
    <header className="app-header">
      <div className="brand">
        <img className="brand-mark" src={iconUrl} alt="" width={28} height={28} />
        <span className="brand-name">Barkeep</span>
        {version !== null && <span className="brand-version">{version}</span>}
      </div>
      <div className="header-home" data-testid="header-home">
        {home !== null && (
          <>
            <span className="header-label">Home</span>
            <code title={home}>{home}</code>
          </>
        )}
      </div>
      <ConnectionIndicator />
    </header>
  );
}

function ConnectionIndicator() {
  const connection = useBarkeep((state) => state.connection);
  const transportKind = useBarkeep((state) => state.transportKind);
  const unauthorized = useBarkeep((state) => state.fatalProblem?.code === 'unauthorized');
  const door = transportKind === 'electron' ? 'desktop' : 'serve host';
  const label = unauthorized ? 'No access' : connectionLabels[connection];
  const tone = unauthorized ? 'down' : connection;
  return (
    <div
      className={`connection connection-${tone}`}
      role="status"
      data-testid="connection-status"
      data-connection={unauthorized ? 'unauthorized' : connection}
      title={`Events from the ${door}: ${label.toLowerCase()}`}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span>{label}</span>
      <span className="connection-door">{door}</span>
    </div>
  );
}
