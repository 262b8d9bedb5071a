/**
 * Three cells of a server's row in the overview: WAL (how long since the last
 * segment arrived, and whether the streaming archiver runs), Disk (a small
 * gauge of its volume from the newest sample, with what the server holds), and
 * the last restore drill. Words carry every state; colour only repeats them.
 */
import type { ServerSummary } from '../../../shared/domain/server';
import { useBarkeep } from '../../app/store-context';
import { formatPercent } from '../disk/disk-words';
import { VolumeGauge } from '../disk/volume-gauge';
import { formatBytes } from '../jobs/job-format';
import { formatAge } from './backup-age';

export function ServerActivity({ server, now }: { server: ServerSummary; now: number }) {
  return (
    <>
      <WalCell server={server} now={now} />
      <DiskCell server={server} />
      <DrillCell server={server} now={now} />
    </>
  );
}

const streamingWords: Record<ServerSummary['archiver']['streaming'], string> = {
  running: 'streaming',
  stopped: 'streaming stopped',
  off: 'streaming off',
};

function WalCell({ server, now }: { server: ServerSummary; now: number }) {
  const { wal, archiver } = server;
  const title = wal.lastSegment === null ? undefined : `last segment ${wal.lastSegment}, archived ${wal.lastArrivalAt ?? 'at an unknown time'}`;
  return (
    <td className="wal-cell" data-testid={`server-wal-${server.name}`}>
      <div title={title}>
        {wal.lastArrivalAt === null ? <span className="muted">no WAL archived</span> : <>last segment {formatAge(wal.lastArrivalAt, now)}</>}
      </div>
      <div
        className={`archiver-state archiver-${archiver.streaming}`}
        data-testid={`server-archiver-${server.name}`}
        data-streaming={archiver.streaming}
        title={archiver.streamingPid === null ? undefined : `receive-wal runs as pid ${archiver.streamingPid}`}
      >
        <span className="archiver-mark" aria-hidden="true" />
        {streamingWords[archiver.streaming]}
        {archiver.archiveCommand && <span className="muted"> · archive_command intake on</span>}
      </div>
    </td>
  );
}

function DiskCell({ server }: { server: ServerSummary }) {
  const thresholds = useBarkeep((state) => state.diskReport?.value?.thresholds ?? null);
  const { disk } = server;
  if (disk === null) {
    return (
      <td className="disk-cell" data-testid={`server-disk-${server.name}`}>
        <span className="muted" title="the scheduler, a backup or the Disk view's “Measure now” measures it">not measured yet</span>
      </td>
    );
  }
  const held = disk.backupsBytes + disk.walBytes;
  const total = disk.volumeTotalBytes;
  const free = disk.volumeFreeBytes;
  const words = total === null || free === null
    ? `${server.name} holds ${formatBytes(held)}; its volume could not be read`
    : `${server.name} holds ${formatBytes(held)} (backups ${formatBytes(disk.backupsBytes)}, WAL ${formatBytes(disk.walBytes)}); `
      + `its volume has ${formatBytes(free)} free of ${formatBytes(total)}`;
  return (
    <td className="disk-cell" data-testid={`server-disk-${server.name}`} data-state={disk.state ?? 'unknown'}>
      {total !== null && free !== null && (
        <VolumeGauge
          totalBytes={total}
          usedBytes={Math.max(0, total - free)}
          storeBytes={held}
          thresholds={thresholds}
          state={disk.state}
          size="small"
          label={words}
        />
      )}
      <div className={`disk-cell-words disk-cell-${disk.state ?? 'unknown'}`}>
        {total !== null && free !== null && total > 0 && <>{formatPercent((free / total) * 100)} free · </>}
        {formatBytes(held)} here
      </div>
    </td>
  );
}

function DrillCell({ server, now }: { server: ServerSummary; now: number }) {
  const drill = server.lastDrill;
  if (drill === null) {
    return (
      <td data-testid={`server-drill-${server.name}`} data-drill="none">
        <span className="muted" title={`\`barkeep drill ${server.name}\` restores a backup into a scratch folder and checks it`}>never</span>
      </td>
    );
  }
  const title = `${drill.ok ? 'passed' : 'failed'}: restore to ${drill.target}${drill.backupId === null ? '' : ` from backup ${drill.backupId}`}, ${drill.finishedAt}`;
  return (
    <td data-testid={`server-drill-${server.name}`} data-drill={drill.ok ? 'passed' : 'failed'} title={drill.error === null ? title : `${title}\n${drill.error}`}>
      <span className={`drill-verdict drill-${drill.ok ? 'passed' : 'failed'}`}>{drill.ok ? 'passed' : 'FAILED'}</span>{' '}
      <span className="muted">{formatAge(drill.finishedAt, now)}</span>
      {drill.error !== null && <span className="visually-hidden">: {drill.error}</span>}
    </td>
  );
}
