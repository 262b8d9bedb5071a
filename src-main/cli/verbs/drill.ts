/**
 * `barkeep drill` (restore a backup into a throwaway folder, start it, check it
 * reaches the target, validate, clean up, record) and `list-drills`. Thin over
 * engine/recovery/drill.ts and catalog/drill-queries.ts: parse, plan, run, print.
 */
import { EngineError } from '../../../shared/errors';
import { lastDrill, listDrills } from '../../engine/catalog/drill-queries';
import { runDrill, type DrillReport } from '../../engine/recovery/drill';
import type { RestorePlan } from '../../engine/recovery/plan';
import { buildDrillOptions, planServerRestore } from '../../engine/recovery/restore-request';
import { createProgressPrinter, formatBytes } from '../progress-bar';
import type { Verb, VerbContext } from '../verb';
import { readRecoveryTarget, stringOption } from './target-options';

export const drill: Verb = {
  name: 'drill',
  summary: 'prove a backup restores: restore it into a temporary folder, start it, validate, clean up, record the result',
  usage: 'barkeep drill SERVER [BACKUP_ID|latest] [--target-time T | --target-xid X | --target-lsn L | --target-name NAME | --target-immediate]'
    + ' [--target-tli current|latest|N] [--target-action promote|pause] [--target-exclusive] [--sql SQL]... [--timeout S] [--temp-dir DIR]',
  details: [
    'The backup is restored (as `barkeep restore` does) into a new folder under the temp folder, owned by postgres; PostgreSQL starts there',
    'on a free port on 127.0.0.1 with its own socket folder, and Barkeep waits until recovery reached the target (promoted, or paused at it),',
    'reads the reached LSN and the time of the last replayed transaction, and runs the validation: by default `select 1` and the number of',
    'user tables in every database; custom queries come from --sql (repeatable) or, per server, from',
    'the server option drill_validation_sql (one query per line), or BARKEEP_DRILL_SQL_<SERVER> (one query per line; SERVER upper-cased, other characters as _).',
    'Custom queries run in the postgres database. `drill_schedule` makes the scheduler (`barkeep cron`, serve, the app) drill on its own.',
    'The cluster is stopped and the folder deleted whatever happens; the result is kept in the catalog (`barkeep list-drills SERVER`).',
    'Exit code 1 when the drill failed.',
  ].join('\n'),
  options: {
    'target-time': { type: 'string' }, 'target-xid': { type: 'string' }, 'target-lsn': { type: 'string' }, 'target-name': { type: 'string' },
    'target-immediate': { type: 'boolean' }, 'target-tli': { type: 'string' }, 'target-action': { type: 'string' },
    'target-exclusive': { type: 'boolean' }, sql: { type: 'string', multiple: true }, timeout: { type: 'string' }, 'temp-dir': { type: 'string' },
  },
  optionHelp: [
    ['--target-* …', 'the recovery target, as for `barkeep restore` (default: the latest archived wal)'],
    ['--target-action A', 'promote (default) or pause: at the target, promote then read, or read while paused'],
    ['--sql SQL', 'a validation query instead of the default ones; repeat for several'],
    ['--timeout S', 'seconds recovery may take to reach the target (default 1800)'],
    ['--temp-dir DIR', 'where the temporary folder goes (default: the OS temp folder); postgres must be able to enter it'],
  ],
  positionals: { min: 1, max: 2 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const target = readRecoveryTarget(ctx, 'promote');
    return executeDrill(ctx, server.name, planServerRestore(engine.catalog, server, ctx.positionals[1] ?? null, target));
  },
};

export const listDrillsVerb: Verb = {
  name: 'list-drills',
  summary: "list a server's restore drills, newest first",
  usage: 'barkeep list-drills SERVER [--last]',
  options: { last: { type: 'boolean' } },
  optionHelp: [['--last', 'only the last drill']],
  positionals: { min: 1, max: 1 },
  listing: true,
  async run(ctx) {
    const engine = ctx.engine();
    const server = engine.server(ctx.positionals[0]!);
    const drills = ctx.values.last === true ? [lastDrill(engine.catalog, server.name)].filter((row) => row !== null) : listDrills(engine.catalog, server.name);
    ctx.out.table(drills.map((row) => ({ ...row, result: row.ok ? 'ok' : `FAILED: ${row.error?.message ?? ''}`, duration: `${row.durationSeconds.toFixed(1)} s` })), [
      { key: 'startedAt', title: 'Started' }, { key: 'backupId', title: 'Backup' }, { key: 'target', title: 'Target' },
      { key: 'duration', title: 'Duration' }, { key: 'reachedLsn', title: 'Reached LSN' }, { key: 'reachedTime', title: 'Last transaction' },
      { key: 'result', title: 'Result' },
    ], drills);
    return 0;
  },
};

export const drillVerbs: readonly Verb[] = [drill, listDrillsVerb];

/** --sql, when given (else the engine falls back to the server's drill_validation_sql, then BARKEEP_DRILL_SQL_<SERVER>). */
function readGivenSql(ctx: VerbContext): string[] | undefined {
  const given = ctx.values.sql;
  return Array.isArray(given) ? given.filter((query): query is string => typeof query === 'string') : undefined;
}

/**
 * Runs a drill of `plan` as a job with a progress bar and prints the outcome; exit code 1 when it failed.
 * Shared by `barkeep drill` and `barkeep restore … --drill` (which may not declare --sql/--timeout/--temp-dir).
 */
export async function executeDrill(ctx: VerbContext, serverName: string, plan: RestorePlan): Promise<number> {
  const engine = ctx.engine();
  const server = engine.server(serverName);
  const timeout = stringOption(ctx, 'timeout');
  if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout)) throw new EngineError('usage', `invalid --timeout '${timeout}'`, 'give a number of seconds, e.g. 600');
  const options = buildDrillOptions(engine.catalog, engine.config.global, server, {
    validationSql: readGivenSql(ctx), tempRoot: stringOption(ctx, 'temp-dir'), timeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
  });
  if (ctx.out.format !== 'json') ctx.out.line(`drill of server '${server.name}': backup ${plan.backup.backupId}, ${plan.targetDescription}, timeline ${plan.targetTimeline}`);
  const handle = engine.jobs.submit({ kind: 'drill', server: server.name, title: `drill ${server.name}`, run: (jobCtx) => runDrill(plan, options, jobCtx) });
  const print = ctx.global.quiet ? null : createProgressPrinter();
  const unsubscribe = engine.jobs.onEvent((event) => {
    if (event.job.id === handle.id) print?.(event);
  });
  const cancel = (): void => void engine.jobs.cancel(handle.id);
  process.once('SIGINT', cancel);
  try {
    const report = await handle.done;
    engine.invalidate('servers', server.name);
    printReport(ctx, report);
    return report.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', cancel);
    unsubscribe();
  }
}


function printReport(ctx: VerbContext, report: DrillReport): void {
  if (ctx.out.format === 'json') {
    ctx.out.json(report);
    return;
  }
  const verdict = report.ok ? 'passed' : 'FAILED';
  ctx.out.line(`drill ${verdict}: backup ${report.backupId} of server '${report.server}' to ${report.target} in ${report.durationSeconds.toFixed(1)} s`
    + ` (${formatBytes(report.copiedBytes)}, ${report.walSegments} wal segments)`);
  if (report.reachedState !== null) {
    ctx.out.line(`  recovery ${report.reachedState} at lsn ${report.reachedLsn ?? '-'}${report.timeline === null ? '' : `, now on timeline ${report.timeline}`};`
      + ` last replayed transaction ${report.reachedTime ?? 'none'}`);
  }
  for (const result of report.validation) {
    const shown = result.rows.length === 1 ? Object.entries(result.rows[0]!).map(([key, value]) => `${key}=${String(value)}`).join(' ') : `${result.rows.length} rows`;
    ctx.out.line(`  ${result.database}: ${shown}   (${result.query.replace(/\s+/g, ' ').slice(0, 60)})`);
  }
  if (report.error) ctx.out.line(`  error: ${report.error.message}${report.error.hint ? `\n  hint: ${report.error.hint}` : ''}`);
  ctx.out.line('  the temporary cluster was stopped and its folder deleted; the result is in `barkeep list-drills`');
}
