/**
 * `serve`: the headless host — the engine and the renderer over HTTP and
 * WebSocket on 127.0.0.1 with a random token — until SIGINT or SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { createHandlers } from '../../engine/contract-handlers';
import { startServeHost } from '../../host/serve-host';
import { ArchiverSupervisor } from '../../engine/scheduler/archiver-supervisor';
import { EngineError } from '../../../shared/errors';
import type { Verb } from '../verb';
import { barkeepVersion } from '../version';

const defaultRendererDir = fileURLToPath(new URL('../../../dist/renderer', import.meta.url));

export const serve: Verb = {
  name: 'serve',
  summary: 'serve the Barkeep UI and API on 127.0.0.1 (token-protected)',
  usage: 'barkeep serve [--port N]',
  details: 'Prints the URL to open, with its token. Only loopback is ever bound; stop with Ctrl-C.',
  options: { port: { type: 'string' }, 'renderer-dir': { type: 'string' }, 'no-archivers': { type: 'boolean' } },
  optionHelp: [
    ['--port N', 'listen on this port (default: a free one)'],
    ['--renderer-dir DIR', 'serve the UI from DIR (default: dist/renderer)'],
    ['--no-archivers', 'do not stream WAL nor archive incoming/ while serving (default: every server with streaming_archiver = on streams)'],
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
    const supervisor = ctx.values['no-archivers'] === true ? null : new ArchiverSupervisor(engine);
    supervisor?.start();
    process.stdout.write(`Barkeep is serving ${engine.home} at ${host.url}\n`);
    process.stdout.write('Open that URL in a browser (the token is required). Stop with Ctrl-C.\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    supervisor?.stop();
    await host.close();
    return 0;
  },
};
