/**
 * The only bridge between the UI and the shell: read-only facts the UI may
 * show. Everything else goes through the core's HTTP API like any browser.
 */
import { contextBridge, ipcRenderer } from 'electron';

export interface DesktopBridge {
  readonly isDesktop: true;
  info(): Promise<{ version: string; url: string | null }>;
}

const bridge: DesktopBridge = {
  isDesktop: true,
  info: () => ipcRenderer.invoke('storemas:info') as Promise<{ version: string; url: string | null }>,
};

contextBridge.exposeInMainWorld('storemasDesktop', bridge);
