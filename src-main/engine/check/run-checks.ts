/**
 * Runs the checks that apply to one server: concurrently, each under
 * check_timeout, over one shared PostgreSQL session; then saves the results as
 * the server's health in the catalog. The engine-level entry point every door
 * calls (`barkeep check`, later the app's contract and the scheduler).
 */
import { setMaxListeners } from 'node:events';
import type { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import type { GlobalConfig, ServerConfig } from '../config/load';
import { saveCheckRun } from './health';
import type { CheckContext, CheckDefinition, CheckOutcome, CheckResult } from './model';
import { failed } from './model';
import { CheckSession, identifyStreamingSystem, type SessionOptions } from './postgres-session';
import { checkDefinitions } from './registry';
import { scanWalArrivals } from './wal-arrivals';

/** What runChecks needs of the engine; an Engine satisfies it. */
export interface CheckDeps {
  catalog: Catalog;
  config: { global: GlobalConfig };
  invalidate?(topic: 'servers' | 'checks', server: ServerName): void;
}

export interface CheckRun {
  server: ServerName;
  checkedAt: string;
  results: CheckResult[];
}

const applicationName = 'barkeep_check';
/** Used when check_timeout = 0 (no limit per check): connections still give up. */
const fallbackConnectTimeoutMs = 30_000;

export async function runChecks(deps: CheckDeps, server: ServerConfig, signal?: AbortSignal): Promise<CheckRun> {
  const now = new Date();
  const limitMs = server.checkTimeout * 1000;
  // Ends whatever is still running when the run ends: a timed-out check's connection or ssh.
  const run = new AbortController();
  // One listener per check and connection: more than node's default of 10 is expected, not a leak.
  setMaxListeners(checkDefinitions.length + 10, run.signal);
  const forward = (): void => run.abort();
  signal?.addEventListener('abort', forward, { once: true });
  const sessionOptions: SessionOptions = { timeoutMs: limitMs > 0 ? limitMs : fallbackConnectTimeoutMs, signal: run.signal, applicationName };
  const postgres = new CheckSession(server.conninfo, sessionOptions);
  const shared: Omit<CheckContext, 'signal'> = {
    server,
    global: deps.config.global,
    catalog: deps.catalog,
    now,
    postgres,
    streaming: once(() => identifyStreamingSystem(server.streamingConninfo ?? server.conninfo, sessionOptions)),
    arrivals: once(() => scanWalArrivals(server)),
  };
  try {
    // 1. Every check that applies, at once; each waits only for the shared facts it reads.
    const applicable = checkDefinitions.filter((definition) => definition.appliesTo(server));
    const results = await Promise.all(applicable.map((definition) => runOne(definition, shared, run.signal, limitMs)));
    if (signal?.aborted) throw new EngineError('cancelled', `the check of server '${server.name}' was cancelled`);
    // 2. The results become the server's health.
    const checkRun: CheckRun = { server: server.name, checkedAt: now.toISOString(), results };
    saveCheckRun(deps.catalog, checkRun);
    deps.invalidate?.('checks', server.name);
    deps.invalidate?.('servers', server.name);
    return checkRun;
  } finally {
    signal?.removeEventListener('abort', forward);
    run.abort();
    await postgres.close();
  }
}

async function runOne(
  definition: CheckDefinition,
  shared: Omit<CheckContext, 'signal'>,
  runSignal: AbortSignal,
  limitMs: number,
): Promise<CheckResult> {
  const own = new AbortController();
  const forward = (): void => own.abort();
  runSignal.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<CheckOutcome>((resolve) => {
      if (limitMs <= 0) return;
      timer = setTimeout(() => {
        own.abort();
        resolve(failed(`timed out after ${limitMs / 1000} s`,
          `find out why it is slow (network, server load), or raise check_timeout in ${shared.server.file}`));
      }, limitMs);
    });
    const outcome = await Promise.race([
      definition.run({ ...shared, signal: own.signal }).catch(describeThrown),
      timedOut,
    ]);
    return toResult(definition, outcome);
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener('abort', forward);
  }
}

function toResult(definition: CheckDefinition, outcome: CheckOutcome): CheckResult {
  const result: CheckResult = {
    name: definition.name,
    ok: outcome.ok,
    severity: outcome.severity ?? definition.severity,
    detail: outcome.detail ?? '',
  };
  if (!outcome.ok) result.hint = outcome.hint ?? 'no hint is known for this failure; run with BARKEEP_DEBUG=1 and report it';
  return result;
}

function describeThrown(error: unknown): CheckOutcome {
  if (error instanceof EngineError) {
    return failed(error.message, error.hint ?? 'see the message; run with BARKEEP_DEBUG=1 for more');
  }
  const message = error instanceof Error ? error.message : String(error);
  return failed(`unexpected error: ${message}`, 'this is a bug in the check: run with BARKEEP_DEBUG=1 and report it');
}

/** A lazily started task shared by every check that asks for it. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | null = null;
  return () => {
    started ??= start();
    return started;
  };
}
