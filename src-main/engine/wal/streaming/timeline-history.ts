/**
 * Timeline history for the streaming archiver: parses a server's N.history
 * file, says which timeline a WAL position belongs to on that history, and
 * fetches missing history files into the archive (TIMELINE_HISTORY). Never
 * decides where streaming starts; start-position.ts does, with these answers.
 */
import type pg from 'pg';
import { fetchTimelineHistory } from '../../postgres/replication';
import type { Catalog } from '../../catalog/catalog';
import { archiveWalBytes, findArchivedWal, type WalArchiveTarget } from '../archive-store';
import { historyFileName, parseLsn } from '../lsn';

/** One line of a history file: `timeline` ended at `switchLsn` (the next timeline starts there). */
export interface TimelineSwitch {
  timeline: number;
  switchLsn: bigint;
}

/** The server's history: its current timeline and every ancestor's switch point, oldest first. */
export interface ServerHistory {
  current: number;
  switches: TimelineSwitch[];
}

/** Parses `parentTLI <tab> switchpoint <tab> reason` lines; comments and blank lines are skipped. */
export function parseTimelineHistory(content: string): TimelineSwitch[] {
  const switches: TimelineSwitch[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [timeline, switchLsn] = line.split(/\s+/);
    if (timeline === undefined || switchLsn === undefined || !/^\d+$/.test(timeline)) continue;
    switches.push({ timeline: Number(timeline), switchLsn: parseLsn(switchLsn) });
  }
  return switches.sort((a, b) => a.timeline - b.timeline);
}

/** The timeline that holds `lsn` on this history (a switch point already belongs to the next timeline). */
export function timelineAt(lsn: bigint, history: ServerHistory): number {
  for (const entry of history.switches) {
    if (lsn < entry.switchLsn) return entry.timeline;
  }
  return history.current;
}

/** Where `timeline` ends on this history: null for the current timeline, undefined when the timeline is not on it. */
export function timelineEnd(timeline: number, history: ServerHistory): bigint | null | undefined {
  if (timeline === history.current) return null;
  return history.switches.find((entry) => entry.timeline === timeline)?.switchLsn;
}

/**
 * Reads the history of the server's current timeline and makes sure the
 * archive holds that file and its ancestors' (recovery to a later timeline
 * needs them). Timeline 1 has no history file.
 */
export async function loadServerHistory(client: pg.Client, current: number, target: WalArchiveTarget, catalog: Catalog | null): Promise<ServerHistory> {
  if (current <= 1) return { current, switches: [] };
  const file = await archiveTimelineHistory(client, current, target, catalog);
  const switches = parseTimelineHistory(file.toString('utf8'));
  for (const entry of switches) {
    if (entry.timeline > 1 && findArchivedWal(target.walsDirectory, historyFileName(entry.timeline)) === null) {
      await archiveTimelineHistory(client, entry.timeline, target, catalog);
    }
  }
  return { current, switches };
}

/** Fetches N.history from the server and stores it once in the archive; returns its bytes. */
export async function archiveTimelineHistory(client: pg.Client, timeline: number, target: WalArchiveTarget, catalog: Catalog | null): Promise<Buffer> {
  const history = await fetchTimelineHistory(client, timeline);
  archiveWalBytes(target, historyFileName(timeline), history.content, catalog);
  return history.content;
}
