/**
 * The Electron main process: one instance, one hardened window (context
 * isolation, sandbox, no node integration, CSP, no navigation or new windows),
 * the engine behind the contract, and a tray icon. All engine work is in engine/.
 */
import { app, BrowserWindow, Menu, Notification, Tray, nativeImage, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import { createHandlers } from '../engine/contract-handlers';
import { Engine } from '../engine/engine';
import { ArchiverSupervisor } from '../engine/scheduler/archiver-supervisor';
import { summariseArchivers } from '../engine/scheduler/archiver-summary';
import { Scheduler } from '../engine/scheduler/scheduler';
import { resolveConfigFile } from '../engine/config/home';
import { describeDiskStateChange } from '../engine/disk/disk-watch';
import type { DiskStateChange } from '../../shared/domain/disk';
import { forwardEvents, routeContract } from './ipc-router';
import { createSafeStorageSecretStore } from './safe-storage-secrets';

const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

let mainWindow: BrowserWindow | null = null;
let tray: Tray | null = null;

function createWindow(appRoot: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Barkeep',
    icon: path.join(appRoot, 'assets', 'icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(appRoot, 'dist', 'main', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.once('ready-to-show', () => window.show());
  void window.loadFile(path.join(appRoot, 'dist', 'renderer', 'index.html'));
  return window;
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return mainWindow !== null && event.sender === mainWindow.webContents && frame !== null && frame === mainWindow.webContents.mainFrame
    && frame.url.startsWith('file://');
}

function notifyDiskStateChange(change: DiskStateChange): void {
  if (!Notification.isSupported()) return;
  const words = describeDiskStateChange(change);
  const notification = new Notification({ title: words.title, body: words.body, urgency: change.volume.state === 'critical' ? 'critical' : 'normal' });
  notification.on('click', () => mainWindow?.show());
  notification.show();
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const appRoot = app.getAppPath();
  // Passwords typed in the server editor are encrypted with safeStorage before they reach the disk.
  const engine = Engine.open({ configFile: resolveConfigFile({ env: process.env }), createHome: true, secretStore: createSafeStorageSecretStore });
  const handlers = createHandlers(engine, 'electron', app.getVersion());
  // The same scheduler as `barkeep cron --daemon` and `serve`, with the archivers in this process.
  const scheduler = new Scheduler(engine, { receivers: new ArchiverSupervisor(engine) });
  routeContract(handlers, isTrustedSender);
  forwardEvents((listener) => engine.onEvent(listener), () => BrowserWindow.getAllWindows());

  await app.whenReady();
  // After ready: connections of the first pass may need secrets, which safeStorage opens only now.
  scheduler.start();
  // Edits of barkeep.conf and conf.d made outside the app are followed (the watch never keeps the app alive).
  engine.followConfigEdits();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  mainWindow = createWindow(appRoot);
  // One OS notification per disk threshold crossing; the engine decides what a crossing is.
  engine.onDiskStateChange(notifyDiskStateChange);
  tray = new Tray(nativeImage.createFromPath(path.join(appRoot, 'assets', 'icon.png')).resize({ width: 16, height: 16 }));
  // The archivers' state in the tray: it must show with the window closed. Refreshed when servers change, and every 30 s.
  const refreshTray = (): void => {
    const summary = summariseArchivers(engine.listServers());
    tray?.setToolTip(summary.tooltip);
    tray?.setContextMenu(Menu.buildFromTemplate([
      ...summary.lines.map((line) => ({ label: line, enabled: false })),
      ...(summary.lines.length > 0 ? [{ type: 'separator' as const }] : []),
      { label: 'Show Barkeep', click: () => mainWindow?.show() },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]));
  };
  let trayRefresh: NodeJS.Timeout | null = null;
  engine.onEvent((event) => {
    if (event.kind !== 'invalidate' || event.topic !== 'servers' || trayRefresh !== null) return;
    trayRefresh = setTimeout(() => {
      trayRefresh = null;
      refreshTray();
    }, 1000);
  });
  setInterval(refreshTray, 30_000).unref();
  refreshTray();

  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.on('window-all-closed', () => {
    // The archiver must keep running with the window closed; quitting is explicit (tray or menu).
  });
  // Archivers must flush, fsync and release their locks, and scheduled jobs end as cancelled, before the process ends.
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    tray?.destroy();
    void scheduler.stop().finally(() => engine.close()).finally(() => app.exit(0));
  });
}

void start();
