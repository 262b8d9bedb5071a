/**
 * How a check run reads: Barman's console lines (`Server NAME:`, then
 * `\tNAME: OK` or `\tNAME: FAILED (detail)` and a hint line), the one-line
 * Nagios status with its exit code, and the JSON document. Pure functions.
 */
import type { CheckResult } from './model';

export interface ServerCheckRun {
  server: string;
  checkedAt: string;
  results: readonly CheckResult[];
}

export type RunStatus = 'ok' | 'warning' | 'failed';

export function statusOf(results: readonly CheckResult[]): RunStatus {
  if (results.some((result) => !result.ok && result.severity === 'critical')) return 'failed';
  return results.some((result) => !result.ok) ? 'warning' : 'ok';
}

/** 1 when a critical check failed on any server; warnings alone exit 0. */
export function exitCodeForRuns(runs: readonly ServerCheckRun[]): 0 | 1 {
  return runs.some((run) => statusOf(run.results) === 'failed') ? 1 : 0;
}

export function renderConsole(run: ServerCheckRun): string[] {
  const lines = [`Server ${run.server}:`];
  for (const result of run.results) {
    if (result.ok) {
      lines.push(`\t${result.name}: OK${result.detail ? ` (${result.detail})` : ''}`);
      continue;
    }
    lines.push(`\t${result.name}: ${failureWord(result)} (${result.detail})`);
    if (result.hint) lines.push(`\t\tHINT: ${result.hint}`);
  }
  return lines;
}

export interface NagiosReport {
  lines: string[];
  /** Nagios plugin codes: 0 OK, 1 WARNING, 2 CRITICAL */
  exitCode: 0 | 1 | 2;
}

/** One status line (Nagios' $SERVICEOUTPUT$), then one line per failing check ($LONGSERVICEOUTPUT$). */
export function renderNagios(runs: readonly ServerCheckRun[], ignored: readonly string[] = []): NagiosReport {
  const ignoring = ignored.map((name) => ` * IGNORING: ${name}`).join('');
  const troubled = runs.filter((run) => statusOf(run.results) !== 'ok');
  if (troubled.length === 0) {
    const names = runs.map((run) => run.server);
    if (names.length === 0) return { lines: [`BARKEEP OK - No server configured${ignoring}`], exitCode: 0 };
    const serving = names.length === 1 ? `for ${names[0]}` : `for ${names.length} servers * ${names.join(' * ')}`;
    return { lines: [`BARKEEP OK - Ready to serve the Espresso backup ${serving}${ignoring}`], exitCode: 0 };
  }
  const critical = troubled.some((run) => statusOf(run.results) === 'failed');
  const [level, word] = critical ? ['CRITICAL', 'issues'] : ['WARNING', 'warnings'];
  const summary = troubled.flatMap((run) => summariseServer(run)).join(' * ');
  const who = runs.length === 1 ? `server ${runs[0]!.server} has ${word}` : `${troubled.length} server out of ${runs.length} have ${word}`;
  const details = troubled.flatMap((run) => run.results
    .filter((result) => !result.ok)
    .map((result) => `${run.server}.${result.name}: ${failureWord(result)} (${result.detail})`));
  return { lines: [`BARKEEP ${level} - ${who} * ${summary}${ignoring}`, ...details], exitCode: critical ? 2 : 1 };
}

function summariseServer(run: ServerCheckRun): string[] {
  const names = (severity: CheckResult['severity']): string[] =>
    run.results.filter((result) => !result.ok && result.severity === severity).map((result) => result.name);
  const critical = names('critical');
  const warning = names('warning');
  return [
    ...(critical.length > 0 ? [`${run.server} FAILED: ${critical.join(', ')}`] : []),
    ...(warning.length > 0 ? [`${run.server} WARNING: ${warning.join(', ')}`] : []),
  ];
}

/** The document `check --json` prints: one entry per server, every result with its severity and hint. */
export function toCheckJson(runs: readonly ServerCheckRun[]): unknown {
  return runs.map((run) => ({
    server: run.server,
    status: statusOf(run.results),
    checkedAt: run.checkedAt,
    checks: run.results.map((result) => ({
      name: result.name,
      ok: result.ok,
      severity: result.severity,
      detail: result.detail,
      hint: result.hint ?? null,
    })),
  }));
}

function failureWord(result: CheckResult): string {
  return result.severity === 'critical' ? 'FAILED' : 'WARNING';
}
