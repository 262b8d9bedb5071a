// The server editor and the Jobs view in Debian's chromium through the real
// `barkeep serve`, against a real PostgreSQL whose role needs a password
// (scram-sha-256 over TCP, through a proxy that paces the server's bytes so a
// backup lasts long enough to watch). Add a server from the keyboard; a value
// the loader refuses shows at its field; Test connection fails without the
// password, fails with a wrong one in the server's words, passes with the
// right one; Save lists the server; `barkeep check` connects with the stored
// password; the .conf holds none and the secrets file is 0600. Editing it, SSH
// to a real sshd with a passphrase-protected key and the pinned known_hosts:
// refused without the passphrase, OK with it. No response, WebSocket frame or
// page HTML ever carries a secret. Then a backup from the server
// view, watched in Jobs (progress, phase, throughput, ETA, its log followed),
// and a second one cancelled there. Fails on any console or page error.
// Screenshots go to test-results/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startE2eApp, type E2eApp } from '../support/e2e-app';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { startTestSshd, type TestSshd } from '../support/sshd';
import { startThrottledProxy, type ThrottledProxy } from './support/throttled-proxy';

const password = 'Pw-e2e-7f3b9c1d-only-in-the-secret-store';
const passphrase = 'Kp-e2e-41aa09-the-key-passphrase';
const role = 'barkeep_e2e';
let cluster: TestCluster | undefined;
let proxy: ThrottledProxy | undefined;
let sshd: TestSshd | undefined;
/** a copy of the sshd's client key, protected by `passphrase` */
let lockedKey: string;
let app: E2eApp | undefined;
/** every response body and WebSocket frame the page received */
const received: string[] = [];
const reading: Array<Promise<void>> = [];

before(async () => {
  cluster = await startTestCluster({
    pgbenchScale: 1,
    // A spread checkpoint finishes within 27 s at most, whatever is dirty.
    settings: { checkpoint_timeout: '30s' },
    hba: [`host    all           ${role}   127.0.0.1/32    scram-sha-256`, `host    replication   ${role}   127.0.0.1/32    scram-sha-256`],
  });
  await cluster.psql(`create role ${role} login superuser replication password '${password}'`);
  // About 25 MB of data at 2 MiB/s: a backup of ~12 s.
  proxy = await startThrottledProxy(cluster.port, 2 * 1024 * 1024);
  sshd = await startTestSshd();
  app = await startE2eApp('editor');
  lockedKey = path.join(app.home, 'id_locked');
  copyFileSync(sshd.privateKeyPath, lockedKey);
  execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', passphrase, '-f', lockedKey]);
  app.page.on('response', (response) => {
    reading.push(response.text().then((body) => { received.push(body); }, () => undefined));
  });
  app.page.on('websocket', (socket) => {
    socket.on('framereceived', (frame) => received.push(String(frame.payload)));
  });
});

after(async () => {
  await app?.close();
  await proxy?.stop();
  await sshd?.stop();
  await cluster?.stop();
});

const activeTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

async function runTest(page: Page, expected: 'ok' | 'failed' | 'invalid'): Promise<void> {
  await page.getByTestId('editor-test').click();
  await page.locator(`[data-testid="editor-test-report"][data-state="${expected}"]`).waitFor({ timeout: 60_000 });
}

test('add a server with a password, test it, save it, check it from the CLI; back it up and watch it in Jobs', { timeout: 400_000 }, async () => {
  const { page, home, configFile, shot } = app!;
  await app!.open();
  await page.getByTestId('empty-servers').waitFor();

  // 1. The editor, from the keyboard: the empty state's "Add your own server".
  await page.getByTestId('add-server').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('view-server-editor').waitFor();
  assert.match(page.url(), /#\/new-server$/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'the heading has the focus');
  assert.equal(await page.getByTestId('nav-servers').getAttribute('aria-current'), 'page');
  await shot('server-editor-new');

  const conninfo = `host=127.0.0.1 port=${proxy!.port} user=${role} dbname=postgres`;
  await page.getByTestId('editor-input-name').fill('pgpw');
  await page.getByTestId('editor-input-description').fill('password-protected test cluster');
  await page.getByTestId('editor-input-conninfo').fill(conninfo);
  await page.getByTestId('editor-input-backupMethod').selectOption('postgres');
  await page.getByTestId('editor-input-retentionPolicy').fill('REDUNDANCY 0');
  // A switch from the keyboard: Space ticks the focused checkbox.
  await page.getByTestId('editor-input-streamingArchiver').focus();
  await page.keyboard.press('Space');
  assert.equal(await page.getByTestId('editor-input-streamingArchiver').isChecked(), true);
  await page.getByTestId('editor-input-slotName').fill('barkeep');
  await page.getByTestId('editor-input-createSlot').selectOption('auto');

  // 2. A value the loader refuses: its words at the field, no connection tried.
  await runTest(page, 'invalid');
  assert.match(await page.getByTestId('field-error-retentionPolicy').innerText(), /'REDUNDANCY 0' keeps no backup/);
  assert.doesNotMatch(await page.getByTestId('field-error-retentionPolicy').innerText(), /:\d+:/, 'no file:line');
  assert.equal(await page.getByTestId('editor-input-retentionPolicy').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByTestId('editor-step-postgres').count(), 0);
  await shot('server-editor-invalid');
  await page.getByTestId('editor-input-retentionPolicy').fill('REDUNDANCY 2');

  // 3. Test connection: no password, then a wrong one (the server's words), then the right one.
  await runTest(page, 'failed');
  assert.equal(await page.getByTestId('editor-step-postgres').getAttribute('data-ok'), 'false');
  assert.match(await page.getByTestId('editor-step-postgres').innerText(), /the server asks for a password, and none was given/);
  await page.getByTestId('editor-input-password').fill('not-the-password');
  await runTest(page, 'failed');
  assert.match(await page.getByTestId('editor-step-postgres').innerText(), new RegExp(`password authentication failed for user "${role}"`));
  assert.match(await page.getByTestId('editor-step-replication').innerText(), new RegExp(`password authentication failed for user "${role}"`));
  await shot('server-editor-test-failed');
  await page.getByTestId('editor-input-password').fill(password);
  assert.equal(await page.getByTestId('editor-test-report').getAttribute('data-stale'), 'true', 'a changed form marks the last test as stale');
  await runTest(page, 'ok');
  assert.match(await page.getByTestId('editor-step-postgres').innerText(), /select 1 answered; PostgreSQL 15\.\d+; slot 'barkeep' will be created/);
  assert.match(await page.getByTestId('editor-step-replication').innerText(), /IDENTIFY_SYSTEM answered: system \d+, timeline 1/);
  assert.ok(!(await page.content()).includes(password), 'the typed password is in no attribute of the page');
  await shot('server-editor-test-ok');

  // 4. Save from the keyboard: the list shows the server, and a notice says where it was written.
  // (The pointer rests away from the notices: one resting on them holds them, as a reader's would.)
  await page.mouse.move(1, 1);
  await page.getByTestId('editor-save').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('server-row-pgpw').waitFor({ timeout: 30_000 });
  assert.match(page.url(), /#\/servers$/);
  assert.match(await page.getByTestId('server-row-pgpw').innerText(), /password-protected test cluster/);
  const notices = page.getByTestId('toast-notices');
  const added = notices.getByTestId('toast-info').filter({ hasText: 'Server added' });
  await added.waitFor();
  assert.match(await added.innerText(), new RegExp(`pgpw is written to ${path.join(home, 'conf.d', 'pgpw.conf')}`));
  // Announced: it arrived in the polite live region that is always in the page.
  assert.equal(await notices.getAttribute('role'), 'status');
  assert.equal(await notices.getAttribute('aria-live'), 'polite');
  await shot('server-editor-saved-list');

  // 5. On disk: the .conf holds no password; the secrets file is 0600 in a 0700 folder.
  const serverFile = path.join(home, 'conf.d', 'pgpw.conf');
  const text = readFileSync(serverFile, 'utf8');
  assert.ok(text.includes(`conninfo = ${conninfo}`), text);
  assert.match(text, /^retention_policy = REDUNDANCY 2$/m);
  assert.ok(!text.includes(password), 'no password in the .conf');
  const secretsFile = path.join(home, 'secrets', 'pgpw.json');
  assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(secretsFile)).mode & 0o777, 0o700);

  // 6. The CLI connects with the stored password: a plain and a replication connection.
  const checked = await runBarkeep(['-c', configFile, 'check', 'pgpw']);
  assert.match(checked.stdout, /\tPostgreSQL: OK/, `${checked.stdout}\n${checked.stderr}`);
  assert.match(checked.stdout, /\tPostgreSQL streaming: OK/, checked.stdout);
  assert.ok(!(checked.stdout + checked.stderr).includes(password));

  // The notice has left by itself meanwhile (nothing else took it: no navigation, no click).
  await added.waitFor({ state: 'detached', timeout: 30_000 });

  // 7. Edit: a password is stored (never shown) and used when kept. SSH with a locked key: refused
  // without its passphrase, OK with it and the pinned known_hosts. Save goes back to the server.
  await page.getByTestId('server-link-pgpw').click();
  await page.getByTestId('view-server').waitFor();
  await page.getByTestId('edit-server').click();
  await page.locator('[data-testid="view-server-editor"][data-server="pgpw"]').waitFor();
  await page.getByTestId('editor-password-stored').waitFor();
  assert.equal(await page.getByTestId('editor-input-name').getAttribute('readonly'), '');
  assert.equal(await page.getByTestId('editor-input-conninfo').inputValue(), conninfo);
  assert.equal(await page.getByTestId('editor-input-password').inputValue(), '', 'the stored password is not sent back');
  await page.getByTestId('editor-ssh-fields').check();
  await page.getByTestId('editor-input-ssh-host').fill(sshd!.host);
  await page.getByTestId('editor-input-ssh-port').fill(String(sshd!.port));
  await page.getByTestId('editor-input-ssh-user').fill(sshd!.username);
  await page.getByTestId('editor-input-ssh-key').fill(lockedKey);
  await page.getByTestId('editor-input-ssh-known-hosts').fill(sshd!.knownHostsFile);
  await runTest(page, 'failed');
  assert.equal(await page.getByTestId('editor-step-postgres').getAttribute('data-ok'), 'true', 'the kept password still connects');
  assert.match(await page.getByTestId('editor-step-ssh').innerText(), /unable to load ssh private key for postgres@127\.0\.0\.1:\d+: .*passphrase/);
  await page.getByTestId('editor-input-sshKeyPassphrase').fill(passphrase);
  await runTest(page, 'ok');
  assert.match(await page.getByTestId('editor-step-ssh').innerText(), new RegExp(`logged in with ${lockedKey}; the host key matches ${sshd!.knownHostsFile}`));
  await shot('server-editor-edit');
  await page.getByTestId('editor-save').click();
  await page.getByTestId('view-server').waitFor();
  // Its notice came with the move back to the server view and stays; Escape on it dismisses it, and the focus goes back.
  const saved = notices.getByTestId('toast-info').filter({ hasText: 'Server saved' });
  await saved.waitFor();
  await saved.getByRole('button', { name: 'Dismiss: Server saved' }).focus();
  assert.equal(await page.getByRole('region', { name: 'Notifications' }).getAttribute('data-paused'), 'true', 'a notice holding the focus stays');
  await page.keyboard.press('Escape');
  await saved.waitFor({ state: 'detached' });
  assert.equal(await activeTestId(page), 'H1', 'the focus is back on the view, where it was');
  assert.match(readFileSync(serverFile, 'utf8'), new RegExp(`^ssh_command = ssh -p ${sshd!.port} -i ${lockedKey} -o UserKnownHostsFile=${sshd!.knownHostsFile} postgres@127\\.0\\.0\\.1$`, 'm'));
  assert.deepEqual(JSON.parse(readFileSync(secretsFile, 'utf8')).holds, ['password', 'sshKeyPassphrase']);
  for (const secret of [password, passphrase]) assert.ok(!readFileSync(serverFile, 'utf8').includes(secret));

  // 8. A backup from the server view, watched in Jobs: progress, phase, throughput, time left, and its log.
  await cluster!.psql('checkpoint');
  await page.getByTestId('backup-now').click();
  await page.getByTestId('backup-job').waitFor();
  await page.getByTestId('nav-jobs').click();
  await page.getByTestId('view-jobs').waitFor();
  const running = page.locator('[data-testid^="job-row-"][data-job-state="running"]').filter({ hasText: 'backup pgpw' });
  await running.waitFor({ timeout: 60_000 });
  const jobId = (await running.getAttribute('data-testid'))!.slice('job-row-'.length);
  await page.locator(`[data-testid="job-rate-${jobId}"][data-rate="moving"]`).waitFor({ timeout: 90_000 });
  assert.equal(await page.getByTestId(`job-phase-${jobId}`).innerText(), 'copying');
  assert.match(await page.getByTestId(`job-rate-${jobId}`).innerText(), /^[\d.]+ (B|KiB|MiB)\/s · about (\d+ s|\d+ min \d+ s) left$/);
  assert.ok(Number(await page.getByTestId(`job-rate-${jobId}`).getAttribute('data-bytes-per-second')) > 0);
  const bar = running.locator('progress');
  assert.ok(Number(await bar.getAttribute('value')) > 0 && Number(await bar.getAttribute('max')) > 0, 'a determinate progress bar');
  assert.match(await running.innerText(), /[\d.]+ (KiB|MiB) of [\d.]+ MiB \(\d+ %\)/);

  // The log from the keyboard: the toggle opens it, the next Tab reaches the (scrollable) list.
  await page.getByTestId(`job-logs-toggle-${jobId}`).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId(`job-log-lines-${jobId}`).waitFor();
  assert.equal(await page.getByTestId(`job-logs-toggle-${jobId}`).getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('Tab');
  assert.equal(await activeTestId(page), `job-log-lines-${jobId}`);
  assert.match(await page.getByTestId(`job-log-lines-${jobId}`).innerText(), /starting backup \d{8}T\d{6} of server 'pgpw'/);
  await shot('jobs-backup-running');

  // It follows: the last line, which arrives while the panel is open, is at the bottom of the list.
  await page.locator(`[data-testid="job-row-${jobId}"][data-job-state="succeeded"]`).waitFor({ timeout: 180_000 });
  await page.getByTestId(`job-log-lines-${jobId}`).getByText(/backup \d{8}T\d{6} of server 'pgpw' is DONE/).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId(`job-logs-${jobId}`).getAttribute('data-following'), 'true');
  const atEnd = await page.getByTestId(`job-log-lines-${jobId}`).evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight <= 24);
  assert.equal(atEnd, true, 'the followed log shows its newest line');
  assert.match(await page.getByTestId(`job-rate-${jobId}`).innerText(), /^averaged [\d.]+ (KiB|MiB)\/s$/);
  await shot('jobs-backup-done');

  // 9. The backup is in the server's table.
  await page.getByTestId('nav-servers').click();
  await page.getByTestId('server-link-pgpw').click();
  await page.locator('[data-testid^="backup-row-"][data-status="DONE"]').first().waitFor({ timeout: 30_000 });

  // 10. Another backup, cancelled from Jobs while it copies.
  await cluster!.psql('checkpoint');
  await page.getByTestId('backup-now').click();
  await page.getByTestId('backup-job').waitFor();
  await page.getByTestId('nav-jobs').click();
  const second = page.locator('[data-testid^="job-row-"][data-job-state="running"]').filter({ hasText: 'backup pgpw' });
  await second.waitFor({ timeout: 60_000 });
  const secondId = (await second.getAttribute('data-testid'))!.slice('job-row-'.length);
  assert.notEqual(secondId, jobId);
  await page.locator(`[data-testid="job-rate-${secondId}"][data-rate="moving"]`).waitFor({ timeout: 90_000 });
  await page.getByTestId(`job-cancel-${secondId}`).focus();
  await page.keyboard.press('Enter');
  await page.locator(`[data-testid="job-row-${secondId}"][data-job-state="cancelled"]`).waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId(`job-row-${secondId}`).innerText(), /was cancelled/);
  await shot('jobs-backup-cancelled');

  // 11. No secret ever came back: not in a response, a pushed event, the page, or serve's output.
  await Promise.all(reading);
  assert.ok(received.length > 20, `responses were recorded (${received.length})`);
  for (const secret of [password, passphrase]) {
    assert.deepEqual(received.filter((body) => body.includes(secret)).map((body) => body.slice(0, 200)), []);
    assert.ok(!(await page.content()).includes(secret));
    assert.ok(!app!.serve.output().includes(secret));
  }
  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
