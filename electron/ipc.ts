/**
 * The window ↔ shell contract: what the preload exposes as
 * window.storemasDesktop and the IPC channels behind it.
 */
import type { CoreStatusView } from './core-status.js';

export interface DesktopInfo {
  version: string;
  /** The admin UI's address while the core runs. */
  url: string | null;
  /** Where the core's full log is, for support. */
  logFile: string;
  core: CoreStatusView;
}

export interface DesktopBridge {
  readonly isDesktop: true;
  info(): Promise<DesktopInfo>;
  /** Calls `listener` on every change of the core's state (and its recent output); returns the unsubscribe. */
  onCoreState(listener: (view: CoreStatusView) => void): () => void;
  restartCore(): Promise<void>;
}

export const CHANNELS = {
  info: 'storemas:info',
  coreState: 'storemas:core-state',
  restartCore: 'storemas:restart-core',
} as const;
