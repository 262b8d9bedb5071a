import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureHome, resolveConfigFile } from './home';

test('resolveConfigFile: -c > BARKEEP_CONFIG > BARKEEP_HOME > XDG_DATA_HOME > ~/.local/share', () => {
  const env = {
    HOME: '/home/dba',
    BARKEEP_CONFIG: '/etc/barkeep/main.conf',
    BARKEEP_HOME: '/srv/barkeep',
    XDG_DATA_HOME: '/home/dba/.data',
  };
  assert.equal(resolveConfigFile({ cliConfig: '/etc/barman.conf', env }), '/etc/barman.conf');
  assert.equal(resolveConfigFile({ cliConfig: '~/barman.conf', env }), '/home/dba/barman.conf');
  assert.equal(resolveConfigFile({ cliConfig: 'local.conf', env }), path.resolve('local.conf'));
  assert.equal(resolveConfigFile({ env }), '/etc/barkeep/main.conf');
  assert.equal(resolveConfigFile({ env: { ...env, BARKEEP_CONFIG: '' } }), '/srv/barkeep/barkeep.conf');
  assert.equal(resolveConfigFile({ env: { HOME: '/home/dba', XDG_DATA_HOME: '/home/dba/.data' } }), '/home/dba/.data/barkeep/barkeep.conf');
  assert.equal(resolveConfigFile({ env: { HOME: '/home/dba', XDG_DATA_HOME: 'relative' } }), '/home/dba/.local/share/barkeep/barkeep.conf');
  assert.equal(resolveConfigFile({ env: { HOME: '/home/dba' } }), '/home/dba/.local/share/barkeep/barkeep.conf');
});

test('ensureHome creates a loadable home with a commented [barkeep] section and conf.d', () => {
  const home = path.join(mkdtempSync(path.join(os.tmpdir(), 'barkeep-home-')), 'with 100% space');
  const file = path.join(home, 'barkeep.conf');
  const config = ensureHome(file);

  assert.equal(config.configFile, file);
  assert.equal(config.flavour, 'barkeep');
  assert.equal(config.global.home, home);
  assert.equal(config.global.configurationFilesDirectory, path.join(home, 'conf.d'));
  assert.deepEqual(config.servers, []);
  assert.deepEqual(config.warnings, []);
  assert.equal(statSync(home).mode & 0o777, 0o700);
  assert.ok(statSync(path.join(home, 'conf.d')).isDirectory());
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\[barkeep\]$/m);
  assert.match(text, /^; retention_policy = RECOVERY WINDOW OF 4 WEEKS$/m);
});

test('ensureHome leaves an existing file alone', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-home-'));
  const file = path.join(folder, 'barkeep.conf');
  writeFileSync(file, '[barkeep]\nlog_level = DEBUG\n');
  assert.equal(ensureHome(file).global.logLevel, 'DEBUG');
  assert.equal(readFileSync(file, 'utf8'), '[barkeep]\nlog_level = DEBUG\n');
});
