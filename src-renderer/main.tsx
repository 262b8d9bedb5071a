/**
 * The renderer's entry: picks the door (Electron bridge or serve host), builds
 * the contract client and the store, wires pushed events, renders the app and
 * starts it. The composition root; nothing else creates a client or a store.
 */
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import iconUrl from '../assets/icon.svg';
import { createClient } from '../shared/ipc/client';
import { App } from './app/app';
import { markAppState } from './app/app-state-marker';
import { wireEvents } from './app/event-wiring';
import { StoreProvider } from './app/store-context';
import { pickTransport } from './app/transport/pick-transport';
import { createBarkeepStore } from './store/barkeep-store';

const transport = pickTransport();
const client = createClient(transport);
const store = createBarkeepStore({ client, transportKind: transport.kind });

markAppState(store);
wireEvents(store, client, transport);
document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.setAttribute('href', iconUrl);

const rootElement = document.getElementById('root');
if (rootElement === null) throw new Error('index.html has no #root element');
createRoot(rootElement).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

void store.getState().boot();
