/**
 * A volume's growth chart, drawn by hand in SVG: its used space day by day
 * (the line), Barkeep's backups and WAL on it (the filled area), the warning,
 * critical and full levels, and from today the forecast line to "full" when
 * it grows. The numbers come from growth-geometry.ts; this only draws them.
 */
import type { DiskThresholds, DiskUsageSample, DiskVolume } from '../../../shared/domain/disk';
import { formatBytes } from '../jobs/job-format';
import { formatDays, formatPercent } from './disk-words';
import { chartSize, layoutGrowthChart, volumeHistory } from './growth-geometry';

interface GrowthChartProps {
  volume: DiskVolume;
  thresholds: DiskThresholds;
  samples: readonly DiskUsageSample[];
  /** when the report read the volume (ms) */
  now: number;
}

const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function GrowthChart({ volume, thresholds, samples, now }: GrowthChartProps) {
  const history = volumeHistory(samples, volume.id, now);
  const layout = layoutGrowthChart({
    now, totalBytes: volume.totalBytes, usedBytes: volume.usedBytes, storeBytes: volume.storeBytes, forecast: volume.forecast, thresholds, history,
  });
  const { left, right, top, bottom, width, height } = chartSize;
  const usedPoints = layout.used.map((point) => `${point.x},${point.y}`).join(' ');
  const storePoints = layout.store.map((point) => `${point.x},${point.y}`).join(' ');
  const levelWords = { full: 'full', critical: `critical (${formatPercent(thresholds.criticalFreePercent)} free)`, warning: `warning (${formatPercent(thresholds.warningFreePercent)} free)` };
  const forecast = layout.forecast;
  const summary = describeChart(volume, history.length, forecast?.reachesFull ?? false);
  return (
    <figure className="growth-chart" data-testid={`growth-chart-${volume.id}`} data-history-days={history.length}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={summary} className="growth-svg">
        <title>{summary}</title>
        <rect className="chart-plot" x={left} y={top} width={right - left} height={bottom - top} />
        {/* y axis: empty and full, with the volume's size */}
        <text className="chart-axis-label" x={left - 8} y={bottom + 4} textAnchor="end">0</text>
        <text className="chart-axis-label" x={left - 8} y={top + 4} textAnchor="end">{formatBytes(volume.totalBytes)}</text>
        {layout.levels.map((level) => (
          <g key={level.kind} className={`chart-level chart-level-${level.kind}`} data-testid={`growth-level-${level.kind}`}>
            <line x1={left} x2={right} y1={level.y} y2={level.y} />
            <text x={right + 8} y={level.labelY} textAnchor="start">{levelWords[level.kind]}</text>
          </g>
        ))}
        <path className="chart-store-area" d={layout.storeArea} data-testid="growth-store-area" />
        <polyline className="chart-store-line" points={storePoints} />
        <polyline className="chart-used-line" points={usedPoints} data-testid="growth-used-line" />
        {layout.used.map((point) => (
          <circle key={point.at} className="chart-point" cx={point.x} cy={point.y} r={3} data-testid="growth-point">
            <title>{`${monthDay.format(point.at)}: ${formatBytes(point.bytes)} used`}</title>
          </circle>
        ))}
        {forecast !== null && (
          <g className="chart-forecast" data-testid="growth-forecast" data-reaches-full={String(forecast.reachesFull)}>
            <line x1={forecast.from.x} y1={forecast.from.y} x2={forecast.to.x} y2={forecast.to.y} />
            {forecast.reachesFull && <circle cx={forecast.to.x} cy={forecast.to.y} r={4} />}
            <text x={forecast.to.x - 6} y={forecast.reachesFull ? forecast.to.y + 16 : forecast.to.y - 8} textAnchor="end">
              {forecast.reachesFull ? `full ~${monthDay.format(forecast.to.at)}` : `full in ${formatDays(volume.forecast.state === 'growing' ? volume.forecast.fullInDays : 0)}`}
            </text>
          </g>
        )}
        {/* today */}
        <line className="chart-today" x1={layout.today.x} x2={layout.today.x} y1={top} y2={bottom} />
        {/* the ends' dates, where they do not crowd "today" */}
        {layout.today.x - left > 60 && <text className="chart-axis-label" x={left} y={bottom + 18} textAnchor="start">{monthDay.format(layout.xStart)}</text>}
        <text className="chart-axis-label chart-today-label" x={layout.today.x} y={bottom + 18} textAnchor="middle">today</text>
        {right - layout.today.x > 60 && <text className="chart-axis-label" x={right} y={bottom + 18} textAnchor="end">{monthDay.format(layout.xEnd)}</text>}
      </svg>
      <figcaption className="growth-legend">
        <span><span className="legend-line legend-used" aria-hidden="true" />used on the volume</span>
        <span><span className="legend-swatch legend-store" aria-hidden="true" />Barkeep&rsquo;s backups and WAL</span>
        {forecast !== null && <span><span className="legend-line legend-forecast" aria-hidden="true" />forecast at the current growth</span>}
        {history.length === 0 && <span className="muted">No daily samples before today yet: the scheduler records one per day.</span>}
      </figcaption>
    </figure>
  );
}

function describeChart(volume: DiskVolume, days: number, reachesFull: boolean): string {
  const history = `${days} earlier day${days === 1 ? '' : 's'} of samples`;
  const used = `${formatBytes(volume.usedBytes)} of ${formatBytes(volume.totalBytes)} used today`;
  if (volume.forecast.state !== 'growing') return `Growth of ${volume.mountPoint}: ${history}, ${used}.`;
  return `Growth of ${volume.mountPoint}: ${history}, ${used}; the forecast line ${reachesFull ? 'reaches full' : 'heads for full'} in ${formatDays(volume.forecast.fullInDays)}.`;
}
