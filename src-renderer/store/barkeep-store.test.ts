/**
 * The store against the real contract client over an in-memory transport:
 * boot, invalidation refetches, job events, and how errors surface (toast,
 * inline, or fatal for a rejected token).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobSnapshot } from '../../shared/domain/job';
import type { ServerSummary } from '../../shared/domain/server';
import type { ErrorPayload } from '../../shared/errors';
import { createClient } from '../../shared/ipc/client';
import type { ChannelName } from '../../shared/ipc/contract';
import type { PushEvent } from '../../shared/ipc/events';
import { wireEvents } from '../app/event-wiring';
import type { ConnectionState, RendererTransport } from '../app/transport/renderer-transport';
import { createBarkeepStore } from './barkeep-store';

type Handlers = Partial<Record<ChannelName, (input: unknown) => unknown>>;

function memoryDoor(handlers: Handlers) {
  const listeners = new Set<(raw: unknown) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const calls: string[] = [];
  const transport: RendererTransport = {
    kind: 'http',
    async call(channel, input) {
      calls.push(channel);
      const handler = handlers[channel];
      if (handler === undefined) return { ok: false, error: { code: 'internal', message: `no handler for ${channel}` } };
      try {
        return { ok: true, value: handler(input) };
      } catch (error) {
        return { ok: false, error: error as ErrorPayload };
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      listener('connecting');
      return () => connectionListeners.delete(listener);
    },
  };
  const client = createClient(transport);
  const store = createBarkeepStore({ client, transportKind: 'http' });
  wireEvents(store, client, transport);
  return {
    store,
    calls,
    push: (event: PushEvent) => listeners.forEach((listener) => listener(event)),
    setConnection: (state: ConnectionState) => connectionListeners.forEach((listener) => listener(state)),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const info = { version: '0.1.0', home: '/tmp/home', configFile: '/tmp/home/barkeep.conf', transport: 'http', warnings: [] };

function server(name: string): ServerSummary {
  return {
    name,
    description: '',
    active: true,
    backupMethod: 'postgres',
    conninfo: 'host=127.0.0.1',
    configFile: `/tmp/home/conf.d/${name}.conf`,
    isSandbox: name === 'sandbox',
    systemId: null,
    pgVersion: null,
    health: 'unknown',
    failingChecks: [] as ServerSummary['failingChecks'],
    checkedAt: null,
    backupCount: 0,
    lastBackupAt: null,
    wal: { lastSegment: null, lastArrivalAt: null },
    archiver: { streaming: 'off', streamingPid: null, archiveCommand: false },
    disk: null,
    lastDrill: null,
  } as unknown as ServerSummary;
}

function sandboxJob(changes: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id: 'sandbox-000001',
    kind: 'sandbox',
    server: null,
    title: 'Create the sandbox server',
    state: 'running',
    phase: 'initdb',
    bytesDone: 0,
    bytesTotal: null,
    createdAt: '2026-11-24T03:00:00.000Z',
    startedAt: '2026-11-24T03:00:01.000Z',
    finishedAt: null,
    error: null,
    ...changes,
  } as JobSnapshot;
}

test('boot loads app:info and the servers, then the jobs; invalidations refetch', async () => {
  let servers: ServerSummary[] = [];
  const door = memoryDoor({
    'app:info': () => info,
    'servers:list': () => servers,
    'jobs:list': () => [],
  });
  await door.store.getState().boot();
  await settle();
  const state = door.store.getState();
  assert.equal(state.bootState, 'ready');
  assert.equal(state.info?.home, '/tmp/home');
  assert.equal(state.jobsLoaded, true);

  servers = [server('sandbox')];
  door.push({ kind: 'invalidate', topic: 'servers', server: null });
  await settle();
  assert.deepEqual(
    door.store.getState().servers.map((entry) => entry.name),
    ['sandbox'],
  );
});

test('a restored connection after boot refetches what events may have missed', async () => {
  const door = memoryDoor({ 'app:info': () => info, 'servers:list': () => [], 'jobs:list': () => [] });
  door.setConnection('live');
  await door.store.getState().boot();
  await settle();
  door.calls.length = 0;
  door.setConnection('reconnecting');
  door.setConnection('live');
  await settle();
  assert.deepEqual(door.calls.sort(), ['app:info', 'disk:report', 'jobs:list', 'servers:list']);
});

test('configuration warnings follow servers invalidations; a new set shows again after the last was dismissed', async () => {
  const broken = { file: '/tmp/home/conf.d/main.conf', line: 0, option: '(not reloaded)', message: "unable to load '/tmp/home/conf.d/main.conf'" };
  const doubtful = { file: '/tmp/home/barkeep.conf', line: 4, option: 'colour', message: 'unknown option' };
  let warnings = [doubtful];
  const door = memoryDoor({ 'app:info': () => ({ ...info, warnings }), 'servers:list': () => [], 'jobs:list': () => [], 'disk:report': () => diskReport('ok') });
  const state = () => door.store.getState();
  await state().boot();
  await settle();
  assert.deepEqual(state().info?.warnings, [doubtful]);
  state().dismissWarnings();

  // The same set again (another reload that changed nothing it warns about): still dismissed.
  door.push({ kind: 'invalidate', topic: 'servers', server: null });
  await settle();
  assert.equal(state().warningsDismissed, true);

  // A file that no longer loads comes first: a new set, shown although the last one was dismissed.
  warnings = [broken, doubtful];
  door.push({ kind: 'invalidate', topic: 'servers', server: null });
  await settle();
  assert.deepEqual(state().info?.warnings.map((warning) => warning.option), ['(not reloaded)', 'colour']);
  assert.equal(state().warningsDismissed, false);

  // Fixed: the old set alone again is a change too, so it shows once more.
  state().dismissWarnings();
  warnings = [doubtful];
  door.push({ kind: 'invalidate', topic: 'servers', server: null });
  await settle();
  assert.deepEqual(state().info?.warnings, [doubtful]);
  assert.equal(state().warningsDismissed, false);
  assert.deepEqual(state().toasts, []);
});

test('job events upsert snapshots and extend the logs of an opened job', async () => {
  const door = memoryDoor({
    'jobs:logs': () => [{ at: '2026-11-24T03:00:01.000Z', level: 'info', message: 'running initdb' }],
  });
  const job = sandboxJob();
  door.push({ kind: 'job', event: { type: 'started', job } });
  await door.store.getState().loadJobLogs(job.id);
  door.push({
    kind: 'job',
    event: { type: 'log', job, line: { at: '2026-11-24T03:00:02.000Z', level: 'warn', message: 'slow disk' } },
  });
  door.push({ kind: 'job', event: { type: 'succeeded', job: sandboxJob({ state: 'succeeded', phase: 'done' }) } });
  const state = door.store.getState();
  assert.equal(state.jobsById[job.id]?.state, 'succeeded');
  assert.deepEqual(
    state.jobLogs[job.id]?.lines.map((line) => line.message),
    ['running initdb', 'slow disk'],
  );
});

test('an engine error becomes a toast with its code and hint; a probe error shows in the row', async () => {
  const failure: ErrorPayload = {
    code: 'postgres-unreachable',
    message: "unable to connect to server 'sandbox'",
    hint: 'start the sandbox cluster',
  };
  const door = memoryDoor({
    'servers:list': () => {
      throw failure;
    },
    'servers:probe': () => {
      throw failure;
    },
  });
  await door.store.getState().refreshServers();
  const [toast] = door.store.getState().toasts;
  assert.equal(toast?.code, 'postgres-unreachable');
  assert.equal(toast?.hint, 'start the sandbox cluster');
  assert.equal(toast?.title, 'Could not refresh the list of servers');

  await door.store.getState().probeServer('sandbox');
  const probe = door.store.getState().probes['sandbox'];
  assert.equal(probe?.status === 'failed' && probe.problem.message, "unable to connect to server 'sandbox'");
});

test('a rejected token is fatal, at boot or later', async () => {
  const unauthorized: ErrorPayload = { code: 'unauthorized', message: 'this page needs the token printed by `barkeep serve`' };
  const door = memoryDoor({
    'app:info': () => {
      throw unauthorized;
    },
    'servers:list': () => [],
    'jobs:list': () => {
      throw unauthorized;
    },
  });
  await door.store.getState().boot();
  assert.equal(door.store.getState().bootState, 'error');
  assert.equal(door.store.getState().fatalProblem?.code, 'unauthorized');

  const later = memoryDoor({
    'jobs:list': () => {
      throw unauthorized;
    },
  });
  await later.store.getState().refreshJobs();
  assert.equal(later.store.getState().bootState, 'error');
  assert.deepEqual(later.store.getState().toasts, []);
});

test('a reply that breaks the contract is named as such, not dumped', async () => {
  const door = memoryDoor({ 'app:info': () => ({ version: 1 }), 'servers:list': () => [] });
  await door.store.getState().boot();
  const problem = door.store.getState().fatalProblem;
  assert.equal(problem?.code, 'internal');
  assert.match(problem?.message ?? '', /did not match the contract/);
});

const emptyBackupList = { server: 'main', retentionPolicy: 'REDUNDANCY 2', minimumRedundancy: 1, rows: [] };
const emptyCoverage = { server: 'main', segmentSize: 16777216, at: '2026-11-24T03:00:00.000Z', timelines: [] };

test('the open server view fetches its parts and follows invalidations for that server only', async () => {
  const door = memoryDoor({
    'servers:list': () => [],
    'checks:list': () => [],
    'backups:list': () => emptyBackupList,
    'wal:coverage': () => emptyCoverage,
  });
  const state = () => door.store.getState();
  state().openServerView('main');
  await settle();
  assert.deepEqual([...door.calls].sort(), ['backups:list', 'checks:list', 'wal:coverage']);
  assert.equal(state().backupLists['main']?.status, 'loaded');
  assert.equal(state().backupLists['main']?.value?.retentionPolicy, 'REDUNDANCY 2');

  const callsAfter = async (event: PushEvent): Promise<string[]> => {
    door.calls.length = 0;
    door.push(event);
    await settle();
    return [...door.calls].sort();
  };
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'backups', server: 'other' as ServerSummary['name'] }), ['servers:list']);
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'backups', server: 'main' as ServerSummary['name'] }), ['backups:list', 'servers:list', 'wal:coverage']);
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'wal', server: 'main' as ServerSummary['name'] }), ['wal:coverage']);
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'checks', server: null }), ['checks:list', 'servers:list']);

  state().closeServerView('main');
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'backups', server: 'main' as ServerSummary['name'] }), ['servers:list']);
});

test('a refused delete comes back for the dialog, not as a toast; a failed refetch keeps the last table', async () => {
  let listFails = false;
  const refusal: ErrorPayload = { code: 'minimum-redundancy', message: 'unable to delete backup 20261124T030000', hint: 'take a new backup first' };
  const door = memoryDoor({
    'backups:list': () => {
      if (listFails) throw { code: 'catalog-failed', message: 'catalog is locked' } satisfies ErrorPayload;
      return emptyBackupList;
    },
    'backups:delete': () => {
      throw refusal;
    },
  });
  await door.store.getState().refreshBackups('main');
  const outcome = await door.store.getState().deleteBackup('main', '20261124T030000' as never);
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.problem.code, 'minimum-redundancy');
  assert.equal(!outcome.ok && outcome.problem.hint, 'take a new backup first');
  assert.deepEqual(door.store.getState().toasts, []);

  listFails = true;
  await door.store.getState().refreshBackups('main');
  const held = door.store.getState().backupLists['main'];
  assert.equal(held?.status, 'failed');
  assert.equal(held?.status === 'failed' && held.problem.message, 'catalog is locked');
  assert.equal(held?.value?.minimumRedundancy, 1, 'the last good table stays shown');
});

const restorePoint = (name: string, time: string, endLsn: string) => ({ name, time, timeline: 1, startLsn: endLsn, endLsn, segment: '000000010000000000000003' });

test('the composer\'s server reads its restore points, and again on wal invalidations for it (or every server) only', async () => {
  let points = [restorePoint('before-x', '2026-11-24T03:10:00.000000Z', '0/3000060')];
  let fails = false;
  const door = memoryDoor({
    'wal:restore-points': (input) => {
      assert.deepEqual(input, { server: 'main' });
      if (fails) throw { code: 'catalog-failed', message: 'catalog is locked' } satisfies ErrorPayload;
      return points;
    },
    'wal:coverage': () => emptyCoverage,
  });
  const state = () => door.store.getState();
  const callsAfter = async (event: PushEvent): Promise<string[]> => {
    door.calls.length = 0;
    door.push(event);
    await settle();
    return [...door.calls].sort();
  };
  // Nothing is being composed: a wal invalidation reads nothing.
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'wal', server: 'main' as ServerSummary['name'] }), []);

  state().updateRestoreDraft({ server: 'main' });
  await state().refreshRestorePoints('main');
  assert.deepEqual(state().restorePoints['main']?.value?.map((point) => point.name), ['before-x']);

  points = [...points, restorePoint('after-y', '2026-11-24T03:20:00.000000Z', '0/4000060')];
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'wal', server: 'other' as ServerSummary['name'] }), []);
  // Its timeline's coverage follows too (the composer's server is not the open server view here).
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'wal', server: 'main' as ServerSummary['name'] }), ['wal:coverage', 'wal:restore-points']);
  assert.deepEqual(state().restorePoints['main']?.value?.map((point) => point.name), ['before-x', 'after-y']);
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'wal', server: null }), ['wal:coverage', 'wal:restore-points']);

  // A failed refetch keeps the last list, inline, without a toast.
  fails = true;
  await callsAfter({ kind: 'invalidate', topic: 'wal', server: 'main' as ServerSummary['name'] });
  const held = state().restorePoints['main'];
  assert.equal(held?.status, 'failed');
  assert.equal(held?.status === 'failed' && held.problem.message, 'catalog is locked');
  assert.equal(held?.value?.length, 2, 'the last list stays shown');
  assert.deepEqual(state().toasts, []);
});

const volume = {
  id: '2049', mountPoint: '/srv', totalBytes: 1000, freeBytes: 150, usedBytes: 850, freePercent: 15, state: 'warning', servers: ['main'],
  storeBytes: 400, forecast: { state: 'not-enough-data' },
};
const diskReport = (state: string) => ({
  at: '2026-11-24T03:00:00.000Z', thresholds: { warningFreePercent: 20, criticalFreePercent: 10 },
  volumes: [{ ...volume, state }], servers: [],
});

test('the disk report loads at boot and follows disk invalidations; the history only while the Disk view is open', async () => {
  let state = 'warning';
  const door = memoryDoor({
    'app:info': () => info,
    'servers:list': () => [],
    'jobs:list': () => [],
    'disk:report': () => diskReport(state),
    'disk:history': () => ({ since: '2026-10-25T03:00:00.000Z', samples: [] }),
    'disk:measure': () => diskReport('critical'),
  });
  await door.store.getState().boot();
  await settle();
  assert.equal(door.store.getState().diskReport?.value?.volumes[0]?.state, 'warning');

  const callsAfter = async (event: PushEvent): Promise<string[]> => {
    door.calls.length = 0;
    door.push(event);
    await settle();
    return [...door.calls].sort();
  };
  state = 'critical';
  // A disk invalidation refetches the report, and the servers (whose rows carry a small gauge).
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'disk', server: null }), ['disk:report', 'servers:list']);
  assert.equal(door.store.getState().diskReport?.value?.volumes[0]?.state, 'critical');

  door.store.getState().openDiskView();
  await settle();
  assert.equal(door.store.getState().diskHistory?.status, 'loaded');
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'disk', server: 'main' as ServerSummary['name'] }), ['disk:history', 'disk:report', 'servers:list']);
  door.store.getState().closeDiskView();
  assert.deepEqual(await callsAfter({ kind: 'invalidate', topic: 'disk', server: null }), ['disk:report', 'servers:list']);

  state = 'ok';
  door.calls.length = 0;
  await door.store.getState().measureDisk();
  assert.deepEqual(door.calls, ['disk:measure']);
  assert.equal(door.store.getState().diskReport?.value?.volumes[0]?.state, 'critical', 'the measured report replaces the old one');
  assert.equal(door.store.getState().diskMeasuring, false);
});

test('a failed disk report keeps the last one and raises no toast', async () => {
  let fails = false;
  const door = memoryDoor({
    'disk:report': () => {
      if (fails) throw { code: 'io-failed', message: "unable to read volume '/srv'" } satisfies ErrorPayload;
      return diskReport('warning');
    },
  });
  await door.store.getState().refreshDisk();
  fails = true;
  await door.store.getState().refreshDisk();
  const held = door.store.getState().diskReport;
  assert.equal(held?.status, 'failed');
  assert.equal(held?.status === 'failed' && held.problem.message, "unable to read volume '/srv'");
  assert.equal(held?.value?.volumes[0]?.state, 'warning', 'the banner keeps the last known state');
  assert.deepEqual(door.store.getState().toasts, []);
});
