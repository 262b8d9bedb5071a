/**
 * The restore points Barkeep found in each server's archived WAL, for the
 * restore composer's list and timeline: fetched when a server is chosen there
 * and again when that server's WAL changes. Keyed by server, so a late reply
 * lands where it belongs; a failed refetch keeps the last list.
 */
import type { ServerName } from '../../shared/domain/names';
import type { RestorePoint } from '../../shared/domain/restore-point';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRunByKey } from './coalesced-run';
import { describeError } from './describe-error';
import type { Loadable } from './server-view-slice';

export interface RestorePointsSlice {
  /** by server, as the engine lists them: oldest first */
  restorePoints: Partial<Record<string, Loadable<RestorePoint[]>>>;
  refreshRestorePoints(server: string): Promise<void>;
}

export const createRestorePointsSlice =
  ({ client }: StoreDeps): SliceCreator<RestorePointsSlice> =>
  (set, get) => {
    const write = (server: string, value: Loadable<RestorePoint[]>): void =>
      set((state) => ({ restorePoints: { ...state.restorePoints, [server]: value } }));
    const previous = (server: string): RestorePoint[] | null => get().restorePoints[server]?.value ?? null;

    return {
      restorePoints: {},
      refreshRestorePoints: coalescedRunByKey(async (server) => {
        write(server, { status: 'loading', value: previous(server) });
        try {
          write(server, { status: 'loaded', value: await client.invoke('wal:restore-points', { server: server as ServerName }) });
        } catch (error) {
          const problem = describeError(error, `list the restore points of ${server}`);
          if (problem.code === 'unauthorized') get().failFatally(problem);
          write(server, { status: 'failed', value: previous(server), problem });
        }
      }),
    };
  };
