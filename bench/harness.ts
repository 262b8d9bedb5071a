/**
 * The bench harness: a scenario sets up a fixture once, then every contender
 * (Barkeep's code path and reference commands) runs N times, interleaved
 * A B C A B C … so drifting machine noise spreads over all of them. Owns the
 * timing and the teardown order; formatting lives in report.ts.
 */
import { mkdir, rename, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { summarizeContender } from './report';
import type { ContenderResult, ContenderSample, ScenarioResult } from './report';

export type ContenderRole = 'barkeep' | 'reference';

export interface Contender {
  /** Shown in the table; a reference's name also labels the ratio ("1.37× cp -a"). */
  name: string;
  role: ContenderRole;
  /** Set when the contender cannot run on this machine (e.g. a missing tool): listed, never run. */
  skipReason?: string | null;
  /** One timed run. Throwing marks the contender failed; the others go on. */
  run(): Promise<void>;
  /** After every run, outside the timing: checks the result is real (e.g. the copy is complete). */
  verify?(): Promise<void>;
  /** After every run and its check, outside the timing: what the notes explain it with (e.g. its fixed costs). */
  measureAfter?(): Promise<void>;
}

export interface ScenarioFixture {
  /** Bytes one run moves, for MB/s; the same for every contender. */
  bytes: number;
  /** In table order; the first reference that runs is the one ratios compare to. */
  contenders: Contender[];
  /** Before every run, outside the timing: e.g. removes the destination. */
  reset(): Promise<void>;
  /** Lines printed under the table, read after the runs (what was measured, how it is kept fair). */
  describe(): string[];
}

export interface ScenarioContext {
  /** Progress for the operator, on stderr. */
  log(message: string): void;
  /**
   * Registers teardown work (stop a server, remove a folder); run newest first
   * after the runs, and also when setup itself fails part-way.
   */
  onTeardown(cleanup: () => Promise<void> | void): void;
  /**
   * Moves a run's output (a folder, if it exists) out of the way, to be deleted
   * at teardown. Not deleted between runs: on ext4 without a journal, creating
   * files in the minute after thousands were deleted scans the recently freed
   * inodes, and the next contender's file creation measured 3–5× slower.
   */
  setAside(folder: string): Promise<void>;
  /**
   * Deletes the folder once the last scenario has run (or at exit), not at this
   * scenario's teardown: a scenario's thousands of deleted files would slow the
   * next scenario's file creation for minutes (see setAside). Deleted at
   * teardown after all when the volume has under a fifth free.
   */
  removeAtEnd(folder: string): void;
}

export interface Scenario {
  /** Used by --only, e.g. 'read-data-folder'. */
  name: string;
  /** The table's heading, e.g. 'read a data folder'. */
  title: string;
  setup(ctx: ScenarioContext): Promise<ScenarioFixture>;
}

export interface RunOptions {
  runs: number;
  log(message: string): void;
  /** the bench's list of folders deleted after every scenario ran */
  removeAtEnd(folder: string): void;
}

/** Sets up, runs every contender opts.runs times interleaved, tears down; never throws for a contender's failure. */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioResult> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const setAsideFolders = new Set<string>();
  let setAsideCount = 0;
  let lowSpaceSaid = false;
  const lowOnSpace = async (folder: string): Promise<boolean> => {
    const volume = await statfs(path.dirname(folder));
    return volume.bavail < volume.blocks / 5;
  };
  const ctx: ScenarioContext = {
    log: (message) => opts.log(`[${scenario.name}] ${message}`),
    onTeardown: (cleanup) => {
      cleanups.push(cleanup);
    },
    setAside: async (folder) => {
      // Kept outputs fill the volume run by run: below a fifth free, they are deleted after all.
      if (await lowOnSpace(folder)) {
        if (!lowSpaceSaid) ctx.log('under 20% free on the output volume: runs\' outputs are deleted between runs (file creation may measure slower)');
        lowSpaceSaid = true;
        await rm(folder, { recursive: true, force: true });
        return;
      }
      // Beside the folder, so the rename stays on its volume.
      const aside = path.join(path.dirname(folder), '.set-aside');
      if (!setAsideFolders.has(aside)) {
        setAsideFolders.add(aside);
        ctx.removeAtEnd(aside);
      }
      await mkdir(aside, { recursive: true });
      await rename(folder, path.join(aside, `${path.basename(folder)}-${++setAsideCount}`)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
    removeAtEnd: (folder) => {
      cleanups.push(async () => {
        if (await lowOnSpace(folder).catch(() => true)) await rm(folder, { recursive: true, force: true });
        else opts.removeAtEnd(folder);
      });
    },
  };
  const result: ScenarioResult = {
    name: scenario.name, title: scenario.title, runs: opts.runs, bytes: 0, referenceName: null, contenders: [], notes: [], error: null,
  };
  try {
    ctx.log('setting up');
    const fixture = await scenario.setup(ctx);
    result.bytes = fixture.bytes;
    const samples = await runInterleaved(fixture, opts.runs, ctx);
    result.contenders = fixture.contenders.map((contender) => summarizeContender(contender, samples.get(contender) ?? emptySample(), fixture.bytes));
    result.referenceName = applyRatios(result.contenders);
    result.notes = fixture.describe();
  } catch (error) {
    result.error = describeError(error);
  } finally {
    ctx.log('tearing down');
    const teardownErrors = await runCleanups(cleanups);
    if (teardownErrors.length > 0 && result.error === null) result.error = `teardown failed: ${teardownErrors.join('; ')}`;
  }
  return result;
}

async function runInterleaved(fixture: ScenarioFixture, runs: number, ctx: ScenarioContext): Promise<Map<Contender, ContenderSample>> {
  const samples = new Map<Contender, ContenderSample>();
  for (const contender of fixture.contenders) {
    if (contender.skipReason) ctx.log(`skipping ${contender.name}: ${contender.skipReason}`);
    else samples.set(contender, emptySample());
  }
  for (let round = 1; round <= runs; round++) {
    for (const [contender, sample] of samples) {
      if (sample.failure !== null) continue;
      try {
        await fixture.reset();
        const started = process.hrtime.bigint();
        await contender.run();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        await contender.verify?.();
        await contender.measureAfter?.();
        sample.seconds.push(seconds);
        ctx.log(`run ${round}/${runs} ${contender.name}: ${seconds.toFixed(3)} s`);
      } catch (error) {
        sample.failure = describeError(error);
        ctx.log(`run ${round}/${runs} ${contender.name} failed: ${sample.failure}`);
      }
    }
  }
  return samples;
}

/** Fills each row's ratio against the first reference with timings; returns that reference's name. */
function applyRatios(rows: ContenderResult[]): string | null {
  const reference = rows.find((row) => row.role === 'reference' && row.status === 'ok' && row.medianSeconds !== null);
  if (!reference || reference.medianSeconds === null || reference.medianSeconds <= 0) return null;
  for (const row of rows) {
    if (row.medianSeconds !== null) row.ratioToReference = row.medianSeconds / reference.medianSeconds;
  }
  return reference.name;
}

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<string[]> {
  const errors: string[] = [];
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
    try {
      await cleanup();
    } catch (error) {
      // Keep going: one failed cleanup must not leave the others' resources behind.
      errors.push(describeError(error));
    }
  }
  return errors;
}

function emptySample(): ContenderSample {
  return { seconds: [], failure: null };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = (error as { hint?: unknown }).hint;
  return typeof hint === 'string' && hint ? `${error.message} (${hint})` : error.message;
}
