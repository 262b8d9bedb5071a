/**
 * The archivers' state in a few words, for the tray icon: how many servers
 * stream WAL, which should but do not (the one thing a DBA must notice with the
 * window closed), and a line per server for the tray's menu. Pure.
 */
import type { ServerSummary } from '../../../shared/domain/server';

export interface ArchiverSummary {
  /** the tray's tooltip */
  tooltip: string;
  /** one line per active server with streaming or archive_command intake */
  lines: string[];
  /** some server should stream and does not */
  attention: boolean;
}

export function summariseArchivers(servers: readonly Pick<ServerSummary, 'name' | 'active' | 'archiver'>[]): ArchiverSummary {
  const active = servers.filter((server) => server.active);
  const streaming = active.filter((server) => server.archiver.streaming === 'running');
  const stopped = active.filter((server) => server.archiver.streaming === 'stopped');
  const lines = active
    .filter((server) => server.archiver.streaming !== 'off' || server.archiver.archiveCommand)
    .map((server) => `${server.name}: ${describeServer(server.archiver)}`);
  const parts = [
    streaming.length > 0 ? `${streaming.length} streaming WAL` : null,
    stopped.length > 0 ? `${stopped.length} stopped: ${stopped.map((server) => server.name).join(', ')}` : null,
  ].filter((part): part is string => part !== null);
  return {
    tooltip: `Barkeep — ${parts.length > 0 ? parts.join('; ') : active.length === 0 ? 'no server configured' : 'no streaming archiver'}`,
    lines,
    attention: stopped.length > 0,
  };
}

function describeServer(archiver: ServerSummary['archiver']): string {
  const streaming = archiver.streaming === 'running' ? `streaming (pid ${archiver.streamingPid ?? '?'})`
    : archiver.streaming === 'stopped' ? 'streaming STOPPED' : null;
  const intake = archiver.archiveCommand ? 'archive_command intake on' : null;
  return [streaming, intake].filter((part): part is string => part !== null).join(', ');
}
