import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { createLocalTransport } from '../transport/local-transport';
import {
  checkRemoteDest, checkRemoteFreeSpace, checkRemoteTablespaceTarget, probeRemoteDest, stopRemoteExtracts, undoRemoteFolder, type RemoteDestState,
} from './remote-dest';

const MiB = 1024 * 1024;
const signal = new AbortController().signal;
const state = (changes: Partial<RemoteDestState>): RemoteDestState => ({
  kind: 'folder', exists: true, entries: [], livePostmasterPid: null, nearestExisting: '/x', writable: true, device: '2049', availableBytes: null, ...changes,
});
const refused = (code: string, message: RegExp, hint?: RegExp) => (error: unknown) =>
  error instanceof EngineError && error.code === code && message.test(error.message) && (hint === undefined || hint.test(error.hint ?? ''));

test('the probe script (run by /bin/sh here) reads kind, entries, a live postmaster, the nearest existing folder and its device', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-probe-'));
  try {
    const local = createLocalTransport();
    const missing = await probeRemoteDest(local, path.join(root, 'a', 'b'), signal);
    assert.equal(missing.kind, 'missing');
    assert.equal(missing.exists, false);
    assert.equal(missing.nearestExisting, root);
    assert.equal(missing.device, String(statSync(root).dev));
    assert.ok(missing.availableBytes !== null && missing.availableBytes > 0);
    if (process.getuid?.() === 0) assert.equal(missing.writable, true, 'root may create anything');

    const busy = path.join(root, 'busy');
    mkdirSync(path.join(busy, 'lost+found'), { recursive: true });
    writeFileSync(path.join(busy, 'postmaster.pid'), `${process.pid}\n/data\n`);
    const found = await probeRemoteDest(local, busy, signal);
    assert.equal(found.kind, 'folder');
    assert.deepEqual(found.entries, ['postmaster.pid']);
    assert.equal(found.livePostmasterPid, process.pid);
    assert.equal(found.nearestExisting, busy);
    assert.equal(found.writable, true, 'this user owns it');

    writeFileSync(path.join(root, 'file'), '');
    assert.equal((await probeRemoteDest(local, path.join(root, 'file'), signal)).kind, 'other');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('DEST refusals: not a folder, a live postmaster (even with --force), not empty, not the login user\'s', () => {
  assert.throws(() => checkRemoteDest(state({ kind: 'other', exists: false }), '/d', 'ssh h', false), refused('restore-refused', /^the destination '\/d' on ssh h exists and is not a folder$/));
  assert.throws(() => checkRemoteDest(state({ livePostmasterPid: 42, entries: ['postmaster.pid'] }), '/d', 'ssh h', true), refused('restore-refused', /postmaster \(pid 42\)/));
  assert.throws(() => checkRemoteDest(state({ entries: ['a', 'b', 'c', 'd'] }), '/d', 'ssh h', false), refused('restore-refused', /is not empty \(a, b, c, …\)$/, /--force/));
  checkRemoteDest(state({ entries: ['a'] }), '/d', 'ssh h', true);
  assert.throws(() => checkRemoteDest(state({ writable: false }), '/d', 'ssh h', false), refused('restore-refused', /^the destination '\/d' on ssh h belongs to another user than the ssh login$/));
  assert.throws(() => checkRemoteDest(state({ kind: 'missing', exists: false, writable: false, nearestExisting: '/srv' }), '/srv/d', 'ssh h', false),
    refused('restore-refused', /^unable to create '\/srv\/d' on ssh h: '\/srv' is not writable by the ssh login$/));
});

test('tablespace target refusals: not empty even for --force (the hint names --tablespace for an original location), not the login user\'s', () => {
  const original = { oid: 16390, name: 'fast', original: '/pg/fast', target: '/pg/fast', mapped: false };
  assert.throws(() => checkRemoteTablespaceTarget(state({ entries: ['PG_15_1'] }), original, 'ssh h'),
    refused('restore-refused', /^the folder '\/pg\/fast' for tablespace 'fast' on ssh h is not empty \(PG_15_1\)$/, /--tablespace fast:PATH/));
  const mapped = { ...original, target: '/new/fast', mapped: true };
  assert.throws(() => checkRemoteTablespaceTarget(state({ writable: false }), mapped, 'ssh h'),
    refused('restore-refused', /^the folder '\/new\/fast' for tablespace 'fast' on ssh h belongs to another user/));
  assert.throws(() => checkRemoteTablespaceTarget(state({ kind: 'other', exists: false }), mapped, 'ssh h'), refused('restore-refused', /exists and is not a folder/));
  checkRemoteTablespaceTarget(state({ kind: 'missing', exists: false }), mapped, 'ssh h');
});

test('free space is counted per file system: folders on one device add up, each with one 64 MiB margin per device', () => {
  const dest = state({ device: '1', availableBytes: 200 * MiB });
  const sameDevice = state({ device: '1', availableBytes: 200 * MiB });
  // 100 + 40 + 64 = 204 MiB needed on device 1, 200 available
  assert.throws(() => checkRemoteFreeSpace([{ folder: '/d', bytes: 100 * MiB, state: dest }, { folder: '/t', bytes: 40 * MiB, state: sameDevice }], 'ssh h'),
    refused('disk-full', /^not enough free space for the restore at '\/d' and '\/t' on ssh h: 204\.0 MiB needed, 200\.0 MiB available$/));
  // apart: 164 and 104 MiB needed, 200 each
  checkRemoteFreeSpace([{ folder: '/d', bytes: 100 * MiB, state: dest }, { folder: '/t', bytes: 40 * MiB, state: state({ device: '2', availableBytes: 200 * MiB }) }], 'ssh h');
  // no device known: each folder alone
  checkRemoteFreeSpace([{ folder: '/d', bytes: 100 * MiB, state: state({ device: null, availableBytes: 170 * MiB }) },
    { folder: '/t', bytes: 100 * MiB, state: state({ device: null, availableBytes: 170 * MiB }) }], 'ssh h');
  checkRemoteFreeSpace([{ folder: '/d', bytes: 10_000 * MiB, state: state({ availableBytes: null }) }], 'ssh h');
});

test('stopRemoteExtracts ends the tar processes it is given and waits for them; other processes are left alone', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-stop-tar-'));
  const tar = spawn('tar', ['-C', root, '-xf', '-'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const tarExit = new Promise<string | null>((resolve) => tar.once('exit', (_code, name) => resolve(name)));
    // wait until tar has exec'd (its /proc comm says tar)
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stopRemoteExtracts(createLocalTransport(), [tar.pid!, sleeper.pid!], signal);
    assert.equal(await tarExit, 'SIGTERM');
    assert.equal(sleeper.exitCode, null);
    assert.equal(sleeper.signalCode, null);
  } finally {
    tar.kill('SIGKILL');
    sleeper.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test('undoRemoteFolder removes a folder it made and its parents while empty, and only empties one that existed', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-undo-'));
  try {
    const local = createLocalTransport();
    const deep = path.join(root, 'a', 'b', 'c');
    const before = await probeRemoteDest(local, deep, signal);
    mkdirSync(path.join(deep, 'base'), { recursive: true });
    writeFileSync(path.join(deep, 'base', 'f'), 'x');
    await undoRemoteFolder(local, deep, before, signal);
    assert.deepEqual(readdirSync(root), []);

    const shared = path.join(root, 'shared', 'data');
    const sharedBefore = await probeRemoteDest(local, shared, signal);
    mkdirSync(shared, { recursive: true });
    writeFileSync(path.join(root, 'shared', 'someone-else'), 'x');
    await undoRemoteFolder(local, shared, sharedBefore, signal);
    assert.deepEqual(readdirSync(path.join(root, 'shared')), ['someone-else'], 'a parent that is not empty stays');

    const existing = path.join(root, 'existing');
    mkdirSync(path.join(existing, 'lost+found'), { recursive: true });
    const existingBefore = await probeRemoteDest(local, existing, signal);
    writeFileSync(path.join(existing, 'PG_VERSION'), '15');
    await undoRemoteFolder(local, existing, existingBefore, signal);
    assert.deepEqual(readdirSync(existing), ['lost+found']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
