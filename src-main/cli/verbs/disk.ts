/**
 * `disk-usage [SERVER]`: per volume its size, free space, state against the
 * global thresholds and the "full in N days" forecast; per server its backups
 * (a hard-linked file counted once), WAL, growth and what its retention policy
 * will need. Thin over engine/disk, which also records today's usage sample.
 */
import type { RetentionPolicy } from '../../engine/config/load';
import { formatDays, type GrowthRate, type VolumeForecast } from '../../engine/disk/forecast';
import { buildDiskReport, type ServerDiskReport } from '../../engine/disk/volume-report';
import { formatPolicy } from '../../engine/retention/recovery-window';
import { formatBytes } from '../progress-bar';
import type { Verb } from '../verb';

export const diskUsage: Verb = {
  name: 'disk-usage',
  summary: 'show disk usage per volume and server, growth, and when each volume fills up',
  usage: 'barkeep disk-usage [SERVER]',
  details: [
    'Volumes are told apart by device: servers whose backup_directory or wals_directory share one are listed together.',
    'Growth is the trend of the daily usage history (the scheduler, backups and deletes record it; so does this verb);',
    'a forecast needs 3 days of samples. State: warning below disk_warning_free_percent, critical below disk_critical_free_percent.',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const wanted = ctx.positionals[0];
    const servers = wanted === undefined ? engine.config.servers : [engine.server(wanted)];
    const report = await buildDiskReport(engine.catalog, servers, engine.config.global, new Date());
    if (ctx.out.format === 'json') {
      ctx.out.json(report);
      return 0;
    }
    if (servers.length === 0) {
      ctx.out.line('no servers are configured.');
      return 0;
    }
    ctx.out.table(report.volumes.map((volume) => ({
      volume: volume.mountPoint,
      size: formatBytes(volume.totalBytes),
      free: formatBytes(volume.freeBytes),
      used: `${(100 - volume.freePercent).toFixed(0)}%`,
      state: volume.state,
      growth: describeGrowth(volume.forecast),
      fullIn: describeFullIn(volume.forecast),
      servers: volume.servers.join(', '),
    })), [
      { key: 'volume', title: 'Volume' },
      { key: 'size', title: 'Size' },
      { key: 'free', title: 'Free' },
      { key: 'used', title: 'Used' },
      { key: 'state', title: 'State' },
      { key: 'growth', title: 'Growth' },
      { key: 'fullIn', title: 'Full in' },
      { key: 'servers', title: 'Servers' },
    ]);
    ctx.out.line();
    ctx.out.table(report.servers.map((server) => ({
      server: server.server,
      backups: formatBytes(server.backupsBytes),
      wal: formatBytes(server.walBytes),
      growth: describeRate(server.growth),
      retention: describeRetentionNeed(server, servers.find((config) => config.name === server.server)?.retentionPolicy ?? null),
    })), [
      { key: 'server', title: 'Server' },
      { key: 'backups', title: 'Backups' },
      { key: 'wal', title: 'WAL' },
      { key: 'growth', title: 'Growth' },
      { key: 'retention', title: 'Retention needs' },
    ]);
    return 0;
  },
};

function describeGrowth(forecast: VolumeForecast): string {
  if (forecast.state === 'not-enough-data') return 'not enough history';
  return `${formatSignedBytes(forecast.bytesPerDay)}/day`;
}

function describeFullIn(forecast: VolumeForecast): string {
  if (forecast.state === 'growing') return formatDays(forecast.fullInDays);
  return forecast.state === 'not-growing' ? 'not growing' : '-';
}

function describeRate(rate: GrowthRate): string {
  return rate.kind === 'rate' ? `${formatSignedBytes(rate.bytesPerDay)}/day` : `not enough history (${rate.samples} day${rate.samples === 1 ? '' : 's'})`;
}

function describeRetentionNeed(server: ServerDiskReport, policy: RetentionPolicy | null): string {
  if (policy === null) return 'no retention_policy';
  if (server.retentionNeed === null) return `${formatPolicy(policy)}: no backup yet`;
  const need = server.retentionNeed;
  return `~${formatBytes(need.bytes)} (${formatPolicy(policy)}: ${need.backupsKept} backup${need.backupsKept === 1 ? '' : 's'}, ${formatDays(need.walDays)} of WAL)`;
}

function formatSignedBytes(bytes: number): string {
  return bytes < 0 ? `-${formatBytes(Math.round(-bytes))}` : formatBytes(Math.round(bytes));
}
