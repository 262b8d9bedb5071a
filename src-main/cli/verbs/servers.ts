/**
 * `list-servers` and `show-servers`: what is configured, with the facts the
 * catalog holds (version, system id, backups); secrets are never printed.
 */
import type { RetentionPolicy } from '../../engine/config/load';
import type { Verb } from '../verb';

export const listServers: Verb = {
  name: 'list-servers',
  summary: 'list the configured servers',
  usage: 'barkeep list-servers [--minimal]',
  options: { minimal: { type: 'boolean' } },
  optionHelp: [['--minimal', 'print only the names']],
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    const servers = ctx.engine().listServers();
    if (ctx.values.minimal === true && ctx.out.format === 'console') {
      servers.forEach((server) => ctx.out.line(server.name));
      return 0;
    }
    if (servers.length === 0 && ctx.out.format === 'console') {
      ctx.out.line('no servers are configured.');
      ctx.out.line('run `barkeep demo` to create a sandbox server, or add a file to the configuration folder.');
      return 0;
    }
    ctx.out.table(
      servers.map((server) => ({ ...server, description: server.description || '-', sandbox: server.isSandbox })),
      [
        { key: 'name', title: 'Server' },
        { key: 'description', title: 'Description' },
        { key: 'backupMethod', title: 'Method' },
        { key: 'pgVersion', title: 'PostgreSQL' },
        { key: 'backupCount', title: 'Backups' },
        { key: 'health', title: 'Health' },
      ],
      servers,
    );
    return 0;
  },
};

export const showServers: Verb = {
  name: 'show-servers',
  summary: 'show the configuration and known facts of one server or all',
  usage: 'barkeep show-servers SERVER|all',
  options: {},
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const wanted = ctx.positionals[0]!;
    const names = wanted === 'all' ? engine.config.servers.map((server) => server.name) : [engine.server(wanted).name];
    const shown = names.map((name) => {
      const summary = engine.listServers().find((server) => server.name === name)!;
      const config = engine.server(name);
      return { summary, config: { ...config, conninfo: summary.conninfo, streamingConninfo: config.streamingConninfo === null ? null : '(set)' } };
    });
    if (ctx.out.format === 'json') {
      ctx.out.json(shown);
      return 0;
    }
    for (const { summary, config } of shown) {
      ctx.out.record(`Server ${summary.name}:`, [
        ['description', summary.description || '-'],
        ['active', summary.active],
        ['configuration file', summary.configFile],
        ['conninfo', summary.conninfo],
        ['backup method', summary.backupMethod],
        ['reuse backup', config.reuseBackup],
        ['parallel jobs', config.parallelJobs],
        ['compression', config.compression],
        ['retention policy', describeRetention(config.retentionPolicy)],
        ['minimum redundancy', config.minimumRedundancy],
        ['streaming archiver', config.streamingArchiver],
        ['slot name', config.slotName],
        ['backup directory', config.backupDirectory],
        ['wals directory', config.walsDirectory],
        ['postgresql version', summary.pgVersion],
        ['system identifier', summary.systemId],
        ['backups', summary.backupCount],
        ['last backup', summary.lastBackupAt],
        ['sandbox', summary.isSandbox],
      ]);
      ctx.out.line();
    }
    return 0;
  },
};

function describeRetention(policy: RetentionPolicy | null): string | null {
  if (policy === null) return null;
  return policy.kind === 'redundancy' ? `REDUNDANCY ${policy.copies}` : `RECOVERY WINDOW OF ${policy.amount} ${policy.unit.toUpperCase()}`;
}
