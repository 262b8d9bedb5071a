/**
 * Everything known about one backup (backups:show), under the table when a
 * row is opened: status and retention reason, times and LSNs, WAL range,
 * sizes measured on disk now, reuse, PostgreSQL facts, neighbours.
 */
import { useEffect, type ReactNode } from 'react';
import type { BackupDetail } from '../../../shared/domain/backup-view';
import type { BackupId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { backupKey } from '../../store/server-view-slice';
import { formatBytes } from '../jobs/job-format';
import { formatOptionalBytes, formatTimestamp } from './backup-format';

export function BackupDetailPanel({ server, backupId, onClose }: { server: string; backupId: BackupId; onClose: () => void }) {
  const detail = useBarkeep((state) => state.backupDetails[backupKey(server, backupId)]);
  const loadBackupDetail = useBarkeep((state) => state.loadBackupDetail);
  // Reload when the table changed (a keep, a neighbour deleted): the list's identity says so.
  const list = useBarkeep((state) => state.backupLists[server]?.value);

  useEffect(() => {
    void loadBackupDetail(server, backupId);
  }, [server, backupId, list, loadBackupDetail]);

  return (
    <section className="panel backup-detail" aria-label={`Backup ${backupId}`} data-testid="backup-detail" data-backup-id={backupId}>
      <div className="panel-head">
        <h3 className="mono">{backupId}</h3>
        <button type="button" className="button button-small panel-head-action" onClick={onClose} data-testid="backup-detail-close">
          Close
        </button>
      </div>
      {detail?.status === 'failed' && (
        <div className="job-error" role="alert">
          <p>{detail.problem.message}</p>
          {detail.problem.hint !== undefined && <p className="hint">{detail.problem.hint}</p>}
        </div>
      )}
      {detail?.value == null ? <p className="loading">Reading the backup…</p> : <DetailFacts detail={detail.value} />}
    </section>
  );
}

function DetailFacts({ detail }: { detail: BackupDetail }) {
  const { info, diskUsage } = detail;
  const facts: Array<[string, ReactNode]> = [
    ['Status', `${info.status} · ${detail.retention.status}`],
    ['Retention', detail.retention.reason],
    ['Name', info.name],
    ['Error', info.error],
    ['Method', info.method],
    ['Timeline', info.timeline],
    ['Begin', `${formatTimestamp(info.beginTime)}${info.beginLsn === null ? '' : ` · LSN ${info.beginLsn}`}`],
    ['End', info.endTime === null ? null : `${formatTimestamp(info.endTime)}${info.endLsn === null ? '' : ` · LSN ${info.endLsn}`}`],
    ['WAL', info.beginWal === null ? null : <span className="mono">{info.beginWal} … {info.endWal ?? '?'}</span>],
    ['Copy time', info.durationSeconds == null ? null : `${info.durationSeconds.toFixed(1)} s`],
    ['Size', `${formatBytes(info.sizeBytes)}${info.files == null ? '' : ` in ${info.files} files`}`],
    ['On disk', diskUsage === null ? null : `${formatBytes(diskUsage.ownBytes)} own of ${formatBytes(diskUsage.totalBytes)} (${diskUsage.sharedFiles} files shared with other backups)`],
    ['Reused', info.reusedFiles == null || info.reusedFiles === 0 ? null : `${info.reusedFiles} files (${formatBytes(info.reusedBytes ?? 0)}) from ${info.reusedFrom ?? '—'}`],
    ['WAL size', formatOptionalBytes(detail.walBytes)],
    ['PostgreSQL', info.pgVersion],
    ['System id', info.systemId === null ? null : <span className="mono">{info.systemId}</span>],
    ['Data checksums', info.dataChecksums === null ? null : info.dataChecksums ? 'on' : 'off'],
    ['Keep', info.keep],
    ['Previous', detail.previousBackup === null ? null : <span className="mono">{detail.previousBackup}</span>],
    ['Next', detail.nextBackup === null ? null : <span className="mono">{detail.nextBackup}</span>],
    ['Manifest checksum', info.manifestChecksum == null ? null : <span className="mono checksum">{info.manifestChecksum}</span>],
  ];
  return (
    <dl className="facts">
      {facts.filter(([, value]) => value !== null && value !== undefined).map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
