/**
 * `receive-wal SERVER`: the streaming archiver in the foreground (a job, with
 * progress on a TTY), and its controls: --stop, --reset, --create-slot,
 * --drop-slot. A thin door over engine/wal/streaming: no protocol or file work here.
 */
import type { JobEvent } from '../../../shared/ipc/events';
import { EngineError } from '../../../shared/errors';
import { parseLsn } from '../../engine/wal/lsn';
import { runWalReceiver } from '../../engine/wal/streaming/receiver';
import { createReceiverSlot, dropReceiverSlot, resetWalReceiver, stopWalReceiver } from '../../engine/wal/streaming/receiver-control';
import { createProgressPrinter, formatBytes } from '../progress-bar';
import type { Verb, VerbContext } from '../verb';

const actions = ['stop', 'reset', 'create-slot', 'drop-slot'] as const;

export const receiveWal: Verb = {
  name: 'receive-wal',
  summary: "stream a server's WAL into its archive through a replication slot",
  usage: 'barkeep receive-wal [--stop | --reset | --create-slot | --drop-slot] [--until LSN] SERVER',
  details: [
    'Runs in the foreground until stopped (Ctrl-C, SIGTERM or `receive-wal --stop`), reconnecting with backoff',
    'when the connection drops. Each complete segment is fsynced, then archived (compressed as configured)',
    'and indexed; the slot never advances past WAL that is not on disk. After a crash it resumes from the',
    'partial segment, the archive or the slot, without gap or duplicate.',
  ].join('\n'),
  options: {
    stop: { type: 'boolean' },
    reset: { type: 'boolean' },
    'create-slot': { type: 'boolean' },
    'drop-slot': { type: 'boolean' },
    until: { type: 'string' },
  },
  optionHelp: [
    ['--stop', 'stop the receive-wal running for SERVER and wait until it has exited'],
    ['--reset', 'remove the partial segments, so the next start follows the slot (refused while running)'],
    ['--create-slot', "create the server's replication slot (slot_name)"],
    ['--drop-slot', "drop the server's replication slot"],
    ['--until LSN', 'exit 0 once all WAL before LSN is on disk (and archived when LSN ends a segment)'],
  ],
  positionals: { min: 1, max: 1 },
  listing: false,
  async run(ctx) {
    const chosen = actions.filter((action) => ctx.values[action] === true);
    if (chosen.length > 1) {
      throw new EngineError('usage', `receive-wal: --${chosen.join(' and --')} cannot be combined`, 'give one of --stop, --reset, --create-slot, --drop-slot');
    }
    if (chosen.length === 1 && ctx.values.until !== undefined) {
      throw new EngineError('usage', `receive-wal: --until goes with streaming, not --${chosen[0]!}`, 'drop --until');
    }
    const server = ctx.engine().server(ctx.positionals[0]!);
    switch (chosen[0]) {
      case 'stop': {
        const stopped = await stopWalReceiver(server);
        ctx.out.line(stopped.pid === null ? `receive-wal for server '${server.name}' is not running` : `receive-wal for server '${server.name}' (pid ${stopped.pid}) stopped`);
        return 0;
      }
      case 'reset': {
        const { removed } = resetWalReceiver(server);
        ctx.out.line(`receive-wal state of server '${server.name}' reset${removed.length > 0 ? `: removed ${removed.join(', ')}` : ''}; the next start follows the slot`);
        return 0;
      }
      case 'create-slot':
        ctx.out.line(`replication slot '${await createReceiverSlot(server)}' created on server '${server.name}'`);
        return 0;
      case 'drop-slot':
        ctx.out.line(`replication slot '${await dropReceiverSlot(server)}' dropped on server '${server.name}'`);
        return 0;
      default:
        return await receiveInForeground(ctx, server.name);
    }
  },
};

async function receiveInForeground(ctx: VerbContext, serverName: string): Promise<number> {
  const until = typeof ctx.values.until === 'string' ? parseLsn(ctx.values.until) : null;
  const engine = ctx.engine();
  const server = engine.server(serverName);
  const job = engine.jobs.submit({
    kind: 'receive-wal',
    server: server.name,
    title: `receive-wal ${server.name}`,
    run: (jobCtx) => runWalReceiver(server, engine.catalog, jobCtx, { until }),
  });
  const unsubscribe = ctx.global.quiet ? () => undefined : engine.jobs.onEvent(createPrinter(job.id));
  let stopSignal: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal ??= signal;
    engine.jobs.cancel(job.id);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const report = await job.done;
    ctx.out.line(`receive-wal for server '${server.name}' ${report.endedBy === 'until' ? `reached ${ctx.values.until as string}` : 'stopped'}: `
      + `${report.segmentsArchived} segment(s) archived, ${formatBytes(report.bytesReceived)} received, flushed up to ${report.flushedLsn ?? '-'}`);
    return 0;
  } catch (error) {
    if (stopSignal !== null && error instanceof EngineError && error.code === 'cancelled') {
      ctx.out.line(`receive-wal for server '${server.name}' stopped (${stopSignal})`);
      return 0;
    }
    throw error;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    unsubscribe();
  }
}

/** On a TTY, the progress line; on a pipe, the log lines only (one per archived segment). */
function createPrinter(jobId: string): (event: JobEvent) => void {
  const stream = process.stderr;
  const progress = stream.isTTY === true ? createProgressPrinter(stream) : null;
  return (event) => {
    if (event.job.id !== jobId) return;
    if (progress) return progress(event);
    if (event.type === 'log') stream.write(`${event.line.level === 'info' ? '' : `${event.line.level.toUpperCase()}: `}${event.line.message}\n`);
  };
}
