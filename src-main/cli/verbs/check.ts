/**
 * `check SERVER|all [--nagios] [--json]`: Barman's health checks, one line per
 * check (FAILED lines carry a hint), a Nagios status line, or JSON. Thin over
 * the engine's runChecks, which also saves the results as the servers' health.
 */
import type { ServerConfig } from '../../engine/config/load';
import type { Engine } from '../../engine/engine';
import { runChecks, type CheckRun } from '../../engine/check/run-checks';
import { exitCodeForRuns, renderConsole, renderNagios, toCheckJson } from '../../engine/check/report';
import type { Verb } from '../verb';

export const check: Verb = {
  name: 'check',
  summary: 'check that a server is ready to be backed up and archives WAL',
  usage: 'barkeep check SERVER|all [--nagios] [--json]',
  details: [
    'Runs the checks that apply to the server concurrently, each within check_timeout seconds, and saves',
    'the results as its health. Exit 1 when a check FAILED; WARNING lines alone exit 0.',
    'With `all`, servers with active = off are skipped.',
  ].join('\n'),
  options: { nagios: { type: 'boolean' }, json: { type: 'boolean' } },
  optionHelp: [
    ['--nagios', 'print one Nagios plugin line; exit 0 OK, 1 WARNING, 2 CRITICAL'],
    ['--json', 'print the results as JSON (same as -f json)'],
  ],
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const nagios = ctx.values.nagios === true;
    let engine: Engine;
    try {
      engine = ctx.engine();
    } catch (error) {
      if (!nagios) throw error;
      process.stdout.write(`BARKEEP CRITICAL - Global configuration errors: ${(error as Error).message}\n`);
      return 2;
    }
    const wanted = ctx.positionals[0]!;
    const configured = wanted === 'all' ? engine.config.servers : [engine.server(wanted)];
    const servers = wanted === 'all' ? configured.filter((server) => server.active) : configured;
    const ignored = configured.filter((server) => !servers.includes(server)).map((server) => server.name);

    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    let runs: CheckRun[];
    try {
      runs = await Promise.all(servers.map((server: ServerConfig) => runChecks(engine, server, abort.signal)));
    } finally {
      process.off('SIGINT', stop);
    }

    if (nagios) {
      const report = renderNagios(runs, ignored);
      for (const line of report.lines) process.stdout.write(`${line}\n`);
      return report.exitCode;
    }
    if (ctx.values.json === true || ctx.out.format === 'json') {
      ctx.out.json(toCheckJson(runs));
      return exitCodeForRuns(runs);
    }
    for (const run of runs) {
      for (const line of renderConsole(run)) ctx.out.line(line);
      ctx.out.line();
    }
    for (const name of ignored) ctx.out.line(`Server ${name}: skipped (active = off)`);
    return exitCodeForRuns(runs);
  },
};
