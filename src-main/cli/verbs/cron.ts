/**
 * `cron`: one pass of the scheduler — archive incoming WAL, start receive-wal,
 * due backups, retention, due checks, disk samples — printing what it did per
 * server, as Barman's `cron` does (run it every minute from the system's
 * cron); or, with --daemon, a pass every minute until SIGINT or SIGTERM. Thin
 * over engine/scheduler: how receive-wal starts is the only choice made here.
 */
import path from 'node:path';
import { EngineError, toErrorPayload } from '../../../shared/errors';
import type { Engine } from '../../engine/engine';
import { ArchiverSupervisor } from '../../engine/scheduler/archiver-supervisor';
import type { JobOutcome } from '../../engine/scheduler/pass-context';
import { DetachedReceiverLauncher, type BarkeepCommand } from '../../engine/scheduler/receiver-launcher';
import { Scheduler } from '../../engine/scheduler/scheduler';
import type { Verb, VerbContext } from '../verb';
import { barkeepScript } from '../install-root';

export const cron: Verb = {
  name: 'cron',
  summary: 'run the scheduled work once (WAL archiving, receive-wal, due backups, retention, checks, disk samples)',
  usage: 'barkeep cron [--daemon]',
  details: [
    'For every active server, in order: archive incoming/ (archiver = on); start receive-wal when streaming_archiver = on',
    'and none runs (a detached process logging to <backup_directory>/receive-wal.log); a backup when backup_schedule is due;',
    'retention (retention_policy set; also right after a scheduled backup); the checks when check_schedule is due; a disk',
    'usage sample. Each job is claimed in the catalog first, so several schedulers (cron, serve, the app) run it once.',
    'A schedule seen for the first time only records when it was last due: it first runs at its next due time. Due times',
    'missed while nothing ran (the machine slept) run once, not once each. Exit 1 when a job failed.',
  ].join('\n'),
  options: { daemon: { type: 'boolean' } },
  optionHelp: [
    ['--daemon', 'keep running: a pass at the start of every minute, receive-wal in this process, until Ctrl-C or SIGTERM'],
  ],
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    return ctx.values.daemon === true ? runDaemon(ctx) : runOnce(ctx);
  },
};

async function runOnce(ctx: VerbContext): Promise<number> {
  const engine = ctx.engine();
  const scheduler = new Scheduler(engine, { receivers: new DetachedReceiverLauncher(barkeepCommand(ctx.configFile)) });
  const outcomes: JobOutcome[] = [];
  scheduler.onOutcome((outcome) => {
    outcomes.push(outcome);
    ctx.out.line(formatOutcome(outcome));
  });
  // Ctrl-C cancels the backups and checks the pass started: they end FAILED and cancelled, harming nothing.
  const cancel = (): void => scheduler.cancelJobs();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    await scheduler.runPass();
    await scheduler.whenIdle();
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
  if (activeServers(engine) === 0) ctx.out.line('no active server is configured: nothing to do');
  if (ctx.out.format === 'json') ctx.out.json({ claimant: scheduler.claims.claimant, outcomes });
  return outcomes.some((outcome) => outcome.status === 'failed') ? 1 : 0;
}

async function runDaemon(ctx: VerbContext): Promise<number> {
  if (ctx.out.format === 'json') throw new EngineError('usage', 'cron --daemon does not take -f json', 'drop -f json, or run `barkeep -f json cron` once a minute');
  const engine = ctx.engine();
  const scheduler = new Scheduler(engine, {
    receivers: new ArchiverSupervisor(engine),
    // A long-running scheduler follows edits of the configuration files, as a cron run every minute would.
    beforePass: () => {
      try {
        engine.reloadConfig();
      } catch (error) {
        ctx.out.warn(`configuration not reloaded: ${toErrorPayload(error).message}; this pass uses the previous one`);
      }
    },
  });
  scheduler.onOutcome((outcome) => {
    // Every minute repeats "not due", "running", empty intakes and samples: the daemon prints what changed.
    if (outcome.routine) return;
    if (ctx.global.quiet && outcome.status !== 'failed') return;
    ctx.out.line(`${outcome.at} ${formatOutcome(outcome)}`);
  });
  ctx.out.line(`barkeep cron --daemon (pid ${process.pid}): a pass every minute over ${engine.home}; stop with Ctrl-C or SIGTERM`);
  scheduler.start();
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  ctx.out.line(`barkeep cron --daemon stopping (${signal}): cancelling scheduled jobs and stopping the archivers`);
  await scheduler.stop();
  return 0;
}

/** `pg: backup: started - due 2026-11-24 03:00 (0 3 * * *)` */
export function formatOutcome(outcome: JobOutcome): string {
  return `${outcome.server}: ${outcome.job}: ${outcome.status.replace('-', ' ')} - ${outcome.detail}`;
}

/** This same `barkeep` with the same configuration file, for detached receive-wal processes. */
function barkeepCommand(configFile: string): BarkeepCommand {
  return { executable: process.execPath, args: [barkeepScript, '-c', configFile], cwd: path.dirname(path.dirname(barkeepScript)) };
}

function activeServers(engine: Engine): number {
  return engine.config.servers.filter((server) => server.active).length;
}
