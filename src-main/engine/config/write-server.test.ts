import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { ensureHome } from './home';
import { loadConfig } from './load';
import { removeServerConfig, writeServerConfig } from './write-server';

function freshHome() {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-write-'));
  return ensureHome(path.join(folder, 'barkeep.conf'));
}

function assertInvalid(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'config-invalid');
    assert.equal(error.message, message);
    return true;
  });
}

const pg = ServerName.parse('pg');

test('writes <conf.d>/<name>.conf that loads back with the same values', () => {
  const config = freshHome();
  const file = writeServerConfig(config, pg, {
    conninfo: 'host=pg user=barman password=50%off',
    description: 'Main server\nin the basement',
    backup_method: 'postgres',
    streaming_archiver: 'on',
    slot_name: 'barkeep',
    retention_policy: 'RECOVERY WINDOW OF 2 WEEKS',
  });
  assert.equal(file, path.join(config.global.configurationFilesDirectory, 'pg.conf'));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), /^conninfo = host=pg user=barman password=50%%off$/m);

  const reloaded = loadConfig(config.configFile);
  const server = reloaded.servers[0];
  assert.equal(server?.name, 'pg');
  assert.equal(server?.conninfo, 'host=pg user=barman password=50%off');
  assert.equal(server?.description, 'Main server\nin the basement');
  assert.equal(server?.backupMethod, 'postgres');
  assert.equal(server?.streamingArchiver, true);
  assert.deepEqual(server?.retentionPolicy, { kind: 'recovery-window', amount: 2, unit: 'weeks' });
  assert.deepEqual(reloaded.warnings, []);
});

test('refuses unknown options, misplaced options, invalid values and a missing conninfo', () => {
  const config = freshHome();
  assertInvalid(() => writeServerConfig(config, pg, { conninfo: 'host=pg', frobnicate: 'yes' }),
    "server 'pg': option 'frobnicate': unknown option");
  assertInvalid(() => writeServerConfig(config, pg, { conninfo: 'host=pg', log_level: 'DEBUG' }),
    `server 'pg': option 'log_level': belongs in the global section of ${config.configFile}`);
  assertInvalid(() => writeServerConfig(config, pg, { conninfo: 'host=pg', compression: 'lz4' }),
    "server 'pg': option 'compression': 'lz4' is not supported by barkeep");
  assertInvalid(() => writeServerConfig(config, pg, { description: 'no connection' }),
    "server 'pg': option 'conninfo' is required");
  assertInvalid(() => writeServerConfig(config, pg, { conninfo: 'host=pg', description: 'a\n# b' }),
    "server 'pg': option 'description': the value cannot be written to an INI file as it is");
  assert.equal(existsSync(path.join(config.global.configurationFilesDirectory, 'pg.conf')), false);
});

test('removes the server file; a server defined in the main file is left alone', () => {
  const config = freshHome();
  const file = writeServerConfig(config, pg, { conninfo: 'host=pg' });
  assert.equal(removeServerConfig(loadConfig(config.configFile), pg), file);
  assert.equal(existsSync(file), false);
  assert.throws(() => removeServerConfig(loadConfig(config.configFile), pg), { code: 'server-unknown' });

  writeFileSync(config.configFile, readFileSync(config.configFile, 'utf8') + '\n[pg]\nconninfo = host=pg\n');
  const withMainServer = loadConfig(config.configFile);
  assert.throws(() => writeServerConfig(withMainServer, pg, { conninfo: 'host=other' }),
    /server 'pg' is defined at .*barkeep\.conf:\d+, not in a file of its own; barkeep will not rewrite it/);
  assert.throws(() => removeServerConfig(withMainServer, pg), { code: 'config-invalid' });
});
