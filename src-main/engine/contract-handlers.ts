/**
 * The engine's side of the typed contract: one handler per channel, and the
 * dispatch every door uses (validate input, call the handler, wrap the result
 * or error in an envelope). Doors only move envelopes; they add no channels.
 */
import { contract, isChannelName, type ChannelName, type ChannelOutput, type Contract } from '../../shared/ipc/contract';
import type { Envelope } from '../../shared/ipc/envelope';
import { EngineError, toErrorPayload } from '../../shared/errors';
import type { z } from 'zod';
import type { Engine } from './engine';

type ParsedInput<C extends ChannelName> = z.output<Contract[C]['input']>;
export type Handlers = { [C in ChannelName]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>> | ChannelOutput<C> };

export function createHandlers(engine: Engine, transport: 'electron' | 'http', version: string): Handlers {
  return {
    'app:info': () => ({
      version,
      home: engine.home,
      configFile: engine.config.configFile,
      transport,
      warnings: engine.configWarnings,
    }),
    'servers:list': () => engine.listServers(),
    'servers:probe': ({ server }) => engine.probeServer(server),
    'servers:check': ({ server }) => ({ jobId: engine.startCheck(server).id }),
    'servers:get': ({ server }) => engine.serverEditorState(server),
    'servers:save': (edit) => engine.saveServerEdit(edit),
    'servers:test': (edit) => engine.testServerEdit(edit),
    'servers:delete-config': ({ server }) => engine.removeServerConfig(server),
    'sandbox:create': () => ({ jobId: engine.startSandbox().id }),
    'jobs:list': () => mergeJobs(engine),
    'jobs:logs': ({ jobId }) => engine.jobs.logs(jobId) ?? engine.catalog.jobLogs(jobId),
    'jobs:cancel': ({ jobId }) => ({ cancelled: engine.jobs.cancel(jobId) }),
    'checks:list': ({ server }) => engine.checkResults(server),
    'backups:list': ({ server }) => engine.listBackups(server),
    'backups:show': ({ server, backupId }) => engine.showBackup(server, backupId),
    'backups:start': ({ server }) => ({ jobId: engine.startBackup(server).id }),
    'backups:delete': ({ server, backupId }) => engine.deleteBackup(server, backupId),
    'backups:verify': ({ server, backupId }) => ({ jobId: engine.startVerify(server, backupId).id }),
    'backups:keep': ({ server, backupId, target }) => engine.keepBackup(server, backupId, target),
    'wal:coverage': ({ server }) => engine.walCoverage(server),
    'wal:restore-points': ({ server }) => engine.restorePoints(server),
    'disk:report': () => engine.diskReport(),
    'disk:measure': () => engine.measureDisk(),
    'disk:history': ({ server }) => engine.diskHistory(server),
    'restore:plan': (request) => engine.previewRestore(request),
    'restore:start': async (request) => ({ jobId: (await engine.startRestore(request)).id }),
    'restore:drill': (request) => ({ jobId: engine.startDrill(request).id }),
    'restore:outcome': ({ jobId }) => engine.restoreOutcome(jobId),
  };
}

/** Jobs of this process first, then the ones the catalog remembers from earlier runs. */
function mergeJobs(engine: Engine): ChannelOutput<'jobs:list'> {
  const live = engine.jobs.list();
  const seen = new Set(live.map((job) => job.id));
  return [...live, ...engine.catalog.recentJobs(100).filter((job) => !seen.has(job.id))];
}

export async function dispatch(handlers: Handlers, channel: unknown, rawInput: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isChannelName(channel)) {
      throw new EngineError('invalid-input', `unknown channel '${String(channel)}'`);
    }
    const parsed = contract[channel].input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EngineError('invalid-input', `invalid input for '${channel}' at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`);
    }
    const handler = handlers[channel] as (input: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    return { ok: false, error: toErrorPayload(error) };
  }
}
