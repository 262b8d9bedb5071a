// The whole flow of the UI issue's acceptance, in Debian's chromium through the
// real `barkeep serve` on a real sandbox PostgreSQL: add a server `main` for the
// sandbox's cluster in the editor (its own streaming archiver and slot), test
// its connection and save it, run its check and take a backup from the UI
// (watching its progress), see it in the table, write marker rows
// with a recorded time between them, compose a point-in-time restore to that
// time in the Restore view (a refused destination first, then an empty one),
// check the previewed recovery settings and command line (which, run in a real
// shell with --dry-run, makes the same plan), run it through the confirmation,
// see the result, start the restored cluster and find exactly the markers
// before the target; then a drill from the composer with its validation rows,
// and the same target restored over SSH (a private sshd) into a folder there;
// last, a restore point made between the markers, picked from the composer's
// list from the keyboard, named by the plan and marked on the timeline.
// Keyboard paths throughout; fails on any console error; screenshots saved.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Route } from 'playwright-core';
import { loadConfig } from '../../src-main/engine/config/load';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import { runAsClusterOwner, startCluster, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { startE2eApp, type E2eApp } from '../support/e2e-app';
import { freePort } from '../support/free-port';
import { runBarkeep } from '../support/run-cli';
import { startTestSshd, type TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** the server the test adds in the editor, on the sandbox's cluster */
const serverName = 'main';
const slotName = 'barkeep_main';
let app: E2eApp | undefined;
let restoreRoot: string | undefined;
let remoteRoot: string | undefined;
let sshd: TestSshd | undefined;

before(async () => {
  app = await startE2eApp('restore', { demo: true, shotPrefix: 'restore-' });
});

after(async () => {
  await app?.close();
  if (restoreRoot !== undefined) await removeTempDir(restoreRoot);
  if (remoteRoot !== undefined) await removeTempDir(remoteRoot);
  await sshd?.stop();
});

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

/** the sandbox cluster's conninfo, as `demo` registered it */
const sandboxConninfo = (): string => loadConfig(app!.configFile).servers.find((server) => server.name === 'sandbox')!.conninfo;

/** psql through the sandbox's own conninfo, as any client of it would connect. */
function sandboxPsql(sql: string): Promise<string> {
  const conninfo = sandboxConninfo();
  return new Promise((resolve, reject) => {
    execFile('psql', ['-X', '-Atq', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', sql], (error, stdout, stderr) => {
      if (error) reject(new Error(`psql failed: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** Runs a command line in /bin/sh with `barkeep` meaning this checkout's CLI. */
function runInShell(commandLine: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
  const script = `barkeep() { '${process.execPath}' '${path.join(root, 'bin', 'barkeep.js')}' "$@"; }\n${commandLine}`;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', script], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

test('a server added in the editor, its check, backup, markers, a point-in-time restore composed in the UI, the restored cluster, a drill, and a restore over SSH', { timeout: 600_000 }, async () => {
  const { page, home, configFile, shot } = app!;
  await app!.open();

  // `demo --skip-cycle` made the cluster (and its own server `sandbox`). Add `main` for the same cluster in the
  // editor, from the keyboard: the list's "Add server", then a postgres-method server with a streaming archiver of its own.
  await page.getByTestId('server-row-sandbox').waitFor();
  await page.getByTestId('add-server').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('view-server-editor').waitFor();
  assert.match(page.url(), /#\/new-server$/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'the heading has the focus');
  const conninfo = sandboxConninfo();
  await page.getByTestId('editor-input-name').fill(serverName);
  await page.getByTestId('editor-input-description').fill('the sandbox cluster, added in the editor');
  await page.getByTestId('editor-input-conninfo').fill(conninfo);
  await page.getByTestId('editor-input-backupMethod').selectOption('postgres');
  await page.getByTestId('editor-input-streamingArchiver').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('editor-input-streamingArchiver').isChecked(), true);
  await page.getByTestId('editor-input-slotName').fill(slotName);
  await page.getByTestId('editor-input-createSlot').selectOption('auto');
  await shot('00a-editor-filled');

  // Test connection: both connections answer and the slot is still to be made.
  await page.getByTestId('editor-test').click();
  await page.locator('[data-testid="editor-test-report"][data-state="ok"]').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('editor-step-postgres').innerText(), new RegExp(`select 1 answered; PostgreSQL 15\\.\\d+; slot '${slotName}' will be created`));
  assert.match(await page.getByTestId('editor-step-replication').innerText(), /IDENTIFY_SYSTEM answered: system \d+, timeline 1/);
  await shot('00b-editor-tested');

  // Save from the keyboard: the list shows it, and the serve host starts its archiver at once.
  await page.getByTestId('editor-save').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId(`server-row-${serverName}`).waitFor({ timeout: 30_000 });
  assert.match(page.url(), /#\/servers$/);
  assert.match(await page.getByTestId(`server-row-${serverName}`).innerText(), /the sandbox cluster, added in the editor/);
  const serverFile = readFileSync(path.join(home, 'conf.d', `${serverName}.conf`), 'utf8');
  assert.ok(serverFile.includes(`conninfo = ${conninfo}`), serverFile);
  assert.match(serverFile, /^backup_method = postgres$/m);
  assert.match(serverFile, /^streaming_archiver = on$/m);
  assert.match(serverFile, new RegExp(`^slot_name = ${slotName}$`, 'm'));
  await page.locator(`[data-testid="server-archiver-${serverName}"][data-streaming="running"]`).waitFor({ timeout: 60_000 });
  assert.equal(await sandboxPsql(`select count(*) from pg_replication_slots where slot_name = '${slotName}'`), '1', 'its slot was created');
  await shot('00c-server-added');

  // Its checks, run from the UI.
  await page.getByTestId(`server-link-${serverName}`).click();
  await page.getByTestId('view-server').waitFor();
  await page.getByTestId('run-check').click();
  await page.locator('[data-testid="checks-failing"], [data-testid="checks-passing"]').first().waitFor({ timeout: 60_000 });
  // Both connections, its slot and its archiver are fine; only the archive is empty, as nothing has filled a segment yet.
  for (const name of ['PostgreSQL', 'PostgreSQL-streaming', 'replication-slot', 'receive-wal-running']) {
    assert.equal(await page.getByTestId(`check-result-${name}`).getAttribute('data-ok'), 'true', `check ${name} passes`);
  }
  const walArchiveCheck = page.getByTestId('check-result-WAL-archive');
  assert.equal(await walArchiveCheck.getAttribute('data-ok'), 'false');
  assert.match(await walArchiveCheck.innerText(), /no WAL segment has reached the store yet/);
  await shot('01-checked');

  // A backup from the UI: the job panel shows its progress bar while it runs, then the row arrives in the table.
  await page.getByTestId('backup-now').click();
  const job = page.getByTestId('backup-job');
  await job.waitFor();
  assert.equal(await job.locator('progress').count(), 1, 'the backup job shows a progress bar');
  await shot('02-backup-running');
  await page.locator('[data-testid="backup-job"][data-job-state="succeeded"]').waitFor({ timeout: 120_000 });
  const row = page.locator('[data-testid^="backup-row-"]').first();
  await row.waitFor({ timeout: 30_000 });
  const backupId = (await row.getAttribute('data-testid'))!.slice('backup-row-'.length);
  assert.match(backupId, /^\d{8}T\d{6}$/);
  assert.equal(await row.getAttribute('data-status'), 'DONE');
  await shot('03-backup-in-table');

  // Markers 1 and 2, a recorded time well clear of both sides, markers 3 and 4; then the WAL holding them is archived.
  await sandboxPsql('create table markers (id int primary key, note text not null)');
  await sandboxPsql("insert into markers values (1, 'm1')");
  await sandboxPsql("insert into markers values (2, 'm2')");
  // A restore point after marker 2: the WAL holding it is archived with the markers' below.
  const restorePointLsn = await sandboxPsql("select pg_create_restore_point('before-x')");
  await sleep(1500);
  const between = Date.parse(await sandboxPsql(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`));
  await sleep(1500);
  await sandboxPsql("insert into markers values (3, 'm3')");
  await sandboxPsql("insert into markers values (4, 'm4')");
  const switched = await runBarkeep(['-c', configFile, 'switch-wal', serverName, '--force', '--archive', '--archive-timeout', '60']);
  assert.equal(switched.code, 0, `switch-wal failed:\n${switched.stdout}\n${switched.stderr}`);
  // The check, run again from the keyboard, now finds WAL in the archive.
  await page.getByTestId('run-check').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="check-result-WAL-archive"][data-ok="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  await shot('03b-checked-again');
  // The picker holds whole seconds: the second the recorded time falls in is still after marker 2 and before marker 3.
  const targetMs = Math.floor(between / 1000) * 1000;

  // The Restore view, from the navigation; with two servers, `main` is chosen.
  await page.getByTestId('nav-restore').click();
  await page.getByTestId('view-restore').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'navigating moves focus to the view heading');
  await page.getByTestId('restore-server').selectOption(serverName);
  assert.equal(await page.getByTestId('restore-server').inputValue(), serverName);
  await page.locator('[data-testid="restore-step-plan"][data-plan-state="loaded"]').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('plan-target').innerText(), /the latest archived wal/);

  // From the keyboard: the target kinds are one radio group (arrows move in it), then the timeline slider.
  await page.getByTestId('target-kind-latest').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByTestId('target-kind-time').isChecked(), true, 'ArrowRight chose "a point in time"');
  const slider = page.getByTestId('recovery-timeline-slider');
  await slider.waitFor();
  await page.getByTestId(`timeline-backup-${backupId}`).waitFor();
  assert.ok(await page.locator('[data-testid="timeline-recoverable"]').count() >= 1, 'the recoverable window is drawn');
  await slider.focus();
  await page.keyboard.press('Home');
  const earliest = Number(await slider.getAttribute('aria-valuemin'));
  assert.equal(Number(await slider.getAttribute('aria-valuenow')), earliest, 'Home goes to the first recoverable point');
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(Number(await slider.getAttribute('aria-valuenow')), earliest + 1000, 'Shift+Arrow moves one second');
  const pickerValue = await page.getByTestId('target-time').inputValue();
  assert.equal(await page.evaluate((value) => new Date(value).getTime(), pickerValue), earliest + 1000, 'the date-time field follows the slider');

  // The time between the markers, typed to the second in the browser's zone.
  // (No named helper inside: tsx would wrap it in a __name() the page does not have.)
  const typed = await page.evaluate((ms) => {
    const date = new Date(ms);
    const parts = [date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()].map((value) => String(value).padStart(2, '0'));
    return `${date.getFullYear()}-${parts[0]}-${parts[1]}T${parts[2]}:${parts[3]}:${parts[4]}`;
  }, targetMs);
  await page.getByTestId('target-time').fill(typed);
  assert.equal(Number(await slider.getAttribute('aria-valuenow')), targetMs, 'the slider follows the date-time field');
  // The action, from the keyboard too: pause → promote.
  await page.getByTestId('target-action-pause').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByTestId('target-action-promote').isChecked(), true);

  // The plan: this backup, a time target, the WAL range.
  await page.locator('[data-testid="restore-step-plan"][data-plan-state="loaded"]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => /^time /.test(document.querySelector('[data-testid="plan-target"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
  assert.equal(await page.getByTestId('plan-backup').innerText(), backupId);
  const walText = await page.getByTestId('plan-wal').innerText();
  const walRange = /([0-9A-F]{24})(?: … ([0-9A-F]{24}))?/.exec(walText);
  assert.ok(walRange, `the plan names the WAL range: ${walText}`);
  await page.getByTestId('preview-missing').waitFor();
  await shot('04-target-and-plan');

  // A destination that is not empty: refused in the engine's words, with its hint; no Restore button.
  restoreRoot = await makeTempDir('e2e-restore', { owner: 'postgres' });
  writeFileSync(path.join(restoreRoot, 'keep-me'), 'x');
  await page.getByTestId('destination-folder').fill(restoreRoot);
  await page.locator('[data-testid="destination-check"][data-state="refused"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('destination-refusal-message').innerText(), `the destination '${restoreRoot}' is not empty (keep-me)`);
  assert.match(await page.getByTestId('destination-refusal-hint').innerText(), /restore into an empty or new folder/);
  assert.equal(await page.getByTestId('restore-run').isDisabled(), true, 'no restore into a folder the engine refuses');
  await shot('05-destination-refused');

  // An empty folder: ready; the preview shows the recovery_target_time that will be written and the command line.
  const dest = path.join(restoreRoot, 'data');
  mkdirSync(dest);
  await page.getByTestId('destination-folder').fill(dest);
  await page.locator('[data-testid="destination-check"][data-state="ready"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('preview-settings').waitFor();
  const settings = await page.getByTestId('preview-settings').innerText();
  const timeSetting = /^recovery_target_time = '(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)([+-]\d\d:\d\d)'$/m.exec(settings);
  assert.ok(timeSetting, `the preview shows recovery_target_time:\n${settings}`);
  assert.equal(Date.parse(`${timeSetting[1]!.replace(' ', 'T')}${timeSetting[2]}`), targetMs, 'the very instant typed, with its zone');
  assert.match(settings, new RegExp(`^restore_command = 'cp "${dest}/barkeep_wal/%f" "%p"'$`, 'm'));
  assert.match(settings, /^recovery_target_action = 'promote'$/m);
  assert.match(settings, /^archive_mode = off$/m);
  const commandLine = await page.getByTestId('preview-command-line').innerText();
  assert.equal(commandLine, `barkeep -c ${configFile} restore ${serverName} ${dest} --target-time '${timeSetting[1]}${timeSetting[2]}' --target-action promote`);
  await shot('06-destination-and-preview');

  // A change of target re-plans. The engine's reply is held back here, so the re-planning state can be read:
  // the last plan stays, the buttons stay enabled (no flicker), and the preview is marked as not yet current.
  const held: Route[] = [];
  const isPlanCall = (url: URL): boolean => url.pathname === '/api/restore:plan';
  let planAsked = (): void => undefined;
  const planRequested = new Promise<void>((resolve) => { planAsked = resolve; });
  await page.route(isPlanCall, (route) => {
    held.push(route);
    planAsked();
  });
  await page.getByTestId('target-exclusive').check();
  await planRequested;
  assert.equal(await page.getByTestId('restore-step-plan').getAttribute('aria-busy'), 'true');
  assert.match(await page.getByTestId('restore-step-plan').innerText(), /planning…/);
  assert.equal(await page.getByTestId('plan-backup').innerText(), backupId, 'the last plan stays on show');
  assert.equal(await page.getByTestId('restore-step-preview').getAttribute('data-current'), 'false');
  assert.equal(await page.getByTestId('restore-run').isDisabled(), false, 'Restore… stays enabled while it re-plans');
  assert.equal(await page.getByTestId('restore-drill').isDisabled(), false, 'the drill stays enabled while it re-plans');
  await shot('06b-replanning');
  // Restore… now waits for the plan of the target shown, and confirms that one.
  await page.getByTestId('restore-run').click();
  await page.locator('[data-testid="restore-run"][data-waiting="plan"]').waitFor();
  assert.equal(await page.getByTestId('restore-run').innerText(), 'Planning…');
  assert.equal(await page.getByTestId('restore-confirm').count(), 0, 'no confirmation of the plan of other choices');
  for (const route of held) await route.continue();
  await page.unroute(isPlanCall);
  await page.getByTestId('restore-confirm').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('restore-confirm').innerText(), /to reach time .* \(exclusive\)\./, 'the confirmation is of the plan of the target shown');
  assert.equal(await page.getByTestId('restore-step-preview').getAttribute('data-current'), 'true');
  await page.keyboard.press('Escape');
  await page.getByTestId('restore-confirm').waitFor({ state: 'detached' });
  // Back to the target as it was, and its plan.
  await page.getByTestId('target-exclusive').uncheck();
  await page.waitForFunction(() => document.querySelector('[data-testid="restore-step-preview"]')?.getAttribute('data-current') === 'true'
    && !(document.querySelector('[data-testid="plan-target"]')?.textContent ?? '').includes('(exclusive)'), undefined, { timeout: 30_000 });
  assert.equal(await page.getByTestId('preview-settings').innerText(), settings);

  // The command line, run by a real shell with --dry-run, makes the same plan.
  const dry = await runInShell(`${commandLine} --dry-run`);
  assert.equal(dry.code, 0, dry.stderr + dry.stdout);
  assert.match(dry.stdout, new RegExp(`backup: +${backupId} `));
  assert.match(dry.stdout, new RegExp(`target: +time ${timeSetting[1]}\\${timeSetting[2]}, then promote`));
  assert.match(dry.stdout, new RegExp(`wal: +\\d+ segments ${walRange[1]} … ${walRange[2] ?? walRange[1]}`));
  assert.match(dry.stdout, /dry run: .* passed the checks; nothing was written/);

  // Restore…: the confirmation names the folder; Cancel has the focus; Escape closes it, then Tab and Enter confirm.
  await page.getByTestId('restore-run').click();
  const confirm = page.getByTestId('restore-confirm');
  await confirm.waitFor();
  assert.equal(await page.getByTestId('restore-confirm-dest').innerText(), dest);
  assert.match(await confirm.locator('h2').innerText(), new RegExp(`^Restore into ${dest}\\?$`));
  assert.equal(await focusedTestId(page), 'restore-confirm-cancel', 'Cancel has the focus first');
  await shot('07-confirm');
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.equal(await focusedTestId(page), 'restore-run', 'focus returns to Restore…');
  await page.keyboard.press('Enter');
  await confirm.waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await focusedTestId(page), 'restore-confirm-run');
  await page.keyboard.press('Enter');

  // The job: progress, then the result: where, what recovery reaches, how to start it.
  const restoreJob = page.getByTestId('restore-job');
  await restoreJob.waitFor({ timeout: 30_000 });
  assert.equal(await restoreJob.locator('progress').count(), 1, 'the restore job shows a progress bar');
  // Read in one go in the page: while the job is unfinished, the choices it was made of are locked.
  const lock = await page.evaluate(() => ({
    state: document.querySelector('[data-testid="restore-job"]')?.getAttribute('data-job-state'),
    locked: (document.querySelector('[data-testid="restore-steps"]') as HTMLFieldSetElement | null)?.disabled,
  }));
  if (lock.state === 'queued' || lock.state === 'running') assert.equal(lock.locked, true, 'the choices are locked while it runs');
  await page.locator('[data-testid="restore-job"][data-job-state="succeeded"]').waitFor({ timeout: 180_000 });
  await page.getByTestId('restore-result').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('restore-result-dest').innerText(), dest);
  assert.match(await page.getByTestId('restore-result-target').innerText(), new RegExp(`up to time ${timeSetting[1]}\\${timeSetting[2]}, then promotes there`));
  assert.equal(await page.getByTestId('restore-result-start').innerText(), `pg_ctl -D ${dest} start`);
  await shot('08-restored');

  // The restored cluster, started as postgres on a free port, holds exactly the markers before the target.
  const sandbox = loadConfig(configFile).servers.find((server) => server.name === 'sandbox')!;
  const binDir = findPostgresBinDir(sandbox.pgBinDir);
  const written = readFileSync(path.join(dest, 'postgresql.auto.conf'), 'utf8');
  assert.ok(written.includes(settings.split('\n').slice(3).join('\n')), `postgresql.auto.conf holds the previewed settings:\n${written}`);
  const socketDir = path.join(restoreRoot, 'socket');
  mkdirSync(socketDir);
  const port = await freePort();
  appendFileSync(path.join(dest, 'postgresql.auto.conf'), `port = ${port}\nunix_socket_directories = '${socketDir}'\nlisten_addresses = '127.0.0.1'\n`);
  await chownToPostgres(restoreRoot);
  const logFile = path.join(restoreRoot, 'postgresql.log');
  const unregister = registerExitCleanup(() => {
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl'), 'stop', '-D', dest, '-m', 'immediate'], { cwd: '/', stdio: 'ignore' });
  });
  try {
    await startCluster(dest, binDir, logFile);
    const psql = async (sql: string): Promise<string> => {
      const out = await runAsClusterOwner(path.join(binDir, 'psql'), ['-X', '-Atq', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql]);
      if (out.code !== 0) throw new Error(out.stderr);
      return out.stdout.trim();
    };
    // pg_ctl -w returns before a point-in-time restore has reached its target and promoted.
    for (let waited = 0; (await psql('select pg_is_in_recovery()')) !== 'f'; waited += 200) {
      if (waited > 60_000) assert.fail(`the restored cluster did not promote: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await sleep(200);
    }
    assert.equal(await psql("select string_agg(id || ':' || note, ',' order by id) from markers"), '1:m1,2:m2');
  } finally {
    await stopCluster(dest, binDir, 'immediate').catch(() => undefined);
    unregister();
  }

  // A drill of the same target from the composer: the folder is no longer empty, so only the drill is offered.
  await page.getByTestId('restore-again').click();
  // "Compose another" asks for the plan of the same choices again; the folder is no longer empty, so only the drill is offered.
  await page.locator('[data-testid="restore-step-plan"][data-plan-state="loaded"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="destination-check"][data-state="refused"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="restore-drill"]:enabled').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('restore-run').isDisabled(), true);
  await page.getByTestId('restore-drill').focus();
  assert.equal(await focusedTestId(page), 'restore-drill');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="restore-job"][data-run-kind="drill"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="restore-job"][data-job-state="succeeded"]').waitFor({ timeout: 300_000 });
  const drill = page.getByTestId('drill-result');
  await drill.waitFor({ timeout: 30_000 });
  assert.equal(await drill.getAttribute('data-ok'), 'true', await drill.innerText());
  assert.match(await page.getByTestId('drill-reached').innerText(), /^Recovery promoted at LSN [0-9A-F]+\/[0-9A-F]+, now on timeline \d+/);
  const validation = page.getByTestId('drill-validation-row');
  assert.ok(await validation.count() >= 1, 'the drill shows its validation rows');
  assert.match(await page.getByTestId('drill-validation').innerText(), /select 1/i);
  await shot('09-drill');

  // The same target onto another host over SSH (a private sshd on 127.0.0.1, its host key pinned), into a folder there.
  sshd = await startTestSshd();
  remoteRoot = await makeTempDir('e2e-remote', { owner: 'postgres' });
  const remoteDest = path.join(remoteRoot, 'data');
  await page.getByTestId('restore-again').click();
  await page.getByTestId('destination-ssh').check();
  await page.getByTestId('destination-ssh-command').fill(`ssh postgres@${sshd.host} -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${sshd.knownHostsFile}`);
  await page.getByTestId('destination-folder').fill(remoteDest);
  await page.locator('[data-testid="destination-check"][data-state="unchecked"]').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('destination-check').innerText(), `The folder on postgres@${sshd.host} is checked over SSH when the restore starts.`);
  await page.getByTestId('preview-settings').waitFor();
  assert.match(await page.getByTestId('preview-settings').innerText(), new RegExp(`^restore_command = 'cp "${remoteDest}/barkeep_wal/%f" "%p"'$`, 'm'));
  assert.match(await page.getByTestId('preview-command-line').innerText(), new RegExp(`restore ${serverName} ${remoteDest} .* --remote-ssh-command 'ssh postgres@127\\.0\\.0\\.1 -p ${sshd.port} `));
  await page.getByTestId('restore-run').click();
  await page.getByTestId('restore-confirm').waitFor();
  assert.match(await page.getByTestId('restore-confirm').innerText(), new RegExp(`into ${remoteDest} on postgres@${sshd.host}`));
  await page.getByTestId('restore-confirm-run').click();
  await page.locator('[data-testid="restore-job"][data-job-state="succeeded"]').waitFor({ timeout: 180_000 });
  await page.getByTestId('restore-result').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('restore-result').innerText(), new RegExp(`into ${remoteDest} on postgres@${sshd.host}:${sshd.port}`));
  const remoteAutoConf = readFileSync(path.join(remoteDest, 'postgresql.auto.conf'), 'utf8');
  assert.match(remoteAutoConf, /^recovery_target_time = '.*'$/m);
  assert.ok(readFileSync(path.join(remoteDest, 'recovery.signal'), 'utf8') === '');
  await shot('10-remote-restored');

  // A restore point: the composer lists the one found in the archived WAL, newest first, with its time and LSN.
  await page.getByTestId('restore-again').click();
  await page.getByTestId('target-kind-name').check();
  const knownPoints = page.getByTestId('target-restore-points');
  const listed = knownPoints.locator('option', { hasText: 'before-x' });
  await listed.waitFor({ state: 'attached', timeout: 30_000 });
  assert.match(await listed.innerText(), new RegExp(`^before-x — \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d — LSN ${restorePointLsn}$`));
  // Picked from the keyboard: the first one under the prompt is the newest, the only one here; it fills the name.
  await knownPoints.focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getByTestId('target-name').inputValue(), 'before-x');
  await page.waitForFunction((lsn) => (document.querySelector('[data-testid="plan-target"]')?.textContent ?? '').includes(`restore point 'before-x' at lsn ${lsn}`),
    restorePointLsn, { timeout: 30_000 });
  assert.equal(await page.getByTestId('plan-backup').innerText(), backupId);
  // Its mark on the timeline, named for assistive technology, is the chosen one.
  const mark = page.locator('[data-testid^="timeline-restore-point-"][data-name="before-x"]');
  assert.equal(await mark.count(), 1);
  assert.equal(await mark.getAttribute('data-chosen'), 'true');
  assert.match((await mark.getAttribute('aria-label')) ?? '', new RegExp(`^restore point 'before-x', made .*, LSN ${restorePointLsn} \\(the target\\)`));
  await mark.focus();
  await shot('11-restore-point');

  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
