import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createLocalTransport } from '../../transport/local-transport';
import type { CommandStreams, ExecStream } from '../../transport/transport';
import { prepareStreams } from './prepared-streams';
import type { RemoteEntry } from './remote-listing';
import { buildTarCommand, fetchFiles } from './tar-fetch';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-prepared-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The local transport, counting the commands it runs and whether it was closed. */
function countingTransport(): CommandStreams & { started: string[]; closed: boolean } {
  const local = createLocalTransport();
  const counted = {
    description: local.description,
    started: [] as string[],
    closed: false,
    execStream: (command: string, opts?: { signal?: AbortSignal }): Promise<ExecStream> => {
      counted.started.push(command);
      return local.execStream(command, opts);
    },
    close: async (): Promise<void> => {
      counted.closed = true;
      await local.close();
    },
  };
  return counted;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 500) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function readAll(remote: ExecStream): Promise<string> {
  const chunks: Buffer[] = [];
  remote.stdout.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  await remote.done;
  return Buffer.concat(chunks).toString('utf8');
}

test('prepared commands run before anyone asks for them, wait for their input, and go to the first takers of that command', async () => {
  const marks = path.join(root, 'marks');
  const transport = countingTransport();
  // Each prepared command leaves a mark as it starts, then echoes its input.
  const command = `echo started >> '${marks}'; cat`;
  const streams = prepareStreams(transport, command, 2, new AbortController().signal);
  await waitFor(() => existsSync(marks) && readFileSync(marks, 'utf8').split('\n').length === 3);
  assert.equal(transport.started.length, 2);

  const first = await streams.execStream(command);
  first.stdin.end('first list');
  assert.equal(await readAll(first), 'first list');

  // Another command opens as usual; so does the prepared one once the prepared ones are taken.
  const other = await streams.execStream('echo other');
  assert.equal(await readAll(other), 'other\n');
  const second = await streams.execStream(command);
  const third = await streams.execStream(command);
  assert.equal(transport.started.length, 4);
  second.stdin.end('second');
  third.stdin.end('third');
  assert.deepEqual(await Promise.all([readAll(second), readAll(third)]), ['second', 'third']);
  assert.equal(readFileSync(marks, 'utf8'), 'started\n'.repeat(3));
  await streams.close();
  assert.equal(transport.closed, true);
});

test('close ends the prepared streams nobody took (an empty list: the tar exits) before closing the connection', async () => {
  const transport = countingTransport();
  const marks = path.join(root, 'ended');
  const streams = prepareStreams(transport, `cat > /dev/null; echo ended >> '${marks}'`, 3, new AbortController().signal);
  const taken = await streams.execStream(`cat > /dev/null; echo ended >> '${marks}'`);
  taken.stdin.end();
  await taken.done;
  await streams.close();
  // Every command got to its end: none was left waiting on its stdin.
  assert.equal(readFileSync(marks, 'utf8'), 'ended\n'.repeat(3));
  assert.equal(transport.closed, true);
});

test('the taker\'s signal stops a prepared stream it took', async () => {
  const transport = countingTransport();
  const streams = prepareStreams(transport, 'cat', 1, new AbortController().signal);
  const stop = new AbortController();
  const taken = await streams.execStream('cat', { signal: stop.signal });
  stop.abort();
  await assert.rejects(taken.done, (error: Error & { code?: string }) => error.code === 'cancelled');
  await streams.close();
});

test('a tar stream prepared before its list copies the files named later', async () => {
  const source = mkdtempSync(path.join(root, 'source-'));
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const transport = countingTransport();
  const streams = prepareStreams(transport, buildTarCommand('off'), 2, new AbortController().signal);
  await new Promise((resolve) => setTimeout(resolve, 200));
  writeFileSync(path.join(source, 'written-after-the-tar-started'), 'late content');
  const entry: RemoteEntry = {
    backupPath: 'late', remotePath: path.join(source, 'written-after-the-tar-started'), type: 'file', size: 12,
    mtime: statSync(path.join(source, 'written-after-the-tar-started')).mtime, mode: 0o600, linkTarget: null,
  };
  const result = await fetchFiles(streams, [entry], { dataFolder: dest, compress: 'off', signal: new AbortController().signal, onBytes: () => {}, onFile: () => {} });
  assert.equal(result.files.length, 1);
  assert.equal(readFileSync(path.join(dest, 'late'), 'utf8'), 'late content');
  await streams.close();
  assert.equal(transport.started.length, 2);
});

test('a cancel while prepared streams wait untaken rejects nothing that nobody awaits', async () => {
  const transport = countingTransport();
  const cancel = new AbortController();
  const streams = prepareStreams(transport, 'cat', 2, cancel.signal);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const rejections: unknown[] = [];
  const record = (reason: unknown): void => { rejections.push(reason); };
  process.on('unhandledRejection', record);
  try {
    cancel.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await streams.close();
  } finally {
    process.off('unhandledRejection', record);
  }
  assert.deepEqual(rejections, []);
});
