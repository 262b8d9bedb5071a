import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Catalog } from '../catalog/catalog';
import { loadConfig } from '../config/load';
import { runChecks } from './run-checks';

const dir = mkdtempSync(path.join(os.tmpdir(), 'barkeep-run-checks-'));
const sockets = new Set<net.Socket>();
// A server that accepts connections and never answers: PostgreSQL behind a stuck network.
const silent = net.createServer((socket) => sockets.add(socket));
after(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a server that never answers fails its checks within check_timeout, and the run is saved', async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as net.AddressInfo).port;
  mkdirSync(path.join(dir, 'conf.d'));
  writeFileSync(path.join(dir, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${dir}\nconfiguration_files_directory = conf.d\n`);
  writeFileSync(path.join(dir, 'conf.d', 'main.conf'),
    `[main]\nconninfo = host=127.0.0.1 port=${port} user=postgres dbname=postgres\nbackup_method = postgres\nstreaming_archiver = on\ncheck_timeout = 1\n`);
  const config = loadConfig(path.join(dir, 'barkeep.conf'));
  const server = config.servers[0]!;
  const catalog = Catalog.open(path.join(dir, 'catalog.db'));
  const invalidated: string[] = [];
  try {
    const started = Date.now();
    const run = await runChecks({ catalog, config, invalidate: (topic) => invalidated.push(topic) }, server);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);

    const byName = new Map(run.results.map((result) => [result.name, result]));
    const postgres = byName.get('PostgreSQL');
    assert.equal(postgres?.ok, false);
    assert.match(postgres?.detail ?? '', /timed out after 1 s|timeout/i);
    assert.ok(postgres?.hint);
    assert.equal(byName.get('PostgreSQL streaming')?.ok, false);
    assert.equal(byName.has('ssh'), false, 'ssh applies to rsync backups only');
    assert.equal(byName.has('archive_mode'), false, 'archive_mode applies with archiver = on only');
    assert.ok(run.results.filter((result) => !result.ok).every((result) => result.hint), 'every failure has a hint');

    assert.deepEqual(catalog.checkResults('main').map((row) => row.checkName).sort(), run.results.map((result) => result.name).sort());
    assert.deepEqual(invalidated, ['checks', 'servers']);
  } finally {
    catalog.close();
  }
});
