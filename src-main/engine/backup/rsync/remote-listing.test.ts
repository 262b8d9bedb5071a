import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createLocalTransport } from '../../transport/local-transport';
import type { Transport } from '../../transport/transport';
import { buildListCommand, listRemoteTree, parseListing } from './remote-listing';
import type { ListingRoot } from './remote-listing';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-listing-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('parses what the listing command prints (run here by the local shell)', () => {
  const data = path.join(root, 'data dir');
  const tablespace = path.join(root, 'ts', 'PG_15_202209061');
  mkdirSync(path.join(data, 'base', '5'), { recursive: true });
  mkdirSync(path.join(data, 'pg_tblspc'), { recursive: true });
  mkdirSync(path.join(tablespace, '5'), { recursive: true });
  writeFileSync(path.join(data, 'PG_VERSION'), '15\n', { mode: 0o600 });
  writeFileSync(path.join(data, 'base', '5', "odd name\nwith 'quotes'"), 'x');
  writeFileSync(path.join(tablespace, '5', '16390'), Buffer.alloc(8192));
  symlinkSync(path.dirname(tablespace), path.join(data, 'pg_tblspc', '16385'));
  utimesSync(path.join(data, 'PG_VERSION'), new Date('2024-05-01T10:00:00.5Z'), new Date('2024-05-01T10:00:00.5Z'));

  const roots: ListingRoot[] = [
    { remoteDir: data, backupPrefix: '' },
    { remoteDir: tablespace, backupPrefix: 'pg_tblspc/16385/PG_15_202209061' },
  ];
  const run = spawnSync('sh', ['-c', buildListCommand(roots)]);
  assert.equal(run.status, 0, run.stderr.toString());
  const marker = Buffer.from('barkeep-listing\0');
  assert.deepEqual(run.stdout.subarray(0, marker.length), marker, 'the output starts with its marker');
  const entries = parseListing(run.stdout.subarray(marker.length), roots);
  const byPath = new Map(entries.map((entry) => [entry.backupPath, entry]));

  assert.ok(!byPath.has(''), 'the data folder itself is not an entry');
  const version = byPath.get('PG_VERSION');
  assert.deepEqual({ ...version }, {
    backupPath: 'PG_VERSION', remotePath: path.join(data, 'PG_VERSION'), type: 'file', size: 3,
    mtime: new Date('2024-05-01T10:00:00.5Z'), mode: 0o600, linkTarget: null,
  });
  assert.equal(byPath.get("base/5/odd name\nwith 'quotes'")?.size, 1);
  assert.equal(byPath.get('base/5')?.type, 'directory');
  const link = byPath.get('pg_tblspc/16385');
  assert.equal(link?.type, 'symlink');
  assert.equal(link?.linkTarget, path.dirname(tablespace));
  assert.equal(byPath.get('pg_tblspc/16385/PG_15_202209061')?.type, 'directory', 'a tablespace root is a folder of the backup');
  assert.equal(byPath.get('pg_tblspc/16385/PG_15_202209061/5/16390')?.remotePath, path.join(tablespace, '5', '16390'));
});

test('output that is not a listing is refused', () => {
  const roots: ListingRoot[] = [{ remoteDir: '/pgdata', backupPrefix: '' }];
  assert.throws(() => parseListing(Buffer.from('/elsewhere\0f 1 1.0 600\0x\0\0'), roots), /unable to read the remote file listing/);
  assert.throws(() => parseListing(Buffer.from('/pgdata\0garbage\0x\0\0'), roots), /unable to read the remote file listing/);
  assert.deepEqual(parseListing(Buffer.alloc(0), roots), []);
});

test('with a head, the command prints the file\'s first bytes before the listing, or only why it could not', async () => {
  const data = path.join(root, 'with head');
  mkdirSync(path.join(data, 'global'), { recursive: true });
  const control = Buffer.alloc(8192, 0);
  control.write('\0sysid\n\0', 0, 'latin1');
  writeFileSync(path.join(data, 'global', 'pg_control'), control);
  writeFileSync(path.join(data, 'global', 'short'), 'abc');
  const roots: ListingRoot[] = [{ remoteDir: data, backupPrefix: '' }];
  const transport = createLocalTransport();

  const listed = await listRemoteTree(transport, roots, { head: { path: path.join(data, 'global', 'pg_control'), bytes: 8 } });
  assert.deepEqual(listed.head, { bytes: control.subarray(0, 8) });
  assert.deepEqual(listed.entries.map((entry) => entry.backupPath).sort(), ['global', 'global/pg_control', 'global/short']);

  const missing = await listRemoteTree(transport, roots, { head: { path: path.join(data, 'global', 'nothing'), bytes: 8 } });
  assert.match('unreadable' in missing.head! ? missing.head.unreadable : '', /No such file or directory/);
  assert.deepEqual(missing.entries, []);

  // 3 bytes, then the listing: its fields no longer line up, and the parse refuses them.
  await assert.rejects(listRemoteTree(transport, roots, { head: { path: path.join(data, 'global', 'short'), bytes: 8 } }), /unable to read the remote file listing/);
  assert.equal((await listRemoteTree(transport, roots)).head, null);
});

test('with `after`, the command lists once it resolves (what changed meanwhile is seen), and not at all when it rejects', async () => {
  const data = path.join(root, 'after');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'early'), 'x');
  const roots: ListingRoot[] = [{ remoteDir: data, backupPrefix: '' }];
  const transport = createLocalTransport();
  const settle = (): { promise: Promise<void>; resolve: () => void; reject: (reason: Error) => void } => {
    let resolve!: () => void;
    let reject!: (reason: Error) => void;
    const promise = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    return { promise, resolve, reject };
  };

  const started = settle();
  const listing = listRemoteTree(transport, roots, { after: started.promise });
  // Long enough for a listing that did not wait to have walked the folder already.
  await new Promise((resolve) => setTimeout(resolve, 300));
  writeFileSync(path.join(data, 'late'), 'y');
  started.resolve();
  assert.deepEqual((await listing).entries.map((entry) => entry.backupPath).sort(), ['early', 'late']);

  const failed = settle();
  const refused = listRemoteTree(transport, roots, { after: failed.promise });
  failed.reject(new Error('the backup did not start'));
  await assert.rejects(refused, /the backup did not start/);
});

test('output the login shell printed before the listing is named, not parsed', async () => {
  const data = path.join(root, 'greeted');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'PG_VERSION'), '17\n');
  const local = createLocalTransport();
  // A shell that greets before running the command, as a chatty ~/.bashrc does.
  const greeting: Pick<Transport, 'description' | 'exec'> = {
    description: 'ssh postgres@db01:22',
    exec: async (command, opts) => {
      const result = await local.exec(command, opts);
      return { ...result, stdout: Buffer.concat([Buffer.from('Welcome to db01\n'), result.stdout]) };
    },
  };
  await assert.rejects(listRemoteTree(greeting, [{ remoteDir: data, backupPrefix: '' }]),
    /the login shell on ssh postgres@db01:22 prints "Welcome to db01" before every command/);
  assert.deepEqual((await listRemoteTree(local, [{ remoteDir: data, backupPrefix: '' }])).entries.map((entry) => entry.backupPath), ['PG_VERSION']);
});
