/**
 * The app frame: header, the disk banner (while a volume is past a threshold),
 * navigation, the current view, and toasts. While
 * starting it shows a loading panel; after a fatal error, the error instead of
 * the view. Moves focus to the view's heading when the person navigates
 * (to another view, or to another server's view).
 */
import { useEffect, useRef } from 'react';
import { BackupsView } from '../features/backups/backups-view';
import { DiskBanner } from '../features/disk/disk-banner';
import { DiskView } from '../features/disk/disk-view';
import { JobsView } from '../features/jobs/jobs-view';
import { RestoreView } from '../features/restore/restore-view';
import { ServerEditorView } from '../features/servers/server-editor';
import { editorTargetFromKey, useEditorTargetKey } from '../features/servers/server-editor-route';
import { ServerView } from '../features/servers/server-view';
import { ServersView } from '../features/servers/servers-view';
import { AppHeader } from './app-header';
import { AppNav } from './app-nav';
import { FatalError } from './fatal-error';
import { useRoute, useRouteServer, type RouteId } from './hash-route';
import { useBarkeep } from './store-context';
import { ToastStack } from './toast-stack';

export function App() {
  const route = useRoute();
  const server = useRouteServer();
  const editorKey = useEditorTargetKey();
  const bootState = useBarkeep((state) => state.bootState);
  const main = useRef<HTMLElement>(null);
  const place = `${route}/${server ?? ''}/${editorKey}`;
  const previousPlace = useRef(place);

  useEffect(() => {
    if (previousPlace.current === place) return;
    previousPlace.current = place;
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [place]);

  return (
    <div className="app">
      <AppHeader />
      {bootState === 'ready' && <DiskBanner />}
      <AppNav current={route} />
      <main ref={main} className="app-main" aria-busy={bootState === 'loading'}>
        {bootState === 'error' && <FatalError />}
        {bootState === 'loading' && <p className="loading">Loading Barkeep…</p>}
        {bootState === 'ready' && <CurrentView route={route} server={server} editorKey={editorKey} />}
      </main>
      <ToastStack />
    </div>
  );
}

function CurrentView({ route, server, editorKey }: { route: RouteId; server: string | null; editorKey: string }) {
  const editor = editorTargetFromKey(editorKey);
  switch (route) {
    case 'servers':
      if (editor !== null) return <ServerEditorView key={editorKey} target={editor} />;
      return server === null ? <ServersView /> : <ServerView key={server} name={server} />;
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
