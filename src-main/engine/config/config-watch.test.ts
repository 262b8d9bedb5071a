/**
 * Following edits made outside Barkeep, on a real engine with a temporary home
 * and real file-system events: a server file written in conf.d, one replaced by
 * rename as editors save, barkeep.conf itself edited, and a broken file that
 * leaves the previous configuration in force with a warning until it is fixed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { PushEvent } from '../../../shared/ipc/events';
import { Engine } from '../engine';

let folder: string;
let engine: Engine;
let stopFollowing: () => void;
const events: PushEvent[] = [];

before(() => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-config-watch-'));
  engine = Engine.open({ configFile: path.join(folder, 'barkeep.conf'), createHome: true });
  engine.onEvent((event) => events.push(event));
  stopFollowing = engine.followConfigEdits();
});

after(async () => {
  stopFollowing();
  await engine.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Waits for `condition` (file-system events arrive asynchronously); fails with `what` after 10 s. */
async function eventually(what: string, condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition();) {
    if (Date.now() - started > 10_000) assert.fail(`still waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const serverNames = (): string[] => engine.config.servers.map((server) => server.name);
const serverFile = (name: string): string => path.join(folder, 'conf.d', `${name}.conf`);

test('a server file written in conf.d by hand is loaded, and the doors are told', async () => {
  const before = events.length;
  writeFileSync(serverFile('hand'), '[hand]\nconninfo = host=127.0.0.1 port=5432 user=postgres\nbackup_method = postgres\n');
  await eventually("server 'hand' loaded", () => serverNames().includes('hand'));
  assert.ok(events.slice(before).some((event) => event.kind === 'invalidate' && event.topic === 'servers'));
  assert.deepEqual(engine.configWarnings, []);
});

test('a file replaced by rename (as editors save) is loaded again with its new values', async () => {
  const temporary = path.join(folder, 'conf.d', '.hand.conf.swp');
  writeFileSync(temporary, '[hand]\nconninfo = host=127.0.0.1 port=5433 user=postgres\nbackup_method = postgres\nminimum_redundancy = 2\n');
  renameSync(temporary, serverFile('hand'));
  await eventually('minimum_redundancy 2 loaded', () => engine.server('hand').minimumRedundancy === 2);
  assert.match(engine.server('hand').conninfo, /port=5433/);
});

test('a broken file leaves the previous configuration in force and says why until it loads again', async () => {
  writeFileSync(serverFile('hand'), '[hand]\nconninfo = host=127.0.0.1 port=5433 user=postgres\nparallel_jobs = many\n');
  await eventually('a reload warning', () => engine.configWarnings[0]?.option === '(not reloaded)');
  const [warning] = engine.configWarnings;
  assert.equal(warning!.file, serverFile('hand'));
  assert.equal(warning!.line, 3);
  assert.match(warning!.message, /parallel_jobs/);
  assert.match(warning!.message, /stays in force/);
  // Still the configuration loaded before: the server and its values.
  assert.equal(engine.server('hand').minimumRedundancy, 2);

  writeFileSync(serverFile('hand'), '[hand]\nconninfo = host=127.0.0.1 port=5433 user=postgres\nparallel_jobs = 3\n');
  await eventually('the warning gone', () => engine.configWarnings.length === 0);
  assert.equal(engine.server('hand').parallelJobs, 3);
});

test('barkeep.conf itself edited: a server removed from conf.d and a global option changed are followed', async () => {
  rmSync(serverFile('hand'));
  await eventually("server 'hand' gone", () => !serverNames().includes('hand'));
  const main = path.join(folder, 'barkeep.conf');
  writeFileSync(main, `[barkeep]\nbarkeep_home = ${folder}\nconfiguration_files_directory = conf.d\ndisk_warning_free_percent = 33\n`);
  await eventually('disk_warning_free_percent 33 loaded', () => engine.config.global.diskWarningFreePercent === 33);
});
