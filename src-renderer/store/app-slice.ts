/**
 * The app slice: startup (app:info plus the first servers:list; then jobs and disk), app:info
 * again when the configuration may have changed (its warnings follow edits of the files), the
 * fatal error that replaces the views, and the state of the event connection.
 * It owns nothing per-server or per-job.
 */
import type { ConfigWarning } from '../../shared/domain/server';
import type { AppInfo } from '../../shared/ipc/contract';
import type { ConnectionState } from '../app/transport/renderer-transport';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRun } from './coalesced-run';
import { describeError, type Problem } from './describe-error';

export type BootState = 'loading' | 'ready' | 'error';

export interface AppSlice {
  bootState: BootState;
  fatalProblem: Problem | null;
  info: AppInfo | null;
  transportKind: 'electron' | 'http';
  connection: ConnectionState;
  boot(): Promise<void>;
  /** Reads app:info again; a set of configuration warnings other than the one shown shows again, even if that one was dismissed. */
  refreshInfo(): Promise<void>;
  failFatally(problem: Problem): void;
  setConnection(connection: ConnectionState): void;
  /** After events were missed (a dropped socket), refetch everything events would have told us. */
  resync(): void;
}

/** Two warning lists are the same set when they name the same problems in the same order. */
export function sameWarnings(a: readonly ConfigWarning[], b: readonly ConfigWarning[]): boolean {
  return a.length === b.length && a.every((warning, index) => {
    const other = b[index]!;
    return warning.file === other.file && warning.line === other.line && warning.option === other.option && warning.message === other.message;
  });
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

    refreshInfo: coalescedRun(async () => {
      try {
        const info = await client.invoke('app:info', {});
        const shown = get().info?.warnings ?? [];
        set(sameWarnings(shown, info.warnings) ? { info } : { info, warningsDismissed: false });
      } catch (error) {
        get().reportError(error, 'read the configuration warnings');
      }
    }),

    failFatally(problem) {
      set({ bootState: 'error', fatalProblem: problem });
    },

    setConnection(connection) {
      set({ connection });
    },

    resync() {
      void get().refreshInfo();
      void get().refreshServers();
      void get().refreshJobs();
      void get().refreshDisk();
      get().refreshOpenServer();
      const composing = get().restoreDraft.server;
      if (composing !== null) void get().refreshRestorePoints(composing);
    },
  });
