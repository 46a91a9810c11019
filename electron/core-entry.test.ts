/**
 * The real core (createAppliance on a temp data directory) in a forked child,
 * under the supervisor the desktop shell uses: killed with SIGKILL, it is
 * restarted, the new process takes over the data-directory lock and serves the
 * API; a clean stop releases the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tests/support/appliance.js';
import { forkCore, waitForCore } from '../tests/support/forked-core.js';
import { CoreSupervisor, type CoreReady } from './core-supervisor.js';

const ENTRY = path.resolve(import.meta.dirname, 'core-entry.ts');
const temp = tempDir('storemas-core-entry-');
const supervisors: CoreSupervisor[] = [];
afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.stop()));
  temp.remove();
});

function superviseRealCore(dataDir: string, options: { maxCrashes?: number } = {}): CoreSupervisor {
  const supervisor = new CoreSupervisor({
    fork: forkCore(ENTRY, {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, STOREMAS_DATA_DIR: dataDir, STOREMAS_PORT: '0', STOREMAS_LOG_LEVEL: 'info' },
    }),
    firstRestartDelayMs: 200,
    // Loading the core through tsx on a busy test machine can take longer than the 30 s default.
    hangTimeoutMs: 120_000,
    ...options,
  });
  supervisors.push(supervisor);
  return supervisor;
}

async function health(url: string): Promise<unknown> {
  const response = await fetch(new URL('api/health', url));
  expect(response.status).toBe(200);
  return response.json();
}

const lockHolder = (dataDir: string) => Number(fs.readFileSync(path.join(dataDir, 'storemas.pid'), 'utf8'));

describe('the real core under the supervisor', () => {
  it('restarts a core killed with SIGKILL: the new process takes the data-directory lock and serves the API', async () => {
    const dataDir = path.join(temp.dir, 'data');
    const supervisor = superviseRealCore(dataDir);
    const ready: CoreReady[] = [];
    supervisor.onDidBecomeReady((r) => ready.push(r));
    supervisor.start();

    const first = await waitForCore(supervisor, (s) => s.state === 'running', 60_000);
    expect(await health(first.url!)).toMatchObject({ status: 'ok' });
    expect(lockHolder(dataDir)).toBe(first.pid);
    // First run: the password reaches the shell (to show once) and its file exists.
    expect(ready[0]!.initialAdminPassword).toMatch(/\S{8,}/);
    expect(fs.existsSync(ready[0]!.initialPasswordFile!)).toBe(true);
    expect(supervisor.log()).toEqual(expect.arrayContaining([expect.objectContaining({ source: 'core', level: 'info', text: 'StoreMAS started' })]));

    process.kill(first.pid!, 'SIGKILL');
    const waiting = await waitForCore(supervisor, (s) => s.state === 'restarting');
    expect(waiting.problem).toEqual({ kind: 'exited', code: null, signal: 'SIGKILL' });

    const second = await waitForCore(supervisor, (s) => s.state === 'running', 60_000);
    expect(second.pid).not.toBe(first.pid);
    expect(await health(second.url!)).toMatchObject({ status: 'ok' });
    expect(lockHolder(dataDir)).toBe(second.pid);
    expect(ready[1]!.initialAdminPassword).toBeUndefined(); // not a first run any more

    await supervisor.stop();
    expect(supervisor.snapshot()).toMatchObject({ state: 'stopped', problem: null });
    expect(supervisor.log().map((l) => l.text)).toContain('the core stopped (exit code 0)');
    expect(fs.existsSync(path.join(dataDir, 'storemas.pid'))).toBe(false); // released by the clean stop
  }, 180_000);

  it('shows why a core refuses to start: its data directory is in use by a live process', async () => {
    const dataDir = path.join(temp.dir, 'taken');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'storemas.pid'), String(process.pid)); // this test process is alive
    const supervisor = superviseRealCore(dataDir, { maxCrashes: 1 });
    supervisor.start();
    const stopped = await waitForCore(supervisor, (s) => s.state === 'stopped' && s.gaveUp, 60_000);
    expect(stopped.problem).toMatchObject({ kind: 'refused', code: 'DATA_DIR_IN_USE' });
    expect(stopped.problem).toMatchObject({ message: expect.stringContaining(`process ${process.pid}`) });
  }, 120_000);
});
