/**
 * "systemid coherence": the cluster behind conninfo (and streaming_conninfo)
 * is the one whose backups and WAL this store holds, by system identifier:
 * live ids against each other, against identity.json, and against the header
 * of the newest segment in wals/ and in incoming/. Never writes identity.json.
 */
import type { ServerConfig } from '../config/load';
import { readStoreIdentity } from '../store/identity-file';
import { always, failed, passed, type CheckContext, type CheckDefinition, type CheckOutcome } from './model';
import { readArrivalHeader, type WalArrival } from './wal-arrivals';

interface LiveId {
  option: 'conninfo' | 'streaming_conninfo';
  systemId: string;
}

export const systemIdCheck: CheckDefinition = {
  name: 'systemid coherence',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const live = await readLiveIds(ctx);
    const [first, second] = live;
    if (first && second && first.systemId !== second.systemId) {
      return failed(`conninfo reaches system ${first.systemId}, streaming_conninfo system ${second.systemId}`,
        `point streaming_conninfo in ${ctx.server.file} at the same server as conninfo`);
    }
    if (!first) return passed('no system Id available');
    const serverId = first.systemId;

    const identity = readStoreIdentity(ctx.server);
    if (identity !== null && identity.systemId !== serverId) {
      return failed(`${first.option} reaches system ${serverId}, but this store holds system ${identity.systemId} (identity.json)`,
        storeMismatchHint(ctx.server, first.option, identity.systemId));
    }
    const arrivals = await ctx.arrivals();
    for (const arrival of [arrivals.newestIn.wals, arrivals.newestIn.incoming]) {
      const mismatch = arrival === null ? null : await compareSegment(arrival, serverId, ctx.server, first.option);
      if (mismatch !== null) return mismatch;
    }
    return passed(identity === null ? 'no system Id stored on disk' : '');
  },
};

async function readLiveIds(ctx: CheckContext): Promise<LiveId[]> {
  const live: LiveId[] = [];
  try {
    live.push({ option: 'conninfo', systemId: (await ctx.postgres.facts()).systemId });
  } catch {
    // The PostgreSQL line reports the connection.
  }
  if (ctx.server.streamingArchiver || ctx.server.backupMethod === 'postgres') {
    try {
      live.push({ option: 'streaming_conninfo', systemId: (await ctx.streaming()).systemId });
    } catch {
      // The PostgreSQL streaming line reports the connection.
    }
  }
  return live;
}

async function compareSegment(arrival: WalArrival, serverId: string, server: ServerConfig, option: LiveId['option']): Promise<CheckOutcome | null> {
  let segmentId: string;
  try {
    segmentId = (await readArrivalHeader(arrival)).systemId;
  } catch {
    // An unreadable segment says nothing about identity; the archiver refuses it on its own.
    return null;
  }
  if (segmentId === serverId) return null;
  return failed(`${option} reaches system ${serverId}, but the newest segment in ${arrival.place}/ (${arrival.name}) belongs to system ${segmentId}`,
    storeMismatchHint(server, option, segmentId));
}

function storeMismatchHint(server: ServerConfig, option: LiveId['option'], storedId: string): string {
  return `${option} in ${server.file} reaches another cluster, or the cluster was re-created: point it at the cluster of system ${storedId}; `
    + `if the cluster really was re-created, move '${server.backupDirectory}' aside (its backups and WAL belong to the old system) and start a new store`;
}
