/**
 * Mirrors the boot state onto <html data-app-state="…"> so end-to-end tests
 * wait for 'ready' (or 'error') instead of sleeping.
 */
import type { BarkeepStore } from '../store/barkeep-store';

export function markAppState(store: BarkeepStore): () => void {
  const root = document.documentElement;
  root.dataset.appState = store.getState().bootState;
  return store.subscribe((state, previous) => {
    if (state.bootState !== previous.bootState) root.dataset.appState = state.bootState;
  });
}
