/**
 * Turns bench timings into results: median, min, max, MB/s (1 MB = 10^6 bytes)
 * and the ratio to the reference contender, then prints them as a text table
 * per scenario or as JSON. The only place benchmark numbers are formatted.
 */
import type { Contender, ContenderRole } from './harness';

export interface ContenderSample {
  seconds: number[];
  failure: string | null;
}

export interface ContenderResult {
  name: string;
  role: ContenderRole;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed. */
  reason: string | null;
  /** Wall time of each successful run, in run order. */
  seconds: number[];
  medianSeconds: number | null;
  minSeconds: number | null;
  maxSeconds: number | null;
  /** Bytes per run / median seconds, in 10^6 bytes per second. */
  mbPerSecond: number | null;
  /** Median / the reference's median: above 1 is slower than the reference. */
  ratioToReference: number | null;
}

export interface ScenarioResult {
  name: string;
  title: string;
  runs: number;
  bytes: number;
  referenceName: string | null;
  contenders: ContenderResult[];
  notes: string[];
  /** Set when setup or teardown failed; contenders' own failures are in their rows. */
  error: string | null;
}

/** Summarises one contender's samples; the ratio is filled in later, once the reference is known. */
export function summarizeContender(
  contender: Pick<Contender, 'name' | 'role' | 'skipReason'>,
  sample: ContenderSample,
  bytes: number,
): ContenderResult {
  const base = { name: contender.name, role: contender.role, seconds: sample.seconds, ratioToReference: null };
  const noNumbers = { medianSeconds: null, minSeconds: null, maxSeconds: null, mbPerSecond: null };
  if (contender.skipReason) return { ...base, ...noNumbers, status: 'skipped', reason: contender.skipReason };
  // A contender that failed once has no trustworthy numbers, even from its earlier runs.
  if (sample.failure !== null) return { ...base, ...noNumbers, status: 'failed', reason: sample.failure };
  if (sample.seconds.length === 0) return { ...base, ...noNumbers, status: 'failed', reason: 'no run completed' };
  const medianSeconds = median(sample.seconds);
  return {
    ...base,
    status: 'ok',
    reason: null,
    medianSeconds,
    minSeconds: Math.min(...sample.seconds),
    maxSeconds: Math.max(...sample.seconds),
    mbPerSecond: medianSeconds > 0 ? bytes / 1e6 / medianSeconds : null,
  };
}

/** The middle value, or the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle]!;
  return sorted.length % 2 === 1 ? upper : (sorted[middle - 1]! + upper) / 2;
}

/**
 * Throughput ratios paired by round: reference time / our time of the same
 * round, then their median and range. Rounds are interleaved, so pairing
 * cancels the machine's drift from one round to the next (page-cache
 * pressure, other tenants), which the ratio of two medians does not.
 */
export function pairedThroughput(reference: readonly number[], ours: readonly number[]): { median: number; min: number; max: number } | null {
  const ratios = ours.slice(0, reference.length).map((seconds, round) => reference[round]! / seconds).filter((ratio) => Number.isFinite(ratio));
  if (ratios.length === 0) return null;
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** '0.97× (0.81–1.12× over 7 rounds)': the median, then the range */
export function formatPaired(paired: { median: number; min: number; max: number }, rounds: number): string {
  return `${paired.median.toFixed(2)}× (${paired.min.toFixed(2)}–${paired.max.toFixed(2)}× over ${rounds} rounds)`;
}

/** The text table for one scenario, with its skipped and failed contenders and notes under it. */
export function formatScenarioTable(result: ScenarioResult): string {
  const runs = `${formatMegabytes(result.bytes)} per run, ${result.runs} run${result.runs === 1 ? '' : 's'} each, interleaved`;
  // A scenario whose setup failed has no contenders, and no size to speak of.
  const lines = [`${result.name}: ${result.title}${result.contenders.length > 0 ? `; ${runs}` : ''}`];
  if (result.error !== null) lines.push(`  error: ${result.error}`);
  const rows = result.contenders.map((row) => [
    row.role === 'barkeep' ? `${row.name} [barkeep]` : row.name,
    formatSeconds(row.medianSeconds),
    formatSeconds(row.minSeconds),
    formatSeconds(row.maxSeconds),
    row.mbPerSecond === null ? '-' : row.mbPerSecond.toFixed(1),
    formatRatio(row, result.referenceName),
  ]);
  if (rows.length > 0) lines.push(...alignColumns([['contender', 'median s', 'min s', 'max s', 'MB/s', 'vs reference'], ...rows]));
  for (const row of result.contenders) {
    if (row.status === 'skipped') lines.push(`  skipped ${row.name}: ${row.reason}`);
    if (row.status === 'failed') lines.push(`  FAILED ${row.name}: ${row.reason}`);
  }
  for (const note of result.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

/** Human-readable size, e.g. '160.3 MB'. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function formatSeconds(seconds: number | null): string {
  return seconds === null ? '-' : seconds.toFixed(3);
}

function formatRatio(row: ContenderResult, referenceName: string | null): string {
  if (row.status === 'skipped') return 'skipped';
  if (row.status === 'failed') return 'FAILED';
  if (row.ratioToReference === null || referenceName === null) return '-';
  if (row.name === referenceName) return 'reference';
  return `${row.ratioToReference.toFixed(2)}× ${referenceName}`;
}

/** Left-aligns the first column and right-aligns the rest, two spaces apart. */
function alignColumns(table: string[][]): string[] {
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  return table.map((row) => `  ${row
    .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
    .join('  ')}`);
}
