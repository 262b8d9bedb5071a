/**
 * Connects pushed events and the connection state to the store: job events
 * are upserted, invalidations and finished jobs refetch the slices they touch,
 * and a restored connection refetches everything, since events may have been missed.
 */
import { isTerminal } from '../../shared/domain/job';
import type { BarkeepClient } from '../../shared/ipc/client';
import type { InvalidateTopic } from '../../shared/ipc/events';
import type { BarkeepStore } from '../store/barkeep-store';
import type { RendererTransport } from './transport/renderer-transport';

export function wireEvents(store: BarkeepStore, client: BarkeepClient, transport: RendererTransport): () => void {
  const stopEvents = client.onEvent((event) => {
    if (event.kind !== 'job') {
      invalidate(store, event.topic, event.server);
      return;
    }
    store.getState().receiveJobEvent(event.event);
    // A finished job (a sandbox created, a backup taken) changes servers; main invalidates too,
    // but refetching here keeps the empty state from waiting on it. Refreshes coalesce, so this costs at most one call.
    if (event.event.type === 'succeeded') void store.getState().refreshServers();
    // A backup that ended (however) changed the open server's table: its last row leaves STARTED.
    const { job } = event.event;
    if (job.kind === 'backup' && isTerminal(job.state) && job.server === store.getState().openServer) store.getState().refreshOpenServer(['backups']);
  });
  const stopConnection = transport.onConnection((connection) => {
    const state = store.getState();
    state.setConnection(connection);
    // Before boot is ready, boot's own fetches are the first sync.
    if (connection === 'live' && state.bootState === 'ready') state.resync();
  });
  return () => {
    stopEvents();
    stopConnection();
  };
}

function invalidate(store: BarkeepStore, topic: InvalidateTopic, server: string | null): void {
  const state = store.getState();
  // The open server view refetches what the topic touched, when it is about that server (or every server).
  const forOpenServer = state.openServer !== null && (server === null || server === state.openServer);
  switch (topic) {
    // A server's summary carries its health, backup count and last backup; app:info the configuration's warnings.
    case 'servers':
      void state.refreshServers();
      void state.refreshInfo();
      return;
    case 'backups':
    case 'checks':
      void state.refreshServers();
      if (forOpenServer) state.refreshOpenServer([topic]);
      return;
    case 'wal': {
      if (forOpenServer) state.refreshOpenServer(['wal']);
      // The restore composer's server: its timeline and the restore points found in its new WAL.
      const composing = state.restoreDraft.server;
      if (composing !== null && (server === null || server === composing)) {
        void state.refreshRestorePoints(composing);
        if (composing !== state.openServer) void state.refreshCoverage(composing);
      }
      return;
    }
    case 'jobs':
      void state.refreshJobs();
      return;
    // The banner on every view and the Disk view read the disk report; the servers' small gauges read their samples.
    case 'disk':
      void state.refreshDisk();
      void state.refreshServers();
      return;
  }
}
