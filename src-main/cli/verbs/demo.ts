/**
 * `demo`: creates (or reuses) the sandbox cluster, registers it as server
 * `sandbox`, then runs the full cycle on it (engine/sandbox/demo-cycle.ts):
 * archiver, backup, marker writes, a point-in-time drill, and the proof that
 * the restored copy matches. One console line per step; -f json: one document.
 */
import type { JobEvent } from '../../../shared/ipc/events';
import type { Engine } from '../../engine/engine';
import { runDemoCycle, type DemoCycleReport, type DemoStep } from '../../engine/sandbox/demo-cycle';
import { createProgressPrinter, formatBytes } from '../progress-bar';
import type { Verb, VerbContext } from '../verb';

export const demo: Verb = {
  name: 'demo',
  summary: 'create or reuse a local sandbox PostgreSQL server, back it up, write, restore to a point in time and prove it matches',
  usage: 'barkeep demo [--skip-cycle]',
  details: [
    'Uses the PostgreSQL server binaries of this machine. As root, the sandbox cluster runs as the postgres OS user.',
    'The cycle: a streaming archiver in this process (or the one already running), a backup, 6 marker rows in table barkeep_demo',
    'across 6 WAL segments, a drill to the time right after marker 3, and a check that the restored copy holds markers 1-3 only.',
    'Exit code 1 when the restored copy does not match.',
  ].join('\n'),
  options: { 'skip-cycle': { type: 'boolean' } },
  optionHelp: [['--skip-cycle', 'only create or start the sandbox and register it']],
  positionals: { min: 0, max: 0 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine({ createHome: true });
    const unsubscribe = ctx.global.quiet || ctx.out.format === 'json' ? () => undefined : engine.jobs.onEvent(createJobPrinter());
    const cancel = (): void => void engine.jobs.cancelAll();
    process.once('SIGINT', cancel);
    try {
      const report = await engine.startSandbox().done;
      const server = engine.listServers().find((candidate) => candidate.name === report.serverName)!;
      const sandbox = { ...report, conninfo: server.conninfo, configFile: server.configFile, home: engine.home };
      const fields: [string, unknown][] = [
        ['postgresql version', report.pgVersion],
        ['system identifier', report.systemId],
        ['conninfo', server.conninfo],
        ['data directory', report.dataDirectory],
        ['server log', report.logFile],
        ['configuration', server.configFile],
        ['barkeep home', engine.home],
      ];
      const title = `Sandbox server '${report.serverName}' is ${report.created ? 'created and running' : report.started ? 'started' : 'running'}:`;
      if (ctx.values['skip-cycle'] === true) {
        ctx.out.record(title, fields, sandbox);
        printNext(ctx);
        return 0;
      }
      if (ctx.out.format !== 'json') {
        ctx.out.record(title, fields);
        ctx.out.line();
        ctx.out.line('Demo cycle:');
      }
      const cycle = await runCycle(ctx, engine, report.serverName);
      if (ctx.out.format === 'json') ctx.out.json({ ...sandbox, cycle, match: cycle.verdict.match });
      else printNext(ctx);
      return cycle.verdict.match ? 0 : 1;
    } finally {
      process.off('SIGINT', cancel);
      unsubscribe();
    }
  },
};

async function runCycle(ctx: VerbContext, engine: Engine, serverName: string): Promise<DemoCycleReport> {
  const onStep = (step: DemoStep): void => {
    if (ctx.out.format !== 'json') ctx.out.line(`  ${describeStep(step)}`);
  };
  const handle = engine.jobs.submit({
    kind: 'sandbox',
    server: null,
    title: 'demo cycle',
    run: (jobCtx) => runDemoCycle(engine, serverName, jobCtx, { onStep }),
  });
  return handle.done;
}

function describeStep({ step, result }: DemoStep): string {
  switch (step) {
    case 'archiver':
      return result.mode === 'in-process'
        ? `1. wal archiving: streaming archiver started in this process (slot ${result.slot}), stopped when the demo ends`
        : `1. wal archiving: using the archiver already running (pid ${result.pid}, slot ${result.slot})`;
    case 'backup':
      return `2. backup ${result.backupId}: ${result.status}, ${formatBytes(result.sizeBytes)} in ${result.files ?? 0} files`
        + `${result.durationSeconds === null ? '' : ` in ${result.durationSeconds.toFixed(1)} s`} (begin wal ${result.beginWal ?? '-'}, end wal ${result.endWal ?? '-'})`;
    case 'writes':
      return `3. wrote ${result.markers.length} markers into barkeep_demo across ${result.segments.length} wal segments`
        + ` (${result.segments[0] ?? '-'} .. ${result.segments.at(-1) ?? '-'}); drill target: time ${result.targetTime} (after marker 3)`;
    case 'walSwitch':
      return `4. switched wal: last segment ${result.lastSegment} is archived`;
    case 'drill':
      return `5. drill to ${result.target}: ${result.ok ? 'passed' : 'FAILED'} in ${result.durationSeconds.toFixed(1)} s`
        + ` (${formatBytes(result.copiedBytes)}, ${result.walSegments} wal segments); recovery ${result.reachedState ?? '-'} at lsn ${result.reachedLsn ?? '-'}`
        + `${result.error ? `; error: ${result.error.message}` : ''}`;
    case 'verdict':
      return `6. restored ${result.restoredCount ?? '?'} rows: ${result.restored.join(',') || '(none)'}; expected markers 1-3: ${result.expected.join(',')}`
        + ` => ${result.match ? 'MATCH' : 'MISMATCH'}`;
  }
}

function printNext(ctx: VerbContext): void {
  ctx.out.line();
  ctx.out.line('Next:');
  ctx.out.line('  barkeep show-servers sandbox     what Barkeep knows about it');
  ctx.out.line('  barkeep list-backup sandbox      its backups');
  ctx.out.line('  barkeep list-drills sandbox      its restore drills');
  ctx.out.line('  npm run serve                    the Barkeep UI in a browser');
  ctx.out.line('  barkeep diagnose                 everything, as JSON');
}

/** One progress printer per job; the archiver's job shows only its warnings and errors. */
function createJobPrinter(): (event: JobEvent) => void {
  const printers = new Map<string, (event: JobEvent) => void>();
  return (event) => {
    if (event.job.kind === 'receive-wal' && (event.type !== 'log' || event.line.level === 'info')) return;
    let print = printers.get(event.job.id);
    if (!print) {
      print = createProgressPrinter();
      printers.set(event.job.id, print);
    }
    print(event);
  };
}
