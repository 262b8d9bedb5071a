/**
 * The app frame: header, navigation, the current view, and toasts. While
 * starting it shows a loading panel; after a fatal error, the error instead of
 * the view. Moves focus to the view's heading when the person navigates.
 */
import { useEffect, useRef } from 'react';
import { BackupsView } from '../features/backups/backups-view';
import { DiskView } from '../features/disk/disk-view';
import { JobsView } from '../features/jobs/jobs-view';
import { RestoreView } from '../features/restore/restore-view';
import { ServersView } from '../features/servers/servers-view';
import { AppHeader } from './app-header';
import { AppNav } from './app-nav';
import { FatalError } from './fatal-error';
import { useRoute, type RouteId } from './hash-route';
import { useBarkeep } from './store-context';
import { ToastStack } from './toast-stack';

export function App() {
  const route = useRoute();
  const bootState = useBarkeep((state) => state.bootState);
  const main = useRef<HTMLElement>(null);
  const previousRoute = useRef(route);

  useEffect(() => {
    if (previousRoute.current === route) return;
    previousRoute.current = route;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  return (
    <div className="app">
      <AppHeader />
      <AppNav current={route} />
      <main ref={main} className="app-main" aria-busy={bootState === 'loading'}>
        {bootState === 'error' && <FatalError />}
        {bootState === 'loading' && <p className="loading">Loading Barkeep…</p>}
        {bootState === 'ready' && <CurrentView route={route} />}
      </main>
      <ToastStack />
    </div>
  );
}

function CurrentView({ route }: { route: RouteId }) {
  switch (route) {
    case 'servers':
      return <ServersView />;
    case 'backups':
      return <BackupsView />;
    case 'disk':
      return <DiskView />;
    case 'restore':
      return <RestoreView />;
    case 'jobs':
      return <JobsView />;
  }
}
