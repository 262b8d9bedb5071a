/**
 * The server view's slice: for the open server, its check results, backups
 * table and WAL coverage (refetched on invalidation), the detail of backups
 * someone opened, and the actions on backups (backup now, verify, keep,
 * delete) with the jobs they started. Keyed by server, so a reply for a
 * server the person already left lands where it belongs and harms nothing.
 */
import type { KeepTarget } from '../../shared/domain/backup';
import type { BackupDetail, BackupList, DeletedBackup } from '../../shared/domain/backup-view';
import type { BackupId, JobId, ServerName } from '../../shared/domain/names';
import type { CheckResult } from '../../shared/domain/server';
import type { WalCoverageView } from '../../shared/domain/wal-coverage';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRunByKey } from './coalesced-run';
import { describeError, type Problem } from './describe-error';

/** A fetched value: the last good one stays shown while a refetch runs or after it failed. */
export type Loadable<T> =
  | { status: 'loading'; value: T | null }
  | { status: 'loaded'; value: T }
  | { status: 'failed'; value: T | null; problem: Problem };

export interface ServerViewSlice {
  /** the server whose view is open; invalidations for it refetch */
  openServer: string | null;
  checkResults: Partial<Record<string, Loadable<CheckResult[]>>>;
  backupLists: Partial<Record<string, Loadable<BackupList>>>;
  coverages: Partial<Record<string, Loadable<WalCoverageView>>>;
  /** by backupKey(server, id) */
  backupDetails: Partial<Record<string, Loadable<BackupDetail>>>;
  /** the last backup job started from this window, by server */
  backupJobs: Partial<Record<string, JobId>>;
  backupRequesting: Partial<Record<string, true>>;
  /** the last verify job of each backup, by backupKey */
  verifyJobs: Partial<Record<string, JobId>>;
  /** keep changes in flight, by backupKey */
  keepPending: Partial<Record<string, true>>;
  openServerView(server: string): void;
  closeServerView(server: string): void;
  refreshChecks(server: string): Promise<void>;
  refreshBackups(server: string): Promise<void>;
  refreshCoverage(server: string): Promise<void>;
  /** all three, for the open server (after an invalidation or a reconnect) */
  refreshOpenServer(topics?: ReadonlyArray<'checks' | 'backups' | 'wal'>): void;
  loadBackupDetail(server: string, backupId: BackupId): Promise<void>;
  startBackup(server: string): Promise<void>;
  verifyBackup(server: string, backupId: BackupId): Promise<void>;
  keepBackup(server: string, backupId: BackupId, target: KeepTarget | null): Promise<void>;
  /** never rejects: the problem comes back for the confirmation dialog to show */
  deleteBackup(server: string, backupId: BackupId): Promise<DeleteOutcome>;
}

export type DeleteOutcome = { ok: true; deleted: DeletedBackup } | { ok: false; problem: Problem };

export function backupKey(server: string, backupId: string): string {
  return `${server}/${backupId}`;
}

/** Names in the view come from servers:list and the address; the engine validates them again. */
const asServer = (name: string): ServerName => name as ServerName;

export const createServerViewSlice =
  ({ client }: StoreDeps): SliceCreator<ServerViewSlice> =>
  (set, get) => {
    /** Fetches into one keyed map; a failure keeps the last value and shows inline (unauthorized becomes fatal). */
    function fetchInto<K extends 'checkResults' | 'backupLists' | 'coverages' | 'backupDetails', T>(
      field: K,
      key: string,
      action: string,
      fetch: () => Promise<T>,
    ): Promise<void> {
      const write = (value: Loadable<T>): void => set((state) => ({ [field]: { ...state[field], [key]: value } }) as Partial<ServerViewSlice>);
      const previous = (): T | null => ((get()[field] as Partial<Record<string, Loadable<T>>>)[key]?.value ?? null);
      write({ status: 'loading', value: previous() });
      return fetch().then(
        (value) => write({ status: 'loaded', value }),
        (error: unknown) => {
          const problem = describeError(error, action);
          if (problem.code === 'unauthorized') get().failFatally(problem);
          write({ status: 'failed', value: previous(), problem });
        },
      );
    }

    const refreshChecks = coalescedRunByKey((server) =>
      fetchInto('checkResults', server, `read the checks of ${server}`, () => client.invoke('checks:list', { server: asServer(server) })));
    const refreshBackups = coalescedRunByKey((server) =>
      fetchInto('backupLists', server, `list the backups of ${server}`, () => client.invoke('backups:list', { server: asServer(server) })));
    const refreshCoverage = coalescedRunByKey((server) =>
      fetchInto('coverages', server, `read the WAL coverage of ${server}`, () => client.invoke('wal:coverage', { server: asServer(server) })));

    const setKeyed = <F extends 'backupJobs' | 'verifyJobs' | 'keepPending' | 'backupRequesting'>(field: F, key: string, value: ServerViewSlice[F][string]): void =>
      set((state) => {
        const next = { ...state[field] } as Record<string, unknown>;
        if (value === undefined) delete next[key];
        else next[key] = value;
        return { [field]: next } as Partial<ServerViewSlice>;
      });

    /** The job's queued event may have raced ahead of or behind the reply; make sure we hold it. */
    const holdJob = (jobId: JobId): void => {
      if (get().jobsById[jobId] === undefined) void get().refreshJobs();
    };

    return {
      openServer: null,
      checkResults: {},
      backupLists: {},
      coverages: {},
      backupDetails: {},
      backupJobs: {},
      backupRequesting: {},
      verifyJobs: {},
      keepPending: {},
      refreshChecks,
      refreshBackups,
      refreshCoverage,

      openServerView(server) {
        set({ openServer: server });
        void refreshChecks(server);
        void refreshBackups(server);
        void refreshCoverage(server);
      },

      closeServerView(server) {
        if (get().openServer === server) set({ openServer: null });
      },

      refreshOpenServer(topics = ['checks', 'backups', 'wal']) {
        const server = get().openServer;
        if (server === null) return;
        if (topics.includes('checks')) void refreshChecks(server);
        if (topics.includes('backups')) void refreshBackups(server);
        // A backup or a deletion moves the backups' ticks on the coverage bar too.
        if (topics.includes('wal') || topics.includes('backups')) void refreshCoverage(server);
      },

      loadBackupDetail(server, backupId) {
        return fetchInto('backupDetails', backupKey(server, backupId), `read backup ${backupId}`,
          () => client.invoke('backups:show', { server: asServer(server), backupId }));
      },

      async startBackup(server) {
        setKeyed('backupRequesting', server, true);
        try {
          const { jobId } = await client.invoke('backups:start', { server: asServer(server) });
          setKeyed('backupJobs', server, jobId);
          holdJob(jobId);
        } catch (error) {
          get().reportError(error, `start a backup of ${server}`);
        } finally {
          setKeyed('backupRequesting', server, undefined);
        }
      },

      async verifyBackup(server, backupId) {
        try {
          const { jobId } = await client.invoke('backups:verify', { server: asServer(server), backupId });
          setKeyed('verifyJobs', backupKey(server, backupId), jobId);
          holdJob(jobId);
        } catch (error) {
          get().reportError(error, `verify backup ${backupId}`);
        }
      },

      async keepBackup(server, backupId, target) {
        const key = backupKey(server, backupId);
        setKeyed('keepPending', key, true);
        try {
          const kept = await client.invoke('backups:keep', { server: asServer(server), backupId, target });
          get().notify(kept.keep === null ? 'Keep released' : 'Backup kept',
            kept.keep === null
              ? `Backup ${kept.backupId} is judged by the retention policy again.`
              : `Backup ${kept.backupId} is kept (${kept.keep}) outside the retention policy.`);
          await refreshBackups(server);
        } catch (error) {
          get().reportError(error, kept(target, backupId));
        } finally {
          setKeyed('keepPending', key, undefined);
        }
      },

      async deleteBackup(server, backupId) {
        try {
          const deleted = await client.invoke('backups:delete', { server: asServer(server), backupId });
          await refreshBackups(server);
          return { ok: true, deleted };
        } catch (error) {
          const problem = describeError(error, `delete backup ${backupId}`);
          if (problem.code === 'unauthorized') get().failFatally(problem);
          return { ok: false, problem };
        }
      },
    };
  };

function kept(target: KeepTarget | null, backupId: string): string {
  return target === null ? `release the keep of backup ${backupId}` : `keep backup ${backupId}`;
}
