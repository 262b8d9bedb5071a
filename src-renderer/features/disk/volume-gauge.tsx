/**
 * A volume's fill as a horizontal gauge (SVG in percent, so it follows its
 * container): Barkeep's stores, everything else used, and free space, with the
 * warning and critical levels marked where used space passes them. The large
 * form labels the marks; the small one (the Servers overview) only draws them.
 */
import type { DiskState, DiskThresholds } from '../../../shared/domain/disk';
import { formatBytes } from '../jobs/job-format';
import { formatPercent } from './disk-words';

interface VolumeGaugeProps {
  totalBytes: number;
  usedBytes: number;
  /** the part of usedBytes that Barkeep's stores hold */
  storeBytes: number;
  /** null: the levels are not known yet, and no mark is drawn */
  thresholds: DiskThresholds | null;
  state: DiskState | null;
  size: 'large' | 'small';
  /** the gauge in words, for screen readers and the tooltip */
  label: string;
  testId?: string;
}

export function VolumeGauge({ totalBytes, usedBytes, storeBytes, thresholds, state, size, label, testId }: VolumeGaugeProps) {
  const share = (bytes: number): number => (totalBytes > 0 ? Math.min(100, Math.max(0, (bytes / totalBytes) * 100)) : 0);
  const used = share(usedBytes);
  const store = Math.min(used, share(storeBytes));
  const large = size === 'large';
  const barTop = large ? 18 : 2;
  const barHeight = large ? 20 : 10;
  const height = large ? barTop + barHeight + 20 : barTop + barHeight + 2;
  return (
    <svg
      className={`volume-gauge volume-gauge-${size}${state === null ? '' : ` volume-gauge-${state}`}`}
      width="100%"
      height={height}
      role="img"
      aria-label={label}
      data-testid={testId}
    >
      <title>{label}</title>
      <rect className="gauge-free" x="0" y={barTop} width="100%" height={barHeight} rx="3" />
      <rect className="gauge-used" x="0" y={barTop} width={`${used}%`} height={barHeight} />
      <rect className="gauge-store" x="0" y={barTop} width={`${store}%`} height={barHeight} data-testid={testId === undefined ? undefined : `${testId}-store`} />
      {thresholds !== null && <LevelMarks thresholds={thresholds} large={large} barTop={barTop} barHeight={barHeight} testId={testId} />}
    </svg>
  );
}

function LevelMarks({ thresholds, large, barTop, barHeight, testId }: {
  thresholds: DiskThresholds; large: boolean; barTop: number; barHeight: number; testId: string | undefined;
}) {
  // A mark sits where used space reaches the level: 100 − the threshold's free percent.
  const warningAt = 100 - thresholds.warningFreePercent;
  const criticalAt = 100 - thresholds.criticalFreePercent;
  const reach = large ? 6 : 2;
  return (
    <>
      <line className="gauge-mark gauge-mark-warning" x1={`${warningAt}%`} x2={`${warningAt}%`} y1={barTop - reach} y2={barTop + barHeight + reach}
        data-testid={testId === undefined ? undefined : `${testId}-warning-mark`} />
      <line className="gauge-mark gauge-mark-critical" x1={`${criticalAt}%`} x2={`${criticalAt}%`} y1={barTop - reach} y2={barTop + barHeight + reach}
        data-testid={testId === undefined ? undefined : `${testId}-critical-mark`} />
      {large && (
        <>
          {/* warning above the bar, critical below, so close levels never overprint */}
          <text className="gauge-label gauge-label-warning" x={`${warningAt}%`} y={barTop - 8} textAnchor={anchorAt(warningAt)}>
            warning: {formatPercent(thresholds.warningFreePercent)} free
          </text>
          <text className="gauge-label gauge-label-critical" x={`${criticalAt}%`} y={barTop + barHeight + 17} textAnchor={anchorAt(criticalAt)}>
            critical: {formatPercent(thresholds.criticalFreePercent)} free
          </text>
        </>
      )}
    </>
  );
}

function anchorAt(percent: number): 'start' | 'middle' | 'end' {
  return percent < 12 ? 'start' : percent > 88 ? 'end' : 'middle';
}

/** '174 GiB used of 252 GiB (Barkeep 1.2 GiB), 78 GiB free (31%)' */
export function describeGauge(totalBytes: number, usedBytes: number, storeBytes: number, freeBytes: number): string {
  const freePercent = totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 0;
  return `${formatBytes(usedBytes)} used of ${formatBytes(totalBytes)} (Barkeep's backups and WAL: ${formatBytes(storeBytes)}), `
    + `${formatBytes(freeBytes)} free (${formatPercent(freePercent)})`;
}
