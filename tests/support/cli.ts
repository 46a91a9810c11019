import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'bin/storemas.mjs');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `storemas …` to completion as a real process. */
export function runStoremas(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, STOREMAS_LOG_LEVEL: 'warn', ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  initialPassword: string | undefined;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `storemas serve` and resolves once it prints its URL (rejects with its output if it exits first). */
export function startServe(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, STOREMAS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`storemas serve did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      const match = /is running: (http:\/\/[^\s]+)/.exec(output);
      // The start-up message ends with this line: the first-run password comes before it.
      if (!match || !output.includes('Press Ctrl+C to stop.')) return;
      clearInterval(poll);
      clearTimeout(timer);
      const password = /must change it\):\s*\n\s+(\S+)/.exec(output)?.[1];
      resolve({
        child,
        url: match[1]!,
        output: () => output,
        initialPassword: password,
        stop: async (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(Object.assign(new Error(`storemas serve exited with ${String(code)}:\n${output}`), { code, output }));
    });
  });
}
