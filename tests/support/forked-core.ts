import { fork, type ChildProcess } from 'node:child_process';
import type { CoreProcess } from '../../electron/core-supervisor.js';

/**
 * child_process.fork standing in for Electron's utilityProcess.fork (whose
 * binary cannot run here): the same CoreProcess the shell builds from a
 * UtilityProcess, over Node's IPC channel.
 */
export function fromChildProcess(child: ChildProcess): CoreProcess {
  // A send racing the child's exit reports ERR_IPC_CHANNEL_CLOSED here; the exit itself is what counts.
  child.on('error', () => undefined);
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    send(message) {
      if (!child.connected) throw new Error('the core has no IPC channel left');
      child.send(message);
    },
    kill() {
      child.kill('SIGKILL');
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      child.on('exit', (code, signal) => listener({ code, signal }));
    },
  };
}

export function forkCore(modulePath: string, options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; cwd?: string } = {}): () => CoreProcess {
  return () =>
    fromChildProcess(
      fork(modulePath, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: options.env ?? process.env,
        execArgv: options.execArgv ?? [],
        ...(options.cwd ? { cwd: options.cwd } : {}),
      }),
    );
}
