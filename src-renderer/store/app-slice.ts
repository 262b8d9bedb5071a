/**
 * The app slice: startup (app:info plus the first servers:list; then jobs and disk), the fatal
 * error that replaces the views, and the state of the event connection.
 * It owns nothing per-server or per-job.
 */
import type { AppInfo } from '../../shared/ipc/contract';
import type { ConnectionState } from '../app/transport/renderer-transport';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { describeError, type Problem } from './describe-error';

export type BootState = 'loading' | 'ready' | 'error';

export interface AppSlice {
  bootState: BootState;
  fatalProblem: Problem | null;
  info: AppInfo | null;
  transportKind: 'electron' | 'http';
  connection: ConnectionState;
  boot(): Promise<void>;
  failFatally(problem: Problem): void;
  setConnection(connection: ConnectionState): void;
  /** After events were missed (a dropped socket), refetch everything events would have told us. */
  resync(): void;
}

export const createAppSlice =
  ({ client, transportKind }: StoreDeps): SliceCreator<AppSlice> =>
  (set, get) => ({
    bootState: 'loading',
    fatalProblem: null,
    info: null,
    transportKind,
    connection: 'connecting',

    async boot() {
      set({ bootState: 'loading', fatalProblem: null });
      try {
        const [info] = await Promise.all([client.invoke('app:info', {}), get().loadServers()]);
        set({ info, bootState: 'ready' });
      } catch (error) {
        get().failFatally(describeError(error, 'start Barkeep'));
        return;
      }
      void get().refreshJobs();
      // The disk banner belongs to every view; a failure here shows in the Disk view, not as a fatal error.
      void get().refreshDisk();
    },

    failFatally(problem) {
      set({ bootState: 'error', fatalProblem: problem });
    },

    setConnection(connection) {
      set({ connection });
    },

    resync() {
      void get().refreshServers();
      void get().refreshJobs();
      void get().refreshDisk();
      get().refreshOpenServer();
    },
  });
