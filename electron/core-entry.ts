/**
 * The appliance core as a child of the desktop shell (out/main/core-entry.js):
 * the shell runs it in an Electron utilityProcess (tests: child_process.fork)
 * and supervises it (electron/core-supervisor.ts). Configured by the
 * environment (STOREMAS_DATA_DIR, STOREMAS_PORT, STOREMAS_LOG_LEVEL,
 * STOREMAS_RENDERER_DIR); logs go to the data directory and to stdout, which
 * the shell keeps the last lines of.
 *
 * No SIGTERM handler on purpose: the shell stops the core with a 'stop'
 * message, and a kill must end even a core whose event loop is blocked.
 */
import { defaultConfig } from '../main/config.js';
import { isAppError } from '../main/errors.js';
import { createAppliance, type Appliance, type StartResult } from '../main/index.js';
import { CORE_HEARTBEAT_MS, type CoreMessage, type ShellMessage } from './core-protocol.js';

interface ParentLink {
  /** Resolves once the message has left (so the process may exit after it). */
  post(message: CoreMessage): Promise<void>;
  onMessage(listener: (message: ShellMessage) => void): void;
  /** The shell went away (child_process only; a utilityProcess dies with its parent). */
  onGone(listener: () => void): void;
}

/** Electron's process.parentPort in a utilityProcess; Node's IPC channel under child_process.fork. */
function parentLink(): ParentLink {
  const port = (process as { parentPort?: { postMessage(message: unknown): void; on(event: 'message', listener: (event: { data: unknown }) => void): void } }).parentPort;
  if (port) {
    return {
      post: (message) => {
        port.postMessage(message);
        return new Promise((resolve) => setImmediate(resolve));
      },
      onMessage: (listener) => port.on('message', (event) => listener(event.data as ShellMessage)),
      onGone: () => {},
    };
  }
  const send = process.send?.bind(process);
  if (send) {
    return {
      post: (message) =>
        new Promise((resolve) => {
          if (!process.connected) return resolve();
          send(message, undefined, undefined, () => resolve());
        }),
      onMessage: (listener) => process.on('message', (message) => listener(message as ShellMessage)),
      onGone: (listener) => process.on('disconnect', listener),
    };
  }
  throw new Error('core-entry runs as a child of the StoreMAS desktop shell; use `storemas serve` to run the core alone.');
}

const parent = parentLink();
const heartbeat = setInterval(() => void parent.post({ type: 'alive' }), CORE_HEARTBEAT_MS);
let appliance: Appliance | undefined;
let starting: Promise<StartResult> | undefined;
let stopping: Promise<void> | undefined;

/** A stop asked for during the start waits for it: a half-started core would not close cleanly. */
function stopAndExit(): Promise<void> {
  stopping ??= (async () => {
    let exitCode = 0;
    try {
      await starting?.catch(() => undefined);
      await appliance?.stop();
    } catch (error) {
      console.error(error);
      exitCode = 1;
    }
    clearInterval(heartbeat);
    process.exit(exitCode);
  })();
  return stopping;
}

parent.onMessage((message) => {
  if (message.type === 'stop') void stopAndExit();
});
parent.onGone(() => void stopAndExit());

try {
  appliance = createAppliance(defaultConfig({ rendererDir: process.env.STOREMAS_RENDERER_DIR || undefined, logToConsole: true }));
  starting = appliance.start();
  const started = await starting;
  if (!stopping) {
    await parent.post({
      type: 'ready',
      url: started.url,
      ...(started.initialAdminPassword ? { initialAdminPassword: started.initialAdminPassword } : {}),
      ...(started.initialPasswordFile ? { initialPasswordFile: started.initialPasswordFile } : {}),
    });
  }
} catch (error) {
  // The output keeps the whole error; a refusal (port or data directory in use, database too
  // new…) also goes to the shell, which shows it as the reason the core is not running.
  console.error(isAppError(error) ? `StoreMAS cannot start [${error.code}]: ${error.message}` : error);
  if (isAppError(error)) await parent.post({ type: 'refused', code: error.code, message: error.message });
  clearInterval(heartbeat);
  process.exit(2);
}
