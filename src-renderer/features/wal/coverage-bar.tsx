/**
 * One timeline's WAL coverage as a bar (SVG, positions in percent, so it
 * follows the panel's width): archived WAL a restore cannot reach in grey,
 * the recoverable window in green, gaps in red, each backup a tick from its
 * begin to its end with a label where there is room. Under it, the ends'
 * segment names and times, and every gap in words.
 */
import type { TimelineCoverage } from '../../../shared/domain/wal-coverage';
import { formatBytes } from '../jobs/job-format';
import { formatShortTimestamp, formatTimestamp } from '../backups/backup-format';
import { layoutTimeline } from './coverage-geometry';

const barTop = 22;
const barHeight = 22;
const height = barTop + barHeight + 8;

export function CoverageBar({ timeline }: { timeline: TimelineCoverage }) {
  const geometry = layoutTimeline(timeline);
  if (geometry === null) return null;
  const { archive } = timeline;
  const summary = describeCoverage(timeline);
  const hiddenTicks = geometry.ticks.filter((tick) => !tick.drawn).length;
  return (
    <figure className="coverage-timeline" data-testid={`coverage-timeline-${timeline.timeline}`}>
      <figcaption className="coverage-caption">
        <strong>Timeline {timeline.timeline}</strong>
        {timeline.parent !== null && <span className="muted"> branched from timeline {timeline.parent}</span>}
        {hiddenTicks > 0 && <span className="muted"> · {hiddenTicks} of {geometry.ticks.length} backups too close together to draw apart</span>}
        {archive !== null && (
          <span className="muted">
            {' '}· {archive.segments} segment{archive.segments === 1 ? '' : 's'} archived, {formatBytes(archive.storedBytes)} stored
          </span>
        )}
      </figcaption>
      <svg className="coverage-bar" width="100%" height={height} role="img" aria-label={summary}>
        <rect className="coverage-track" x="0" y={barTop} width="100%" height={barHeight} rx="3" />
        {geometry.archived.map((block) => (
          <rect key={`a${block.x}`} className="coverage-archived" x={`${block.x}%`} y={barTop} width={`${block.width}%`} height={barHeight} />
        ))}
        {geometry.recoverable.map((block) => (
          <rect key={`r${block.x}`} className="coverage-recoverable" data-testid="coverage-recoverable" x={`${block.x}%`} y={barTop} width={`${block.width}%`} height={barHeight}>
            <title>{`recoverable from ${block.startsAt === null ? block.span.fromName : formatTimestamp(block.startsAt)} to the end of ${block.span.toName}`}</title>
          </rect>
        ))}
        {geometry.gaps.map(({ gap, ...block }) => (
          <rect key={`g${gap.from}`} className="coverage-gap" data-testid="coverage-gap" x={`${block.x}%`} y={barTop - 3} width={`${block.width}%`} height={barHeight + 6}>
            <title>{`gap: ${gap.segments} segment${gap.segments === 1 ? '' : 's'} missing, ${gap.fromName}${gap.from === gap.to ? '' : ` to ${gap.toName}`}`}</title>
          </rect>
        ))}
        {geometry.ticks.filter((tick) => tick.drawn).map((tick) => (
          <g key={tick.backup.backupId} className="coverage-tick" data-testid={`coverage-tick-${tick.backup.backupId}`}>
            <title>{`backup ${tick.backup.backupId}${tick.backup.name === null ? '' : ` (${tick.backup.name})`}: began ${formatTimestamp(tick.backup.beginTime)}, ended ${formatTimestamp(tick.backup.endTime)}`}</title>
            {/* begin..end as a bracket under the bar; the line marks the begin */}
            <rect className="coverage-tick-span" x={`${tick.x}%`} y={barTop + barHeight + 1} width={`${Math.max(tick.endX - tick.x, 0.3)}%`} height={3} />
            <line className="coverage-tick-line" x1={`${tick.x}%`} x2={`${tick.x}%`} y1={barTop - 6} y2={barTop + barHeight + 4} />
            {tick.labelled && (
              <text className="coverage-tick-label" x={`${tick.x}%`} y={barTop - 9} textAnchor={tick.x < 6 ? 'start' : tick.x > 94 ? 'end' : 'middle'}>
                {formatShortTimestamp(tick.backup.beginTime)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <div className="coverage-ends mono">
        <span>{archive?.firstSegment ?? '—'}</span>
        <span>
          {archive?.lastSegment ?? 'no WAL archived'}
          {archive?.lastArrivalAt != null && <span className="muted"> · last arrival {formatTimestamp(archive.lastArrivalAt)}</span>}
        </span>
      </div>
      <p className="coverage-summary" data-testid="coverage-summary">{summary}</p>
      {timeline.gaps.length > 0 && (
        <ul className="coverage-gaps" data-testid="coverage-gaps">
          {timeline.gaps.map((gap) => (
            <li key={gap.from}>
              Gap: <span className="mono">{gap.fromName}</span>
              {gap.from !== gap.to && <> to <span className="mono">{gap.toName}</span></>} ({gap.segments} segment{gap.segments === 1 ? '' : 's'} missing): no restore
              can cross it.
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** The bar in one sentence, for screen readers and for anyone who prefers words. */
export function describeCoverage(timeline: TimelineCoverage): string {
  const backups = `${timeline.backups.length} backup${timeline.backups.length === 1 ? '' : 's'}`;
  if (timeline.archive === null) return `Timeline ${timeline.timeline}: ${backups}, no WAL archived: nothing is recoverable yet.`;
  if (timeline.recoverable.length === 0) {
    return `Timeline ${timeline.timeline}: ${backups}; WAL is archived, but no backup can start a restore on it yet (a backup needs its WAL from begin to end archived).`;
  }
  const spans = timeline.recoverable.map((span) => {
    const opener = timeline.backups.find((backup) => backup.endSegment === span.from);
    const from = opener?.endTime != null ? formatTimestamp(opener.endTime) : `the start of ${span.fromName}`;
    const to = span.to === timeline.archive?.last ? 'the last archived WAL' : `the end of ${span.toName}`;
    return `from ${from} to ${to}`;
  });
  const gaps = timeline.gaps.length === 0 ? 'no gap' : `${timeline.gaps.length} gap${timeline.gaps.length === 1 ? '' : 's'}`;
  return `Timeline ${timeline.timeline}: recoverable ${spans.join(', and ')}; ${backups}, ${gaps}.`;
}
