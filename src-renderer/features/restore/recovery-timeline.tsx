/**
 * The recoverable window on a time axis (SVG, positions in percent so it
 * follows the panel's width): each backup from its begin to its end, the
 * stretches a point-in-time restore can stop in, the restore points found in
 * the archived WAL, and the chosen time as a handle. Given `onPick` it is a
 * slider: click to pick a time; from the keyboard, arrows move 10 s (1 s with
 * Shift), Page keys a tenth of the window, Home and End go to its ends. The
 * date-time field beside it holds the same value. Each restore point is a
 * button over the axis (named on hover and focus) that makes it the target.
 */
import type { KeyboardEvent, MouseEvent } from 'react';
import { formatShortTimestamp, formatTimestamp } from '../backups/backup-format';
import { parseLocalInput } from '../../store/restore-draft';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import type { RestorePointMark } from './restore-point-marks';
import { axisTicks, placeInWindow, stepTime, timeAtX, xOfTime, type TimeWindow } from './time-window';

const bandTop = 26;
const bandHeight = 18;
const backupTop = bandTop + bandHeight + 8;
/** the row of restore point marks, below the backups */
const restorePointTop = backupTop + 24;
const height = restorePointTop + 14;

interface RecoveryTimelineProps {
  timeWindow: TimeWindow;
  /** the datetime-local value of the chosen time ('' for none) */
  value: string;
  /** absent: the timeline only shows the window (no time is being chosen), it is not a slider */
  onPick?: (epochMs: number) => void;
  restorePoints: readonly RestorePointMark[];
  onChooseRestorePoint: (point: RestorePoint) => void;
}

export function RecoveryTimeline({ timeWindow, value, onPick, restorePoints, onChooseRestorePoint }: RecoveryTimelineProps) {
  const chosen = onPick === undefined ? null : parseLocalInput(value)?.getTime() ?? null;
  const place = chosen === null ? null : placeInWindow(timeWindow, chosen);
  const iso = (at: number): string => new Date(at).toISOString();
  const clampX = (x: number): number => Math.min(100, Math.max(0, x));
  // Ticks a few seconds apart are labelled with seconds, wider ones with the date and minute.
  const axis = axisTicks(timeWindow);

  const pick = (event: MouseEvent<SVGSVGElement>): void => {
    if (onPick === undefined) return;
    const box = event.currentTarget.getBoundingClientRect();
    if (box.width === 0) return;
    onPick(timeAtX(timeWindow, ((event.clientX - box.left) / box.width) * 100));
  };
  const step = (event: KeyboardEvent<SVGSVGElement>): void => {
    if (onPick === undefined) return;
    const next = stepTime(timeWindow, chosen ?? timeWindow.latest ?? timeWindow.end, event.key, event.shiftKey);
    if (next === null) return;
    event.preventDefault();
    onPick(next);
  };

  const description = timeWindow.earliest === null || timeWindow.latest === null
    ? 'No stretch of time is recoverable yet.'
    : `Recoverable from ${formatTimestamp(iso(timeWindow.earliest))} to ${formatTimestamp(iso(timeWindow.latest))}.`;
  return (
    <figure className="recovery-timeline" data-testid="recovery-timeline">
      <div className="recovery-timeline-area">
        <svg
          className={onPick === undefined ? 'recovery-timeline-svg recovery-timeline-still' : 'recovery-timeline-svg'}
          width="100%"
          height={height}
          {...(onPick === undefined
            ? { role: 'img', 'aria-label': `The recoverable window${restorePoints.length === 0 ? '' : ' and its restore points'}. ${description}` }
            : {
              role: 'slider', tabIndex: 0, 'aria-label': 'Point in time to restore to',
              'aria-valuemin': timeWindow.earliest ?? timeWindow.start, 'aria-valuemax': timeWindow.latest ?? timeWindow.end,
              'aria-valuenow': chosen ?? undefined, 'aria-valuetext': chosen === null ? 'none chosen' : formatTimestamp(iso(chosen)),
              'data-testid': 'recovery-timeline-slider',
            })}
          onClick={pick}
          onKeyDown={step}
        >
          <rect className="timeline-track" x="0" y={bandTop} width="100%" height={bandHeight} rx="3" />
          {timeWindow.stretches.map((stretch) => {
            const x = clampX(xOfTime(timeWindow, stretch.from));
            const width = Math.max(clampX(xOfTime(timeWindow, stretch.to)) - x, 0.4);
            return (
              <rect
                key={`${stretch.timeline}-${stretch.from}`}
                className={stretch.endKnown ? 'timeline-recoverable' : 'timeline-recoverable timeline-uncertain'}
                x={`${x}%`} y={bandTop} width={`${width}%`} height={bandHeight}
                data-testid="timeline-recoverable"
              >
                <title>{`timeline ${stretch.timeline}: recoverable from ${formatTimestamp(iso(stretch.from))} to ${stretch.endKnown ? `${formatTimestamp(iso(stretch.to))} (the last archived WAL’s arrival)` : 'a gap, somewhere before the next backup'}`}</title>
              </rect>
            );
          })}
          {axis.ticks.map((at) => (
            <g key={at} className="timeline-axis">
              <line x1={`${xOfTime(timeWindow, at)}%`} x2={`${xOfTime(timeWindow, at)}%`} y1={bandTop - 4} y2={bandTop} />
              <text x={`${xOfTime(timeWindow, at)}%`} y={bandTop - 8} textAnchor="middle">{axis.step < 60_000 ? formatTimestamp(iso(at)).slice(11) : formatShortTimestamp(iso(at))}</text>
            </g>
          ))}
          {timeWindow.backups.map((backup) => {
            const x = clampX(xOfTime(timeWindow, backup.begin));
            const endX = backup.end === null ? x : clampX(xOfTime(timeWindow, backup.end));
            return (
              <g key={backup.backupId} className="timeline-backup" data-testid={`timeline-backup-${backup.backupId}`}>
                <title>{`backup ${backup.backupId}: began ${formatTimestamp(iso(backup.begin))}, ended ${backup.end === null ? '—' : formatTimestamp(iso(backup.end))}`}</title>
                <rect x={`${x}%`} y={backupTop} width={`${Math.max(endX - x, 0.5)}%`} height={6} rx="2" />
                <line x1={`${x}%`} x2={`${x}%`} y1={bandTop} y2={backupTop + 10} />
              </g>
            );
          })}
          {restorePoints.map((mark) => (
            <line
              key={mark.key}
              className={mark.chosen ? 'timeline-restore-point-stem timeline-restore-point-chosen' : 'timeline-restore-point-stem'}
              x1={`${clampX(mark.x)}%`} x2={`${clampX(mark.x)}%`} y1={bandTop} y2={restorePointTop}
            />
          ))}
          {chosen !== null && (
            <g className={`timeline-handle timeline-handle-${place}`} data-testid="timeline-handle">
              <line x1={`${clampX(xOfTime(timeWindow, chosen))}%`} x2={`${clampX(xOfTime(timeWindow, chosen))}%`} y1={bandTop - 6} y2={bandTop + bandHeight + 6} />
              <circle cx={`${clampX(xOfTime(timeWindow, chosen))}%`} cy={bandTop + bandHeight / 2} r="6" />
            </g>
          )}
        </svg>
        {restorePoints.length > 0 && (
          <ul className="timeline-restore-points" style={{ top: restorePointTop - 8 }} aria-label="Restore points on the timeline">
            {restorePoints.map((mark) => {
              const label = `restore point '${mark.point.name}', made ${formatTimestamp(mark.point.time)}, LSN ${mark.point.endLsn}`;
              return (
                <li key={mark.key} style={{ left: `${clampX(mark.x)}%` }}>
                  <button
                    type="button"
                    className={mark.chosen ? 'timeline-restore-point timeline-restore-point-chosen' : 'timeline-restore-point'}
                    aria-label={`${label}${mark.chosen ? ' (the target)' : ''}: restore to it`}
                    aria-pressed={mark.chosen}
                    onClick={() => onChooseRestorePoint(mark.point)}
                    data-testid={`timeline-restore-point-${mark.key}`}
                    data-name={mark.point.name}
                    data-chosen={mark.chosen}
                  >
                    <span className="timeline-restore-point-label" aria-hidden="true">{mark.point.name}<span className="muted"> {formatTimestamp(mark.point.time)}</span></span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      <figcaption className="recovery-timeline-caption">
        <span>{description}</span>
        {place === 'before' && <span className="timeline-warning" data-testid="timeline-place">The chosen time is before the first point a backup reaches: the plan refuses it.</span>}
        {place === 'after' && <span className="timeline-warning" data-testid="timeline-place">The chosen time is after the last archived WAL arrived: recovery may end before it.</span>}
        {place === 'between' && <span className="timeline-warning" data-testid="timeline-place">The chosen time falls where WAL is missing: the plan says whether it can be reached.</span>}
        <span className="timeline-legend" aria-hidden="true">
          <span className="legend-swatch legend-recoverable" /> recoverable <span className="timeline-legend-backup" /> backup
          {restorePoints.length > 0 && <><span className="timeline-legend-restore-point" /> restore point</>}
        </span>
      </figcaption>
    </figure>
  );
}
