import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../../..');
/**
 * The checkout whose `bin/storemas.mjs` runs: this one by default; another one
 * (e.g. an exported commit) via STOREMAS_E2E_APP_DIR. The UI is always this
 * checkout's build in out/renderer.
 */
const APP_DIR = process.env.STOREMAS_E2E_APP_DIR ? path.resolve(process.env.STOREMAS_E2E_APP_DIR) : REPO;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface RunningAppliance {
  url: string;
  dataDir: string;
  /** The first-run password printed on the console; admin must change it at first sign-in. */
  initialAdminPassword: string;
  /** admin's password now: the initial one until a helper has changed it. */
  admin: { username: 'admin'; password: string };
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `storemas serve` as a real child process on a fresh temp data directory
 * and a free port, as a store would run it, and waits for the line with its URL.
 */
export async function startAppliance(): Promise<RunningAppliance> {
  if (!fs.existsSync(path.join(REPO, 'out/renderer/index.html'))) {
    throw new Error('The admin UI is not built: run `npm run build:renderer` before the e2e specs.');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-e2e-'));
  const child = spawn(process.execPath, [path.join(APP_DIR, 'bin/storemas.mjs'), 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn'], {
    cwd: APP_DIR,
    env: { ...process.env, STOREMAS_RENDERER_DIR: path.join(REPO, 'out/renderer') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const stop = () => stopProcess(child).finally(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  try {
    const { url, password } = await waitForStart(child, () => output);
    return { url, dataDir, initialAdminPassword: password, admin: { username: 'admin', password }, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The CLI prints `StoreMAS x is running: http://127.0.0.1:PORT/` and, after "First run: …", the password. */
function waitForStart(child: ChildProcess, output: () => string): Promise<{ url: string; password: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`storemas serve did not start within ${START_TIMEOUT_MS} ms:\n${output()}`)), START_TIMEOUT_MS);
    const poll = setInterval(check, 100);
    const onExit = (code: number | null) => finish(new Error(`storemas serve exited with ${code} before it was ready:\n${output()}`));
    child.once('exit', onExit);
    function check() {
      const text = output();
      const url = /is running: (http:\/\/\S+?)\/?\s*$/m.exec(text)?.[1];
      const password = /^First run:.*\n\s+(\S+)\s*$/m.exec(text)?.[1];
      if (url && password) finish(undefined, { url, password });
    }
    function finish(error: Error | undefined, result?: { url: string; password: string }) {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(result!);
    }
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
