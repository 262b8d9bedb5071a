/**
 * One stacked bar per server: its backups (a hard-linked file counted once)
 * and its WAL, on one scale for every server, with a dashed mark at what its
 * retention policy will need; beside it the bytes, the growth and the need in
 * words. Bars are plain elements sized in percent.
 */
import type { ServerDiskUsage } from '../../../shared/domain/disk';
import { formatBytes } from '../jobs/job-format';
import { formatTimestamp } from '../backups/backup-format';
import { describeGrowth, describeRetentionNeed } from './disk-words';

export function ServerUsageBars({ servers }: { servers: readonly ServerDiskUsage[] }) {
  const scale = Math.max(1, ...servers.map((usage) => Math.max(usage.backupsBytes + usage.walBytes, usage.retentionNeed?.bytes ?? 0)));
  const percent = (bytes: number): string => `${(bytes / scale) * 100}%`;
  return (
    <div className="usage-bars" data-testid="server-usage-bars">
      <ul className="usage-legend" aria-label="Legend">
        <li><span className="legend-swatch legend-backups" aria-hidden="true" />backups</li>
        <li><span className="legend-swatch legend-wal" aria-hidden="true" />WAL</li>
        <li><span className="legend-need" aria-hidden="true" />what the retention policy will need</li>
      </ul>
      {servers.map((usage) => (
        <div key={usage.server} className="usage-row" data-testid={`server-usage-${usage.server}`}>
          <div className="usage-name mono">{usage.server}</div>
          <div
            className="usage-track"
            role="img"
            aria-label={`${usage.server}: backups ${formatBytes(usage.backupsBytes)}, WAL ${formatBytes(usage.walBytes)}`}
          >
            <span className="usage-part usage-backups" style={{ width: percent(usage.backupsBytes) }} data-testid={`usage-backups-${usage.server}`} />
            <span className="usage-part usage-wal" style={{ width: percent(usage.walBytes) }} data-testid={`usage-wal-${usage.server}`} />
            {usage.retentionNeed !== null && (
              <span className="usage-need" style={{ width: percent(usage.retentionNeed.bytes) }} data-testid={`usage-need-${usage.server}`} />
            )}
          </div>
          <div className="usage-figures">
            {usage.measuredAt === null ? (
              <span className="muted">not measured yet: &ldquo;Measure now&rdquo; walks its store</span>
            ) : (
              <>
                <span>backups <strong>{formatBytes(usage.backupsBytes)}</strong></span>
                <span>WAL <strong>{formatBytes(usage.walBytes)}</strong></span>
                <span>growth {describeGrowth(usage.growth)}</span>
                <span className="muted" title={usage.measuredAt}>measured {formatTimestamp(usage.measuredAt)}</span>
              </>
            )}
            <span className="usage-retention" data-testid={`usage-retention-${usage.server}`}>retention: {describeRetentionNeed(usage)}</span>
          </div>
        </div>
      ))}
    </div>
  );
}
