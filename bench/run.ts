/**
 * `npm run bench [-- --runs N --only NAME --scale N --json FILE]`: registers the
 * scenarios, runs the chosen ones one after another and prints a table for each.
 * Every resource joins the process-exit cleanup list (test/support/temp-dir.ts),
 * so a failure or Ctrl-C still stops servers, kills children and removes folders.
 */
import os from 'node:os';
import { rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { registerExitCleanup } from '../test/support/temp-dir';
import { runScenario } from './harness';
import type { Scenario } from './harness';
import { formatScenarioTable } from './report';
import type { ScenarioResult } from './report';
import { backupPostgresScenario } from './scenarios/backup-postgres';
import { backupRsyncScenario } from './scenarios/backup-rsync';
import { catalogIndexScenario } from './scenarios/catalog-index';
import { readDataFolderScenario } from './scenarios/read-data-folder';
import { restoreLocalScenario } from './scenarios/restore-local';
import { uiLargeCatalogScenario } from './scenarios/ui-large-catalog';
import { walStreamingScenario } from './scenarios/wal-streaming';

interface BenchArgs {
  runs: number;
  only: string[];
  scale: number;
  jsonFile: string | null;
}

const usage = `usage: npm run bench -- [--runs N] [--only NAME]... [--scale N] [--json FILE]
  --runs N     runs per contender, interleaved (default 3)
  --only NAME  run only this scenario (repeatable)
  --scale N    pgbench scale of the read-data-folder cluster (default 10: a data folder of about 215 MB)
  --json FILE  also write the results as JSON`;

/** Set once main() settles; an exit before that is an interruption. */
let finished = false;

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const scenarios: Scenario[] = [
    readDataFolderScenario({ pgbenchScale: args.scale }),
    catalogIndexScenario({ rowCount: 100_000 }),
    backupPostgresScenario({ pgbenchScale: args.scale }),
    backupRsyncScenario({ pgbenchScale: args.scale }),
    restoreLocalScenario({ pgbenchScale: args.scale }),
    walStreamingScenario({ walMegabytes: 512 }),
    uiLargeCatalogScenario({ backups: 5_000, walSegments: 500_000 }),
  ];
  const selected = selectScenarios(scenarios, args.only);

  // Registered first, so it runs last: after every server, child and folder is gone.
  registerExitCleanup(() => {
    if (!finished) process.stderr.write('bench interrupted: servers stopped, children killed, temporary folders removed\n');
  });

  const startedAt = new Date().toISOString();
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  console.log(`barkeep bench: node ${process.version}, ${os.cpus().length} × ${cpu}, ${args.runs} run${args.runs === 1 ? '' : 's'} per contender\n`);
  const results: ScenarioResult[] = [];
  // Deleted after the last scenario, so one scenario's deletions never slow the next one's file creation.
  const removeAtEnd: string[] = [];
  try {
    for (const scenario of selected) {
      const result = await runScenario(scenario, {
        runs: args.runs, log: (message) => process.stderr.write(`${message}\n`), removeAtEnd: (folder) => removeAtEnd.push(folder),
      });
      results.push(result);
      console.log(`${formatScenarioTable(result)}\n`);
    }
  } finally {
    for (const folder of removeAtEnd.reverse()) await rm(folder, { recursive: true, force: true });
  }
  if (args.jsonFile !== null) {
    const report = { startedAt, node: process.version, cpus: os.cpus().length, cpu, runs: args.runs, scenarios: results };
    await writeFile(args.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`results written to ${args.jsonFile}`);
  }
  const failed = results.some((result) => result.error !== null || result.contenders.some((row) => row.status === 'failed'));
  return failed ? 1 : 0;
}

function parseBenchArgs(argv: string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        runs: { type: 'string', default: '3' },
        only: { type: 'string', multiple: true, default: [] },
        scale: { type: 'string', default: '10' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    runs: parsePositiveInteger('--runs', parsed.values.runs),
    only: parsed.values.only,
    scale: parsePositiveInteger('--scale', parsed.values.scale),
    jsonFile: parsed.values.json ?? null,
  };
}

function selectScenarios(scenarios: Scenario[], only: string[]): Scenario[] {
  if (only.length === 0) return scenarios;
  const names = scenarios.map((scenario) => scenario.name);
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.map((name) => `'${name}'`).join(', ')}; known: ${names.join(', ')}`);
  return scenarios.filter((scenario) => only.includes(scenario.name));
}

function parsePositiveInteger(option: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${option} needs a whole number of at least 1, not '${value}'`);
  return number;
}

class UsageError extends Error {}

main().then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    finished = true;
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n${usage}\n`);
    else process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
