/**
 * The servers slice: the list from servers:list, per-server probe results, and
 * the sandbox-creation request. Lists are refetched on invalidation; a reply
 * older than one already applied is dropped.
 */
import type { JobId } from '../../shared/domain/names';
import type { ServerProbe, ServerSummary } from '../../shared/domain/server';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRun } from './coalesced-run';
import { describeError, type Problem } from './describe-error';

export type ProbeState =
  | { status: 'running' }
  | { status: 'done'; probe: ServerProbe }
  | { status: 'failed'; problem: Problem };

export interface ServersSlice {
  servers: ServerSummary[];
  serversLoaded: boolean;
  probes: Partial<Record<string, ProbeState>>;
  sandboxJobId: JobId | null;
  sandboxRequesting: boolean;
  /** Throws; used by boot, where a failure is fatal. */
  loadServers(): Promise<void>;
  /** Reports failures as toasts; bursts collapse into one refetch. */
  refreshServers(): Promise<void>;
  probeServer(name: string): Promise<void>;
  /** runs `check` as a job; the row's health updates when the job's invalidation arrives */
  checkServer(name: string): Promise<void>;
  /** servers whose check job is running, by name -> job id */
  checkJobs: Partial<Record<string, JobId>>;
  createSandbox(): Promise<void>;
}

export const createServersSlice =
  ({ client }: StoreDeps): SliceCreator<ServersSlice> =>
  (set, get) => {
    let lastRequested = 0;
    let lastApplied = 0;

    const loadServers = async (): Promise<void> => {
      const request = ++lastRequested;
      const servers = await client.invoke('servers:list', {});
      if (request < lastApplied) return;
      lastApplied = request;
      set({ servers, serversLoaded: true });
    };

    const refreshServers = coalescedRun(async () => {
      try {
        await loadServers();
      } catch (error) {
        get().reportError(error, 'refresh the list of servers');
      }
    });

    return {
      servers: [],
      serversLoaded: false,
      probes: {},
      sandboxJobId: null,
      sandboxRequesting: false,
      checkJobs: {},
      loadServers,
      refreshServers,

      async probeServer(name) {
        const setProbe = (probe: ProbeState): void =>
          set((state) => ({ probes: { ...state.probes, [name]: probe } }));
        setProbe({ status: 'running' });
        try {
          // The name comes from servers:list, so it already passed ServerName's schema there.
          const probe = await client.invoke('servers:probe', { server: name as ServerSummary['name'] });
          setProbe({ status: 'done', probe });
        } catch (error) {
          const problem = describeError(error, `probe ${name}`);
          if (problem.code === 'unauthorized') get().failFatally(problem);
          // Shown inline in the server's row, where the person asked for it.
          setProbe({ status: 'failed', problem });
        }
      },

      async checkServer(name) {
        try {
          const { jobId } = await client.invoke('servers:check', { server: name as ServerSummary['name'] });
          set((state) => ({ checkJobs: { ...state.checkJobs, [name]: jobId } }));
          if (get().jobsById[jobId] === undefined) void get().refreshJobs();
        } catch (error) {
          get().reportError(error, `check ${name}`);
        }
      },

      async createSandbox() {
        set({ sandboxRequesting: true });
        try {
          const { jobId } = await client.invoke('sandbox:create', {});
          set({ sandboxJobId: jobId });
          // The job's queued event may have raced ahead of or behind this reply; make sure we hold it.
          if (get().jobsById[jobId] === undefined) void get().refreshJobs();
        } catch (error) {
          get().reportError(error, 'create the sandbox server');
        } finally {
          set({ sandboxRequesting: false });
        }
      },
    };
  };
