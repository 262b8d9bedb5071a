/**
 * The banner across the top of every view while a volume holding a store is
 * past its warning (amber) or critical (red) threshold: which volume, how much
 * is free, which level it passed, the servers on it, what to do, and a link to
 * the Disk view. It cannot be dismissed; it leaves when space is freed.
 */
import type { DiskState, DiskThresholds, DiskVolume } from '../../../shared/domain/disk';
import { hrefFor } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import { adviseOnAlert, describeAlert, formatDays } from './disk-words';

const rank: Record<DiskState, number> = { ok: 0, warning: 1, critical: 2 };

export function DiskBanner() {
  const report = useBarkeep((state) => state.diskReport?.value ?? null);
  if (report === null) return null;
  const alerts = report.volumes.filter((volume) => volume.state !== 'ok').sort((a, b) => rank[b.state] - rank[a.state]);
  if (alerts.length === 0) return null;
  const worst = alerts[0]!.state;
  return (
    <section
      className={`disk-banner disk-banner-${worst}`}
      role="alert"
      aria-label={worst === 'critical' ? 'Disk space critical' : 'Disk space low'}
      data-testid="disk-banner"
      data-state={worst}
    >
      <AlertMark state={worst} />
      <div className="disk-banner-body">
        {alerts.map((volume) => <AlertLine key={volume.id} volume={volume} thresholds={report.thresholds} />)}
        <p className="disk-banner-advice">{adviseOnAlert(worst)}</p>
      </div>
      <a className="disk-banner-link" href={hrefFor('disk')} data-testid="disk-banner-link">
        Open the Disk view
      </a>
    </section>
  );
}

function AlertLine({ volume, thresholds }: { volume: DiskVolume; thresholds: DiskThresholds }) {
  const servers = volume.servers.length === 0 ? '' : ` Servers on it: ${volume.servers.join(', ')}.`;
  const forecast = volume.forecast.state === 'growing' ? ` At the current rate it is full in ${formatDays(volume.forecast.fullInDays)}.` : '';
  return (
    <p className="disk-banner-line" data-testid={`disk-banner-volume-${volume.id}`} data-state={volume.state}>
      <strong>{describeAlert(volume, thresholds)}</strong>
      {servers}
      {forecast}
    </p>
  );
}

/** A shape per level, so the banner reads without colour: a triangle for warning, an octagon for critical. */
function AlertMark({ state }: { state: DiskState }) {
  return (
    <svg className="disk-banner-mark" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
      {state === 'critical'
        ? <polygon points="7,1 17,1 23,7 23,17 17,23 7,23 1,17 1,7" />
        : <polygon points="12,1 23,22 1,22" />}
      <rect x="10.6" y={state === 'critical' ? 5 : 8} width="2.8" height="8" rx="1" className="disk-banner-mark-ink" />
      <circle cx="12" cy={state === 'critical' ? 17.5 : 18.5} r="1.6" className="disk-banner-mark-ink" />
    </svg>
  );
}
