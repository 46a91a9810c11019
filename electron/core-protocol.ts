/**
 * The messages between the desktop shell (Electron main process) and the core
 * it runs in a child process (utilityProcess in the app, child_process.fork in
 * tests). Types only at run time: the core entry and the shell share no code.
 */

/** Core → shell. */
export type CoreMessage =
  /** Listening: the UI is at `url`. The first-run password is shown once by the shell. */
  | { type: 'ready'; url: string; initialAdminPassword?: string; initialPasswordFile?: string }
  /** Sent every CORE_HEARTBEAT_MS while the event loop turns; silence means the core is stuck. */
  | { type: 'alive' }
  /** The core refused to start (port in use, data directory in use, database too new…). */
  | { type: 'refused'; code: string; message: string };

/** Shell → core. */
export type ShellMessage =
  /** Stop cleanly (finish in-flight work, close modems and the database), then exit 0. */
  { type: 'stop' };

export const CORE_HEARTBEAT_MS = 1_000;

/** A message from the child is data, not trusted structure: check it before use. */
export function isCoreMessage(value: unknown): value is CoreMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'alive':
      return true;
    case 'ready':
      return typeof message.url === 'string';
    case 'refused':
      return typeof message.code === 'string' && typeof message.message === 'string';
    default:
      return false;
  }
}
