/**
 * Barkeep as a browser test meets it: a fresh home under /tmp (0711, so the
 * sandbox cluster that lives in it can run as postgres), optionally the
 * sandbox made by `barkeep demo --skip-cycle`, the real `barkeep serve` on
 * that home, and Debian's chromium through playwright-core recording every
 * console and page error. close() stops what runs (browser, serve, the
 * sandbox cluster) and removes the home; an interrupted run is cleaned up at
 * process exit too. Usage:
 *   let app: E2eApp | undefined;
 *   before(async () => { app = await startE2eApp('backups', { demo: true }); });
 *   after(() => app?.close());
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src-main/engine/config/load';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import { isClusterRunning, isRoot, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { openTestBrowser, type TestBrowser } from '../e2e/support/browser';
import { runBarkeep } from './run-cli';
import { startServeProcess, type ServeProcess } from './serve-process';
import { makeTempDir, registerExitCleanup, removeTempDir } from './temp-dir';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screenshots');
export interface E2eAppOptions {
  /** run `barkeep demo --skip-cycle` first: the sandbox cluster and its server `sandbox` */
  demo?: boolean;
  /** start `barkeep serve` at once (the default); false leaves it to startServe() */
  serve?: boolean;
  /** what every screenshot's file name starts with */
  shotPrefix?: string;
}

export interface E2eApp {
  home: string;
  configFile: string;
  browser: TestBrowser;
  page: Page;
  /** the running `barkeep serve`; throws when none runs */
  readonly serve: ServeProcess;
  startServe(): Promise<ServeProcess>;
  /** Leaves the page first (chromium logs a live socket that breaks as an error), then stops serve. */
  stopServe(): Promise<void>;
  /** Opens serve's address (with its token) and waits until the app marks itself ready. */
  open(): Promise<void>;
  /** A full-page screenshot in test-results/screenshots/, transitions run to their end so it shows the state it names. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

interface SandboxCluster {
  dataDir: string;
  binDir: string;
}

export async function startE2eApp(name: string, options: E2eAppOptions = {}): Promise<E2eApp> {
  mkdirSync(screenshots, { recursive: true });
  const home = await makeTempDir(`e2e-${name}`);
  chmodSync(home, 0o711);
  const configFile = path.join(home, 'barkeep.conf');
  let sandbox: SandboxCluster | null = null;
  /** The sandbox cluster, learnt once it exists (the test may edit the configuration later). */
  const findSandbox = (): SandboxCluster | null => {
    if (sandbox !== null) return sandbox;
    try {
      const server = loadConfig(configFile).servers.find((candidate) => candidate.name === 'sandbox');
      if (server?.sandboxDataDirectory) sandbox = { dataDir: server.sandboxDataDirectory, binDir: findPostgresBinDir(server.pgBinDir) };
    } catch {
      // No configuration yet, or none that loads: no sandbox to stop.
    }
    return sandbox;
  };
  const unregisterSandboxCleanup = registerExitCleanup(() => {
    const cluster = findSandbox();
    if (cluster === null) return;
    // Synchronous: exit handlers cannot wait for promises.
    const pgCtl = [path.join(cluster.binDir, 'pg_ctl'), 'stop', '-D', cluster.dataDir, '-m', 'immediate', '-w'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { cwd: '/', stdio: 'ignore', timeout: 30_000 });
    else spawnSync(pgCtl[0]!, pgCtl.slice(1), { stdio: 'ignore', timeout: 30_000 });
    rmSync(path.dirname(cluster.dataDir), { recursive: true, force: true });
  });

  let serve: ServeProcess | undefined;
  let unregisterServeCleanup = (): void => undefined;
  let browser: TestBrowser | undefined;

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await browser?.close();
    await stopServe();
    const cluster = findSandbox();
    if (cluster !== null) {
      if (await isClusterRunning(cluster.dataDir, cluster.binDir).catch(() => false)) await stopCluster(cluster.dataDir, cluster.binDir, 'immediate');
      rmSync(path.dirname(cluster.dataDir), { recursive: true, force: true });
    }
    unregisterSandboxCleanup();
    await removeTempDir(home);
  };
  const startServe = async (): Promise<ServeProcess> => {
    if (serve !== undefined) throw new Error(`barkeep serve already runs for ${home}`);
    serve = await startServeProcess(configFile);
    const running = serve;
    unregisterServeCleanup = registerExitCleanup(() => void running.stop());
    return running;
  };
  const stopServe = async (): Promise<void> => {
    if (serve === undefined) return;
    if (browser !== undefined && browser.page.url() !== 'about:blank') await browser.page.goto('about:blank').catch(() => undefined);
    await serve.stop();
    unregisterServeCleanup();
    serve = undefined;
  };

  try {
    if (options.demo === true) {
      const demo = await runBarkeep(['-c', configFile, 'demo', '--skip-cycle']);
      if (demo.code !== 0) throw new Error(`demo --skip-cycle failed:\n${demo.stdout}\n${demo.stderr}`);
      findSandbox();
    }
    if (options.serve !== false) await startServe();
    browser = await openTestBrowser();
  } catch (error) {
    await close();
    throw error;
  }
  const opened = browser;
  return {
    home,
    configFile,
    browser: opened,
    page: opened.page,
    get serve(): ServeProcess {
      if (serve === undefined) throw new Error(`barkeep serve does not run for ${home}`);
      return serve;
    },
    startServe,
    stopServe,
    open: async () => {
      if (serve === undefined) throw new Error(`barkeep serve does not run for ${home}`);
      await opened.page.goto(serve.url);
      await opened.page.locator('html[data-app-state="ready"]').waitFor({ timeout: 30_000 });
    },
    shot: async (shotName) => {
      // Reduced motion ends every transition at once, the progress bar's fill too (a pseudo-element
      // `animations: 'disabled'` does not reach); an injected style would break the page's CSP.
      await opened.page.emulateMedia({ reducedMotion: 'reduce' });
      try {
        await opened.page.screenshot({ path: path.join(screenshots, `${options.shotPrefix ?? ''}${shotName}.png`), fullPage: true, animations: 'disabled' });
      } finally {
        await opened.page.emulateMedia({ reducedMotion: null });
      }
    },
    close,
  };
}
