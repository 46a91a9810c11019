/**
 * The desktop shell: runs the appliance core in a utilityProcess under the
 * CoreSupervisor (restarted after a crash or a hang, stopped cleanly on quit),
 * shows the admin UI from the core's own URL — or, while the core is down, a
 * local status page with its state, recent output and "restart now" — and
 * keeps a tray icon with the core's state. Closing the window leaves the
 * appliance running in the tray. The logic worth testing lives in the
 * electron-free modules next to this file (supervisor, status wording, status
 * page, login item), tested under Node and Chromium.
 */
import os from 'node:os';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, shell, Tray, utilityProcess, type IpcMainInvokeEvent, type UtilityProcess } from 'electron';
import { coreStatusView, PRODUCT_NAME, trayStateLine, trayTooltip } from './core-status.js';
import { CoreSupervisor, type CoreProcess } from './core-supervisor.js';
import { CHANNELS, type DesktopInfo } from './ipc.js';
import { HIDDEN_FLAG, xdgAutostart, type LoginItem } from './login-item.js';
import { STATUS_PAGE_FILE } from './status-page.js';

const resourcesDir = app.isPackaged ? process.resourcesPath : path.join(import.meta.dirname, '../../build');
const dataDir = process.env.STOREMAS_DATA_DIR ?? path.join(app.getPath('userData'), 'data');
const statusPagePath = path.join(import.meta.dirname, STATUS_PAGE_FILE);

function iconPath(name: string): string {
  return path.join(resourcesDir, name);
}

/** Electron's UtilityProcess as the supervisor's CoreProcess. */
function fromUtilityProcess(child: UtilityProcess): CoreProcess {
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    send: (message) => child.postMessage(message),
    // SIGKILL, not UtilityProcess.kill()'s SIGTERM: it must end a core whose event loop is stuck.
    kill: () => {
      try {
        if (child.pid === undefined) child.kill();
        else process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone: its exit event follows.
      }
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener({ code, signal: null })),
  };
}

const supervisor = new CoreSupervisor({
  fork: () =>
    fromUtilityProcess(
      utilityProcess.fork(path.join(import.meta.dirname, 'core-entry.js'), [], {
        serviceName: 'StoreMAS core',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, STOREMAS_DATA_DIR: dataDir, STOREMAS_RENDERER_DIR: path.join(import.meta.dirname, '../renderer') },
      }),
    ),
});

function loginItem(): LoginItem {
  if (process.platform === 'linux') {
    // Electron has no login items on Linux: an XDG autostart entry starts the AppImage or the installed binary.
    const command = app.isPackaged ? [process.env.APPIMAGE ?? process.execPath] : [process.execPath, app.getAppPath()];
    return xdgAutostart(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), [...command, HIDDEN_FLAG]);
  }
  return {
    isEnabled: () => app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin,
    setEnabled: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] }),
  };
}

const login = loginItem();
let mainWindow: BrowserWindow | undefined;
let tray: Tray | undefined;
/** The admin UI page last shown (path, query, hash), to come back to after a restart. */
let lastCoreLocation = '/';
let showing: 'nothing' | 'core' | 'status' = 'nothing';
let quit: 'no' | 'stopping-core' | 'now' = 'no';
let statusPush: NodeJS.Timeout | undefined;

function coreOrigin(): string | undefined {
  const { state, url } = supervisor.snapshot();
  return state === 'running' && url ? new URL(url).origin : undefined;
}

function isCorePage(url: string): boolean {
  const origin = coreOrigin();
  return origin !== undefined && url.startsWith(`${origin}/`);
}

function pushStatus(): void {
  if (statusPush) clearTimeout(statusPush);
  statusPush = undefined;
  if (!mainWindow || mainWindow.isDestroyed()) return;
  mainWindow.webContents.send(CHANNELS.coreState, coreStatusView(supervisor.snapshot(), supervisor.log()));
}

/** A load cut short by the next state's load (ERR_ABORTED) or by the core going down: the state machine loads what comes next. */
function ignoreSupersededLoad(): void {}

/** The admin UI while the core runs, the status page otherwise. */
function syncWindowContent(): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  const { state, url } = supervisor.snapshot();
  if (state === 'running' && url) {
    if (showing !== 'core' || !isCorePage(mainWindow.webContents.getURL())) {
      showing = 'core';
      mainWindow.loadURL(new URL(lastCoreLocation, url).href).catch(ignoreSupersededLoad);
    }
  } else if (showing !== 'status') {
    showing = 'status';
    mainWindow.loadFile(statusPagePath).catch(ignoreSupersededLoad);
  }
  pushStatus();
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1366,
    height: 768,
    minWidth: 1100,
    minHeight: 680,
    title: PRODUCT_NAME,
    icon: iconPath('icon.png'),
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // The window shows only the core's pages and the status page; links elsewhere open in the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('http://') || url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!isCorePage(url)) event.preventDefault();
  });
  const remember = (url: string) => {
    if (!isCorePage(url)) return;
    const { pathname, search, hash } = new URL(url);
    lastCoreLocation = `${pathname}${search}${hash}`;
  };
  window.webContents.on('did-navigate', (_event, url) => remember(url));
  window.webContents.on('did-navigate-in-page', (_event, url) => remember(url));
  window.webContents.on('did-finish-load', pushStatus);
  // Closing the window keeps the appliance running in the tray: campaigns and replies go on.
  window.on('close', (event) => {
    if (quit === 'no') {
      event.preventDefault();
      window.hide();
    }
  });
  return window;
}

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createWindow();
    showing = 'nothing';
    syncWindowContent();
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function updateTray(): void {
  if (!tray) return;
  const { state, url } = supervisor.snapshot();
  tray.setToolTip(trayTooltip(state));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: trayStateLine(state), enabled: false },
      { type: 'separator' },
      { label: '打开 StoreMAS / Open', click: showWindow },
      { label: '在浏览器中打开 / Open in browser', enabled: state === 'running', click: () => url && void shell.openExternal(url) },
      { label: '重启核心服务 / Restart the core', enabled: state !== 'stopping', click: () => supervisor.restart() },
      {
        label: '开机时启动 / Start at login',
        type: 'checkbox',
        checked: login.isEnabled(),
        click: (item) => {
          try {
            login.setEnabled(item.checked);
          } catch (error) {
            dialog.showErrorBox('无法设置开机启动 / Cannot change start at login', String(error));
          }
          updateTray();
        },
      },
      { type: 'separator' },
      { label: '退出 / Quit', click: () => app.quit() },
    ]),
  );
}

function fromOwnWindow(event: IpcMainInvokeEvent): boolean {
  return !!mainWindow && !mainWindow.isDestroyed() && event.sender === mainWindow.webContents && event.senderFrame === mainWindow.webContents.mainFrame;
}

if (!app.requestSingleInstanceLock()) {
  // One appliance per machine: a second launch just brings the first window forward.
  app.quit();
} else {
  app.on('second-instance', showWindow);

  ipcMain.handle(CHANNELS.info, (event): DesktopInfo => {
    if (!fromOwnWindow(event)) throw new Error('not the StoreMAS window');
    const { url } = supervisor.snapshot();
    return {
      version: app.getVersion(),
      url,
      logFile: path.join(dataDir, 'logs', 'storemas.log'),
      core: coreStatusView(supervisor.snapshot(), supervisor.log()),
    };
  });
  ipcMain.handle(CHANNELS.restartCore, (event) => {
    if (!fromOwnWindow(event)) throw new Error('not the StoreMAS window');
    supervisor.restart();
  });

  supervisor.onDidChangeState(() => {
    syncWindowContent();
    updateTray();
  });
  supervisor.onDidLog((line) => {
    if (!app.isPackaged) console.log(`[core ${line.source}] ${line.level}: ${line.text}`);
    // The status page follows the output, at most four times a second.
    if (showing === 'status') statusPush ??= setTimeout(pushStatus, 250);
  });
  supervisor.onDidBecomeReady((ready) => {
    if (!ready.initialAdminPassword) return;
    showWindow();
    void dialog.showMessageBox(mainWindow!, {
      type: 'info',
      title: 'StoreMAS 首次运行 / First run',
      message: `管理员用户名 admin，一次性密码：\n${ready.initialAdminPassword}\n\nSign in as "admin" with the one-time password above; you will choose a new one.`,
      detail: `The password is also in ${ready.initialPasswordFile ?? 'the data directory'} until you change it.`,
    });
  });

  app.on('before-quit', (event) => {
    if (quit === 'now') return;
    event.preventDefault();
    if (quit === 'stopping-core') return;
    quit = 'stopping-core';
    tray?.destroy();
    tray = undefined;
    void supervisor.stop().finally(() => {
      quit = 'now';
      app.quit();
    });
  });
  app.on('window-all-closed', () => {
    // Stay in the tray.
  });

  void app.whenReady().then(() => {
    tray = new Tray(nativeImage.createFromPath(iconPath('tray.png')));
    tray.on('double-click', showWindow);
    supervisor.start();
    updateTray();
    // Started at login: stay in the tray until someone opens the window.
    const hidden = process.argv.includes(HIDDEN_FLAG) || app.getLoginItemSettings().wasOpenedAtLogin;
    if (!hidden) showWindow();
  });
}
