/**
 * The Disk view (#/disk): per volume holding a store, a gauge of used and free
 * space with the warning and critical levels, its state and "full in N days",
 * and the growth chart over the daily history; then one stacked bar per server
 * (backups and WAL) with what its retention policy will need. "Measure now"
 * walks the stores; otherwise the figures are the newest samples. Opening the
 * view makes refreshes fetch the history too.
 */
import { useEffect } from 'react';
import type { DiskReport, DiskUsageSample, DiskVolume } from '../../../shared/domain/disk';
import { useBarkeep } from '../../app/store-context';
import { formatTimestamp } from '../backups/backup-format';
import { adviseOnAlert, describeForecast, describeVolumeState, formatPercent, stateWords } from './disk-words';
import { GrowthChart } from './growth-chart';
import { ServerUsageBars } from './server-usage-bars';
import { describeGauge, VolumeGauge } from './volume-gauge';

const noSamples: DiskUsageSample[] = [];

export function DiskView() {
  const loadable = useBarkeep((state) => state.diskReport);
  const samples = useBarkeep((state) => state.diskHistory?.value?.samples ?? noSamples);
  const historyProblem = useBarkeep((state) => (state.diskHistory?.status === 'failed' ? state.diskHistory.problem : null));
  const measuring = useBarkeep((state) => state.diskMeasuring);
  const measureDisk = useBarkeep((state) => state.measureDisk);
  const refreshDisk = useBarkeep((state) => state.refreshDisk);
  const openDiskView = useBarkeep((state) => state.openDiskView);
  const closeDiskView = useBarkeep((state) => state.closeDiskView);

  useEffect(() => {
    openDiskView();
    return closeDiskView;
  }, [openDiskView, closeDiskView]);

  const report = loadable?.value ?? null;
  return (
    <section className="view disk-view" data-testid="view-disk" aria-busy={measuring}>
      <div className="view-head">
        <h1 tabIndex={-1}>Disk</h1>
        {report !== null && <span className="muted" title={report.at}>volumes read {formatTimestamp(report.at)}</span>}
        <button type="button" className="button button-small view-action" onClick={() => void refreshDisk()} data-testid="disk-refresh">
          Refresh
        </button>
        <button type="button" className="button button-small" onClick={() => void measureDisk()} disabled={measuring} data-testid="disk-measure">
          {measuring ? 'Measuring…' : 'Measure now'}
        </button>
      </div>
      {loadable?.status === 'failed' && (
        <div className="job-error" role="alert">
          <p>{loadable.problem.message}</p>
          {loadable.problem.hint !== undefined && <p className="hint">{loadable.problem.hint}</p>}
        </div>
      )}
      {historyProblem !== null && (
        <div className="job-error" role="alert">
          <p>The usage history could not be read: {historyProblem.message}</p>
        </div>
      )}
      {report === null && loadable?.status !== 'failed' && <p className="loading">Reading the volumes…</p>}
      {report !== null && <DiskReportPanels report={report} samples={samples} />}
    </section>
  );
}

function DiskReportPanels({ report, samples }: { report: DiskReport; samples: readonly DiskUsageSample[] }) {
  if (report.servers.length === 0) {
    return (
      <div className="panel empty" data-testid="disk-empty">
        <p>No server is configured, so no volume holds a store yet. The Servers view creates the sandbox server.</p>
      </div>
    );
  }
  const { thresholds } = report;
  return (
    <>
      <p className="muted disk-thresholds">
        Levels for every volume: warning below {formatPercent(thresholds.warningFreePercent)} free
        (<code>disk_warning_free_percent</code>), critical below {formatPercent(thresholds.criticalFreePercent)} free
        (<code>disk_critical_free_percent</code>, where backups refuse to start), set in <code>barkeep.conf</code>.
      </p>
      {report.volumes.map((volume) => (
        <VolumePanel key={volume.id} volume={volume} report={report} samples={samples} />
      ))}
      <section className="panel" aria-labelledby="usage-title" data-testid="servers-usage-section">
        <div className="panel-head">
          <h2 id="usage-title">Per server</h2>
          <span className="muted">backups (a hard-linked file counted once) and WAL, on one scale</span>
        </div>
        <ServerUsageBars servers={report.servers} />
      </section>
    </>
  );
}

function VolumePanel({ volume, report, samples }: { volume: DiskVolume; report: DiskReport; samples: readonly DiskUsageSample[] }) {
  const titleId = `volume-${volume.id}-title`;
  const gaugeWords = describeGauge(volume.totalBytes, volume.usedBytes, volume.storeBytes, volume.freeBytes);
  return (
    <section className={`panel volume-panel volume-${volume.state}`} aria-labelledby={titleId} data-testid={`volume-${volume.id}`} data-state={volume.state}>
      <div className="panel-head">
        <h2 id={titleId}>
          Volume <span className="mono">{volume.mountPoint}</span>
        </h2>
        <span className={`badge disk-state disk-state-${volume.state}`} data-testid={`volume-state-${volume.id}`}>
          <span className="health-mark" aria-hidden="true" />
          {stateWords[volume.state]}
        </span>
        <span className="muted">{describeVolumeState(volume, report.thresholds)} · servers: {volume.servers.join(', ')}</span>
      </div>
      <VolumeGauge
        totalBytes={volume.totalBytes}
        usedBytes={volume.usedBytes}
        storeBytes={volume.storeBytes}
        thresholds={report.thresholds}
        state={volume.state}
        size="large"
        label={gaugeWords}
        testId={`volume-gauge-${volume.id}`}
      />
      <p className="gauge-words">{gaugeWords}</p>
      <p className="forecast-sentence" data-testid={`volume-forecast-${volume.id}`} data-forecast={volume.forecast.state}>
        {describeForecast(volume.forecast)}
      </p>
      {volume.state !== 'ok' && <p className="hint">{adviseOnAlert(volume.state)}</p>}
      <GrowthChart volume={volume} thresholds={report.thresholds} samples={samples} now={Date.parse(report.at)} />
    </section>
  );
}
