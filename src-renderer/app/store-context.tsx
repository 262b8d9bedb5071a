/**
 * Hands the one store to components. useBarkeep selects a single value;
 * pass a selector wrapped in useShallow for derived lists.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { BarkeepState, BarkeepStore } from '../store/barkeep-store';

const StoreContext = createContext<BarkeepStore | null>(null);

export function StoreProvider({ store, children }: { store: BarkeepStore; children: ReactNode }) {
  return <StoreContext value={store}>{children}</StoreContext>;
}

export function useBarkeep<Selected>(selector: (state: BarkeepState) => Selected): Selected {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useBarkeep needs a StoreProvider above it');
  return useStore(store, selector);
}
