/**
 * The disk slice: the disk report (volumes with their state and forecast,
 * servers with their bytes) that the banner on every view and the Disk view
 * read, the usage history the growth chart draws (fetched while the Disk view
 * is open), and "Measure now". A 'disk' invalidation refetches; a failure
 * keeps the last report and shows in the Disk view, never as a toast each minute.
 */
import type { DiskHistory, DiskReport } from '../../shared/domain/disk';
import type { SliceCreator, StoreDeps } from './barkeep-store';
import { coalescedRun } from './coalesced-run';
import { describeError } from './describe-error';
import type { Loadable } from './server-view-slice';

export interface DiskSlice {
  diskReport: Loadable<DiskReport> | null;
  diskHistory: Loadable<DiskHistory> | null;
  /** while the Disk view is open, refreshes fetch the history too */
  diskViewOpen: boolean;
  diskMeasuring: boolean;
  /** the report, and the history when the Disk view is open; bursts collapse */
  refreshDisk(): Promise<void>;
  openDiskView(): void;
  closeDiskView(): void;
  /** walks every store now (disk:measure); the new report replaces the old */
  measureDisk(): Promise<void>;
}

export const createDiskSlice =
  ({ client }: StoreDeps): SliceCreator<DiskSlice> =>
  (set, get) => {
    /** Fetches into one field; a failure keeps the last value (unauthorized becomes fatal). */
    async function fetchInto<T>(field: 'diskReport' | 'diskHistory', action: string, fetch: () => Promise<T>): Promise<void> {
      const write = (value: Loadable<T>): void => set({ [field]: value } as Partial<DiskSlice>);
      const previous = (): T | null => (get()[field]?.value ?? null) as T | null;
      write({ status: 'loading', value: previous() });
      try {
        write({ status: 'loaded', value: await fetch() });
      } catch (error) {
        const problem = describeError(error, action);
        if (problem.code === 'unauthorized') get().failFatally(problem);
        write({ status: 'failed', value: previous(), problem });
      }
    }

    const refreshReport = coalescedRun(() => fetchInto('diskReport', 'read the disk usage', () => client.invoke('disk:report', {})));
    const refreshHistory = coalescedRun(() => fetchInto('diskHistory', 'read the disk usage history', () => client.invoke('disk:history', {})));

    return {
      diskReport: null,
      diskHistory: null,
      diskViewOpen: false,
      diskMeasuring: false,

      async refreshDisk() {
        await Promise.all([refreshReport(), get().diskViewOpen ? refreshHistory() : undefined]);
      },

      openDiskView() {
        set({ diskViewOpen: true });
        void refreshReport();
        void refreshHistory();
      },

      closeDiskView() {
        set({ diskViewOpen: false });
      },

      async measureDisk() {
        set({ diskMeasuring: true });
        try {
          const report = await client.invoke('disk:measure', {});
          set({ diskReport: { status: 'loaded', value: report } });
          if (get().diskViewOpen) await refreshHistory();
        } catch (error) {
          get().reportError(error, 'measure the disk usage');
        } finally {
          set({ diskMeasuring: false });
        }
      },
    };
  };
