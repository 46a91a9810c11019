/**
 * The only bridge between the window's pages and the shell, built as CommonJS
 * (out/preload/preload.cjs): a sandboxed renderer cannot load an ES module
 * preload. It exposes the core's state (for the status page shown while the
 * core is down) and "restart the core"; everything else goes through the
 * core's HTTP API like any browser.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CoreStatusView } from './core-status.js';
import { CHANNELS, type DesktopBridge, type DesktopInfo } from './ipc.js';

const bridge: DesktopBridge = {
  isDesktop: true,
  info: () => ipcRenderer.invoke(CHANNELS.info) as Promise<DesktopInfo>,
  onCoreState(listener) {
    const forward = (_event: IpcRendererEvent, view: CoreStatusView) => listener(view);
    ipcRenderer.on(CHANNELS.coreState, forward);
    return () => ipcRenderer.off(CHANNELS.coreState, forward);
  },
  restartCore: () => ipcRenderer.invoke(CHANNELS.restartCore) as Promise<void>,
};

contextBridge.exposeInMainWorld('storemasDesktop', bridge);
