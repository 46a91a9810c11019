import { fork, type ChildProcess } from 'node:child_process';
import type { CoreProcess, CoreSnapshot, CoreSupervisor } from '../../electron/core-supervisor.js';

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

/** Resolves with the first snapshot (current or coming) that satisfies `predicate`. */
export function waitForCore(supervisor: CoreSupervisor, predicate: (snapshot: CoreSnapshot) => boolean, timeoutMs = 10_000): Promise<CoreSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(supervisor.snapshot())) return resolve(supervisor.snapshot());
    const seen: string[] = [];
    const timer = setTimeout(() => {
      off();
      const log = supervisor.log().slice(-15).map((l) => `  ${l.source} ${l.level}: ${l.text}`).join('\n');
      reject(new Error(`the core did not reach the expected state in ${timeoutMs} ms (went ${seen.join(' → ') || 'nowhere'}); last output:\n${log}`));
    }, timeoutMs);
    const off = supervisor.onDidChangeState((snapshot) => {
      seen.push(snapshot.state);
      if (!predicate(snapshot)) return;
      clearTimeout(timer);
      off();
      resolve(snapshot);
    });
  });
}
