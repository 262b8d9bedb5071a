/**
 * `serve`: the headless host — the engine and the renderer over HTTP and
 * WebSocket on 127.0.0.1 with a random token — until SIGINT or SIGTERM, with
 * the scheduler running in-process (WAL archiving, receive-wal, scheduled
 * backups, retention, checks, disk samples), as in the desktop app.
 */
import path from 'node:path';
import { createHandlers } from '../../engine/contract-handlers';
import { startServeHost } from '../../host/serve-host';
import { ArchiverSupervisor } from '../../engine/scheduler/archiver-supervisor';
import type { JobOutcome } from '../../engine/scheduler/pass-context';
import { Scheduler } from '../../engine/scheduler/scheduler';
import { EngineError } from '../../../shared/errors';
import type { Verb } from '../verb';
import { barkeepVersion } from '../version';
import { installRoot } from '../install-root';

const defaultRendererDir = path.join(installRoot, 'dist', 'renderer');

export const serve: Verb = {
  name: 'serve',
  summary: 'serve the Barkeep UI and API on 127.0.0.1 (token-protected)',
  usage: 'barkeep serve [--port N] [--no-scheduler]',
  details: [
    'Prints the URL to open, with its token. Only loopback is ever bound; stop with Ctrl-C.',
    'While it serves, the scheduler runs in-process every minute, as `barkeep cron --daemon` does.',
  ].join('\n'),
  options: {
    port: { type: 'string' }, 'renderer-dir': { type: 'string' }, 'no-scheduler': { type: 'boolean' }, 'no-archivers': { type: 'boolean' },
  },
  optionHelp: [
    ['--port N', 'listen on this port (default: a free one)'],
    ['--renderer-dir DIR', 'serve the UI from DIR (default: dist/renderer)'],
    ['--no-scheduler', 'no background work while serving: no WAL streaming or archiving, no scheduled backups, retention, checks or disk samples'],
    ['--no-archivers', 'the same as --no-scheduler (its older name)'],
  ],
  positionals: { min: 0, max: 0 },
  listing: false,
  async run(ctx) {
    const port = ctx.values.port === undefined ? 0 : Number(ctx.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new EngineError('usage', `invalid port '${String(ctx.values.port)}'`, 'give a number between 1 and 65535, or leave --port out');
    }
    const engine = ctx.engine({ createHome: true });
    const host = await startServeHost({
      handlers: createHandlers(engine, 'http', barkeepVersion),
      subscribe: (listener) => engine.onEvent(listener),
      rendererDir: typeof ctx.values['renderer-dir'] === 'string' ? ctx.values['renderer-dir'] : defaultRendererDir,
      port,
    });
    const withScheduler = ctx.values['no-scheduler'] !== true && ctx.values['no-archivers'] !== true;
    const scheduler = withScheduler ? new Scheduler(engine, { receivers: new ArchiverSupervisor(engine) }) : null;
    scheduler?.onOutcome(logOutcome);
    scheduler?.start();
    // Edits of barkeep.conf and conf.d made outside the editor are followed, as the app does.
    const stopFollowing = engine.followConfigEdits();
    process.stdout.write(`Barkeep is serving ${engine.home} at ${host.url}\n`);
    process.stdout.write('Open that URL in a browser (the token is required). Stop with Ctrl-C.\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    stopFollowing();
    await scheduler?.stop();
    await host.close();
    return 0;
  },
};

/** What the scheduler did, on stderr: what changed or failed, not the every-minute routine. */
function logOutcome(outcome: JobOutcome): void {
  if (outcome.routine) return;
  process.stderr.write(`${outcome.at} ${outcome.server}: ${outcome.job}: ${outcome.status} - ${outcome.detail}\n`);
}
