/**
 * The renderer's one zustand store, made of slices (app, servers, server view, disk, jobs, ui, restore draft, restore points, server editor).
 * Slices get the contract client at creation; they never see a transport.
 * Components select one value at a time; event handlers call actions via getState().
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand';
import type { BarkeepClient } from '../../shared/ipc/client';
import { createAppSlice, type AppSlice } from './app-slice';
import { createDiskSlice, type DiskSlice } from './disk-slice';
import { createJobsSlice, type JobsSlice } from './jobs-slice';
import { createRestoreDraftSlice, type RestoreDraftSlice } from './restore-draft-slice';
import { createRestorePointsSlice, type RestorePointsSlice } from './restore-points-slice';
import { createServerEditorSlice, type ServerEditorSlice } from './server-editor-slice';
import { createServerViewSlice, type ServerViewSlice } from './server-view-slice';
import { createServersSlice, type ServersSlice } from './servers-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type BarkeepState = AppSlice & ServersSlice & ServerViewSlice & DiskSlice & JobsSlice & UiSlice & RestoreDraftSlice & RestorePointsSlice & ServerEditorSlice;
export type BarkeepStore = StoreApi<BarkeepState>;
export type SliceCreator<Slice> = StateCreator<BarkeepState, [], [], Slice>;

export interface StoreDeps {
  client: BarkeepClient;
  transportKind: 'electron' | 'http';
}

export function createBarkeepStore(deps: StoreDeps): BarkeepStore {
  return createStore<BarkeepState>()((...args) => ({
    ...createAppSlice(deps)(...args),
    ...createServersSlice(deps)(...args),
    ...createServerViewSlice(deps)(...args),
    ...createDiskSlice(deps)(...args),
    ...createJobsSlice(deps)(...args),
    ...createUiSlice()(...args),
    ...createRestoreDraftSlice(deps)(...args),
    ...createRestorePointsSlice(deps)(...args),
    ...createServerEditorSlice(deps)(...args),
  }));
}
