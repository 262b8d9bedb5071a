/**
 * A one-line progress bar for jobs on a TTY (phase, bar, bytes, rate, ETA),
 * redrawn at most a few times a second; on a pipe it prints phase changes only.
 */
import type { JobSnapshot } from '../../shared/domain/job';
import type { JobEvent } from '../../shared/ipc/events';

const barWidth = 28;

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: JobEvent) => void {
  const tty = stream.isTTY === true;
  let lastPhase = '';
  let lastDraw = 0;
  let startedAt = Date.now();
  return (event) => {
    const job = event.job;
    if (event.type === 'started') startedAt = Date.now();
    if (event.type === 'log') {
      if (tty) stream.write('\r\x1b[2K');
      stream.write(`${event.line.level === 'info' ? '' : `${event.line.level.toUpperCase()}: `}${event.line.message}\n`);
      return;
    }
    const terminal = event.type === 'succeeded' || event.type === 'failed' || event.type === 'cancelled';
    if (!tty) {
      if (job.phase !== lastPhase && !terminal) stream.write(`${job.title}: ${job.phase}\n`);
      lastPhase = job.phase;
      return;
    }
    const now = Date.now();
    if (!terminal && job.phase === lastPhase && now - lastDraw < 200) return;
    lastPhase = job.phase;
    lastDraw = now;
    stream.write(`\r\x1b[2K${renderLine(job, (now - startedAt) / 1000)}`);
    if (terminal) stream.write('\n');
  };
}

export function renderLine(job: JobSnapshot, elapsedSeconds: number): string {
  const total = job.bytesTotal;
  const fraction = total && total > 0 ? Math.min(1, job.bytesDone / total) : null;
  const filled = fraction === null ? 0 : Math.round(fraction * barWidth);
  const bar = fraction === null ? '·'.repeat(barWidth) : `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
  const rate = elapsedSeconds > 0 ? job.bytesDone / elapsedSeconds : 0;
  const eta = fraction !== null && rate > 0 && total ? ` ETA ${formatDuration((total - job.bytesDone) / rate)}` : '';
  const amount = total ? `${formatBytes(job.bytesDone)}/${formatBytes(total)}` : job.bytesDone > 0 ? formatBytes(job.bytesDone) : '';
  const percent = fraction === null ? '' : ` ${(fraction * 100).toFixed(0).padStart(3)}%`;
  return `${job.title} [${bar}]${percent} ${job.phase} ${amount}${rate > 0 ? ` ${formatBytes(rate)}/s` : ''}${eta}`.trimEnd();
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return whole >= 3600 ? `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
