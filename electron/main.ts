/**
 * The desktop shell: hosts the appliance core in this (the Electron main)
 * process, opens the admin UI on the core's own URL, keeps a tray icon, and
 * stops the core cleanly on quit. Nothing testable lives here: the core is
 * main/ (plain Node), the UI is renderer/ (served by the core over HTTP).
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, shell, Tray } from 'electron';
import { defaultConfig } from '../main/config.js';
import { isAppError } from '../main/errors.js';
import { createAppliance, type Appliance, type StartResult } from '../main/index.js';

let appliance: Appliance | undefined;
let started: StartResult | undefined;
let mainWindow: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;

const resourcesDir = app.isPackaged ? process.resourcesPath : path.join(import.meta.dirname, '../../build');

function iconPath(name: string): string {
  return path.join(resourcesDir, name);
}

function showWindow(): void {
  if (!started) return;
  if (mainWindow && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  const origin = new URL(started.url).origin;
  mainWindow = new BrowserWindow({
    width: 1366,
    height: 768,
    minWidth: 1100,
    minHeight: 680,
    title: 'StoreMAS 门店短信一体机',
    icon: iconPath('icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/preload.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The window only ever shows the core's own pages; anything else opens in the system browser.
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('http://') || url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  mainWindow.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== origin) event.preventDefault();
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  // Closing the window keeps the appliance running in the tray: campaigns and replies go on.
  mainWindow.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      mainWindow?.hide();
    }
  });
  void mainWindow.loadURL(started.url);
}

function createTray(): void {
  const image = nativeImage.createFromPath(iconPath('tray.png'));
  tray = new Tray(image);
  tray.setToolTip('StoreMAS 门店短信一体机');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: '打开 StoreMAS / Open', click: showWindow },
      { label: '在浏览器中打开 / Open in browser', click: () => started && void shell.openExternal(started.url) },
      { type: 'separator' },
      { label: '退出 / Quit', click: () => app.quit() },
    ]),
  );
  tray.on('double-click', showWindow);
}

async function startCore(): Promise<void> {
  const config = defaultConfig({
    dataDir: process.env.STOREMAS_DATA_DIR ?? path.join(app.getPath('userData'), 'data'),
    rendererDir: path.join(import.meta.dirname, '../renderer'),
    logToConsole: !app.isPackaged,
  });
  appliance = createAppliance(config);
  try {
    started = await appliance.start();
  } catch (error) {
    const message = isAppError(error) ? `${error.message}\n\n[${error.code}]` : String(error);
    dialog.showErrorBox('StoreMAS 无法启动 / cannot start', message);
    app.exit(2);
    return;
  }
  if (started.initialAdminPassword) {
    await dialog.showMessageBox({
      type: 'info',
      title: 'StoreMAS 首次运行 / First run',
      message: `管理员用户名 admin，一次性密码：\n${started.initialAdminPassword}\n\nSign in as "admin" with the one-time password above; you will choose a new one.`,
      detail: `The password is also in ${started.initialPasswordFile} until you change it.`,
    });
  }
}

if (!app.requestSingleInstanceLock()) {
  // One appliance per machine: a second launch just brings the first window forward.
  app.quit();
} else {
  app.on('second-instance', showWindow);
  ipcMain.handle('storemas:info', () => ({ version: app.getVersion(), url: started?.url ?? null }));

  app.on('before-quit', (event) => {
    if (!appliance || quitting) return;
    event.preventDefault();
    quitting = true;
    tray?.destroy();
    const core = appliance;
    appliance = undefined;
    core.stop().finally(() => app.quit());
  });
  app.on('window-all-closed', () => {
    // Stay in the tray.
  });

  void app.whenReady().then(async () => {
    await startCore();
    if (!started) return;
    createTray();
    showWindow();
  });
}
