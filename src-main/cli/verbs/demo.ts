/**
 * `demo`: creates (or reuses) the sandbox cluster, registers it as server
 * `sandbox`, connects, and prints what it found and what to try next. Later
 * phases extend it into backup -> writes -> point-in-time restore -> verified.
 */
import { createProgressPrinter } from '../progress-bar';
import type { Verb } from '../verb';

export const demo: Verb = {
  name: 'demo',
  summary: 'create or reuse a local sandbox PostgreSQL server and register it',
  usage: 'barkeep demo',
  details: 'Uses the PostgreSQL server binaries of this machine. As root, the sandbox cluster runs as the postgres OS user.',
  options: {},
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine({ createHome: true });
    const unsubscribe = ctx.global.quiet || ctx.out.format === 'json' ? () => undefined : engine.jobs.onEvent(createProgressPrinter());
    try {
      const report = await engine.startSandbox().done;
      const server = engine.listServers().find((candidate) => candidate.name === report.serverName)!;
      ctx.out.record(`Sandbox server '${report.serverName}' is ${report.created ? 'created and running' : report.started ? 'started' : 'running'}:`, [
        ['postgresql version', report.pgVersion],
        ['system identifier', report.systemId],
        ['conninfo', server.conninfo],
        ['data directory', report.dataDirectory],
        ['server log', report.logFile],
        ['configuration', server.configFile],
        ['barkeep home', engine.home],
      ], { ...report, conninfo: server.conninfo, configFile: server.configFile, home: engine.home });
      ctx.out.line();
      ctx.out.line('Next:');
      ctx.out.line('  barkeep show-servers sandbox     what Barkeep knows about it');
      ctx.out.line('  npm run serve                    the Barkeep UI in a browser');
      ctx.out.line('  barkeep diagnose                 everything, as JSON');
      return 0;
    } finally {
      unsubscribe();
    }
  },
};
