/**
 * What the streaming archiver does on every (re)connection before it streams:
 * checks the system identifier against the store, reads the segment size,
 * archives complete leftovers, makes sure the slot exists (create_slot), loads
 * the timeline history and picks the start position from what is on disk.
 * Never streams; receiver.ts does, with what this returns.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { EngineError } from '../../../../shared/errors';
import type { Catalog } from '../../catalog/catalog';
import type { ServerConfig } from '../../config/load';
import type { JobContext } from '../../jobs/job-queue';
import { formatVersionNum } from '../../postgres/connect';
import {
  createPhysicalSlot, identifySystem, readPhysicalSlot, readServerVersionNum, readWalSegmentSize, type PhysicalSlot, type SystemIdentity,
} from '../../postgres/replication';
import { readStoreIdentity, writeStoreIdentity } from '../../store/identity-file';
import { findArchivedWal, walArchiveTargetOf } from '../archive-store';
import { formatLsn, isValidSegmentSize } from '../lsn';
import { findNewestArchivedSegments, hasResetMarker, listPartialSegments } from './local-state';
import { archiveLeftoverSegments, setFileAside, type SegmentArchiver } from './segment-archive';
import { chooseStartPosition, type LocalSegment, type StartPosition, type StartReason } from './start-position';
import { loadServerHistory } from './timeline-history';

export interface StreamingContext {
  server: ServerConfig;
  slot: string;
  catalog: Catalog | null;
  ctx: JobContext;
}

export interface StreamingSetup {
  segmentSize: number;
  archiver: SegmentArchiver;
  slotName: string;
  start: StartPosition;
  /** `receive-wal --reset` left its marker: remove it once the new position streams */
  resetPending: boolean;
}

const reasonText: Record<StartReason, string> = {
  partial: 'resuming the partial segment in the streaming folder',
  archive: 'after the newest archived segment',
  slot: "at the slot's restart_lsn",
  server: "at the server's current position",
};

export async function prepareStreaming(context: StreamingContext, client: pg.Client): Promise<StreamingSetup> {
  const { server, ctx } = context;
  const identity = await identifySystem(client);
  const versionNum = await readServerVersionNum(client);
  checkSystemIdentity(server, identity, versionNum);
  const segmentSize = await readWalSegmentSize(client);
  if (!isValidSegmentSize(segmentSize)) throw new EngineError('archiver-failed', `server '${server.name}' reports an invalid wal_segment_size of ${segmentSize} bytes`);

  const archiver: SegmentArchiver = { target: walArchiveTargetOf(server), catalog: context.catalog, systemId: identity.systemId };
  archiveLeftoverSegments(archiver, server.streamingWalsDirectory, segmentSize, ctx.log);
  const slot = await ensureSlot(context, client, versionNum);
  const history = await loadServerHistory(client, identity.timeline, archiver.target, context.catalog);

  const resetPending = hasResetMarker(server.streamingWalsDirectory);
  const start = chooseStartPosition({
    segmentSize, history,
    partials: dropArchivedPartials(context, segmentSize),
    archived: findNewestArchivedSegments(server.walsDirectory, segmentSize, history),
    slotRestartLsn: slot.restartLsn, serverPosition: identity.xlogPos, ignoreArchive: resetPending,
  });
  for (const stray of start.strayPartials) {
    const kept = setFileAside(path.join(server.streamingWalsDirectory, `${stray.name}.partial`), server.errorsDirectory, `${stray.name}.partial`);
    ctx.log(`partial segment ${stray.name} will not be resumed (an older or foreign timeline); kept in '${kept}'`, 'warn');
  }
  ctx.log(`streaming server '${server.name}' from ${formatLsn(start.lsn)} on timeline ${start.timeline}, ${reasonText[start.reason]}`);
  return { segmentSize, archiver, slotName: slot.name, start, resetPending };
}


/** Refuses to stream another cluster's WAL into this store; records the identity on first contact. */
function checkSystemIdentity(server: ServerConfig, identity: SystemIdentity, versionNum: number): void {
  const stored = readStoreIdentity(server);
  if (stored === null) {
    writeStoreIdentity(server, { systemId: identity.systemId, pgVersion: formatVersionNum(versionNum), learntAt: new Date().toISOString() });
    return;
  }
  if (stored.systemId !== identity.systemId) {
    throw new EngineError('archiver-failed',
      `server '${server.name}' streams from system ${identity.systemId}, but its store holds system ${stored.systemId}`,
      'streaming_conninfo points at another cluster, or the cluster was re-created: fix the connection string, or give the new cluster its own server');
  }
}

/** The server's slot; created when missing and create_slot = auto, else a clear refusal. */
async function ensureSlot(context: StreamingContext, client: pg.Client, versionNum: number): Promise<PhysicalSlot> {
  const { server, slot, ctx } = context;
  const existing = await readPhysicalSlot(client, slot, versionNum, server.conninfo, ctx.signal);
  if (existing) return existing;
  if (server.createSlot !== 'auto') {
    throw new EngineError('slot-failed', `replication slot '${slot}' does not exist on server '${server.name}'`,
      `create it with \`barkeep receive-wal --create-slot ${server.name}\`, or set create_slot = auto in ${server.file}`);
  }
  await createPhysicalSlot(client, slot);
  ctx.log(`created replication slot '${slot}' on server '${server.name}'`);
  return (await readPhysicalSlot(client, slot, versionNum, server.conninfo, ctx.signal)) ?? { name: slot, restartLsn: null };
}

/**
 * The .partial files to consider for resuming. One whose segment is already
 * archived is stale (a crash undid its removal, or archive_command delivered
 * the segment meanwhile): it is removed, since the server may no longer hold it.
 */
function dropArchivedPartials(context: StreamingContext, segmentSize: number): LocalSegment[] {
  const { server } = context;
  return listPartialSegments(server.streamingWalsDirectory, segmentSize).filter((segment) => {
    if (findArchivedWal(server.walsDirectory, segment.name) === null) return true;
    rmSync(path.join(server.streamingWalsDirectory, `${segment.name}.partial`), { force: true });
    context.ctx.log(`removed partial segment ${segment.name}: it is archived already`);
    return false;
  });
}
