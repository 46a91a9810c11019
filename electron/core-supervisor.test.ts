import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../tests/support/appliance.js';
import { forkCore, waitForCore } from '../tests/support/forked-core.js';
import { CoreSupervisor, parseCoreLogLine, restartDelayMs, type CoreSnapshot, type SupervisorOptions } from './core-supervisor.js';

const FAKE_CORE = path.resolve(import.meta.dirname, '../tests/support/fake-core.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const supervisors: CoreSupervisor[] = [];
const temps: Array<{ remove(): void }> = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  for (const temp of temps.splice(0)) temp.remove();
});

/** A supervisor over the fake core following `plan` (one behaviour per start), recording every state. */
function supervise(plan: string[], options: Partial<SupervisorOptions> = {}) {
  const temp = tempDir('storemas-supervisor-');
  temps.push(temp);
  const counter = path.join(temp.dir, 'starts');
  const supervisor = new CoreSupervisor({
    fork: forkCore(FAKE_CORE, { env: { ...process.env, FAKE_CORE_PLAN: plan.join(','), FAKE_CORE_COUNTER: counter } }),
    firstRestartDelayMs: 100,
    maxRestartDelayMs: 1_000,
    stopTimeoutMs: 5_000,
    hangTimeoutMs: 10_000,
    ...options,
  });
  supervisors.push(supervisor);
  const states: CoreSnapshot[] = [];
  supervisor.onDidChangeState((snapshot) => states.push(snapshot));
  const starts = () => (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0);
  const until = (predicate: (snapshot: CoreSnapshot) => boolean, timeoutMs?: number) => waitForCore(supervisor, predicate, timeoutMs);
  return { supervisor, states, starts, until };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('restart delay', () => {
  it('doubles per recent crash from the first delay and stops growing at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartDelayMs(n, 1_000, 30_000))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

describe('core log lines', () => {
  it('reads pino JSON as level, time and message with the error', () => {
    const line = parseCoreLogLine(JSON.stringify({ level: 50, time: 1_700_000_000_000, msg: 'modem failed', err: { message: 'port gone' } }), 'stdout', 1);
    expect(line).toEqual({ at: 1_700_000_000_000, level: 'error', source: 'core', text: 'modem failed: port gone' });
  });

  it('keeps other output as it is: stderr as errors, long lines cut', () => {
    expect(parseCoreLogLine('    at Object.<anonymous> (core.js:1:1)', 'stderr', 5)).toEqual({ at: 5, level: 'error', source: 'core', text: '    at Object.<anonymous> (core.js:1:1)' });
    expect(parseCoreLogLine('{not json', 'stdout', 5).level).toBe('info');
    expect(parseCoreLogLine('x'.repeat(5_000), 'stdout', 5).text).toHaveLength(1_000);
  });
});

describe('core supervisor (child_process.fork standing in for utilityProcess)', () => {
  it('starts the core, reports its URL, and on stop() lets it exit cleanly without restarting it', async () => {
    const { supervisor, states, starts, until } = supervise(['run']);
    const ready: string[] = [];
    supervisor.onDidBecomeReady((r) => ready.push(r.url));
    supervisor.start();
    const running = await until((s) => s.state === 'running');
    expect(running.url).toBe('http://fake.invalid/1');
    expect(ready).toEqual(['http://fake.invalid/1']);
    const pid = running.pid!;
    expect(alive(pid)).toBe(true);

    await supervisor.stop();
    expect(supervisor.snapshot()).toMatchObject({ state: 'stopped', problem: null, url: null, pid: null });
    expect(states.map((s) => s.state)).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(supervisor.log().map((l) => l.text)).toEqual(expect.arrayContaining(['stopping cleanly', 'the core stopped (exit code 0)']));
    await sleep(300);
    expect(starts()).toBe(1);
    expect(alive(pid)).toBe(false);
  });

  it('restarts a crashed core after a delay that doubles with each recent crash, keeping the crash output', async () => {
    const { supervisor, states, until } = supervise(['crash', 'crash', 'run']);
    supervisor.start();
    const running = await until((s) => s.state === 'running' && s.url === 'http://fake.invalid/3');
    expect(running.problem).toBeNull();
    expect(states.map((s) => s.state)).toEqual(['starting', 'running', 'restarting', 'starting', 'running', 'restarting', 'starting', 'running']);
    const waits = states.filter((s) => s.state === 'restarting');
    expect(waits.map((s) => s.nextStartAt! - s.since)).toEqual([100, 200]);
    expect(waits.map((s) => s.problem)).toEqual([
      { kind: 'exited', code: 3, signal: null },
      { kind: 'exited', code: 3, signal: null },
    ]);
    expect(running.recentCrashes).toBe(2);
    // The crashed cores' last words stay for the status page.
    expect(supervisor.log()).toEqual(expect.arrayContaining([expect.objectContaining({ text: 'boom 1', level: 'error', source: 'core' }), expect.objectContaining({ text: 'boom 2' })]));
  });

  it('gives up after maxCrashes within the window, says why, and starts afresh when asked', async () => {
    const { supervisor, starts, until } = supervise(['crash-at-start', 'crash-at-start', 'crash-at-start', 'run'], { maxCrashes: 3 });
    supervisor.start();
    const stopped = await until((s) => s.state === 'stopped' && s.gaveUp);
    expect(stopped).toMatchObject({ problem: { kind: 'exited', code: 3, signal: null }, recentCrashes: 3, nextStartAt: null });
    await sleep(500);
    expect(starts()).toBe(3);

    supervisor.restart();
    const running = await until((s) => s.state === 'running');
    expect(running).toMatchObject({ url: 'http://fake.invalid/4', gaveUp: false, problem: null, recentCrashes: 0 });
  });

  it('shows a refusal to start as the reason, and retries it', async () => {
    const { supervisor, until } = supervise(['refuse', 'run']);
    supervisor.start();
    const waiting = await until((s) => s.state === 'restarting');
    expect(waiting.problem).toEqual({ kind: 'refused', code: 'PORT_IN_USE', message: 'Port 8780 on 127.0.0.1 is already in use.' });
    await until((s) => s.state === 'running');
  });

  it('kills a core whose event loop is blocked (no heartbeat) and starts a new one', async () => {
    const { supervisor, until } = supervise(['block', 'run'], { hangTimeoutMs: 1_000 });
    supervisor.start();
    const first = await until((s) => s.state === 'running');
    const waiting = await until((s) => s.state === 'restarting');
    expect(waiting.problem).toEqual({ kind: 'unresponsive', silentMs: 1_000 });
    expect(alive(first.pid!)).toBe(false);
    const second = await until((s) => s.state === 'running');
    expect(second.url).toBe('http://fake.invalid/2');
  });

  it('gives a core that has not said anything yet the longer first-message timeout, then kills it too', async () => {
    const { supervisor, until } = supervise(['silent', 'run'], { hangTimeoutMs: 100, firstMessageTimeoutMs: 800 });
    supervisor.start();
    const first = await until((s) => s.state === 'starting');
    const waiting = await until((s) => s.state === 'restarting');
    expect(waiting.problem).toEqual({ kind: 'unresponsive', silentMs: 800 });
    expect(waiting.since - first.since).toBeGreaterThanOrEqual(790);
    await until((s) => s.state === 'running');
  });

  it('kills a core that does not stop within the stop timeout', async () => {
    const { supervisor, until } = supervise(['ignore-stop'], { stopTimeoutMs: 300 });
    supervisor.start();
    const running = await until((s) => s.state === 'running');
    const asked = Date.now();
    await supervisor.stop();
    expect(Date.now() - asked).toBeGreaterThanOrEqual(290);
    expect(supervisor.snapshot()).toMatchObject({ state: 'stopped', problem: null });
    expect(supervisor.log().map((l) => l.text)).toContain('the core did not stop within 0.3 s: ending it');
    expect(alive(running.pid!)).toBe(false);
  });

  it('restarts a core that exits cleanly without being asked to', async () => {
    const { supervisor, until } = supervise(['exit-clean', 'run']);
    supervisor.start();
    const waiting = await until((s) => s.state === 'restarting');
    expect(waiting.problem).toEqual({ kind: 'exited', code: 0, signal: null });
    expect((await until((s) => s.state === 'running')).url).toBe('http://fake.invalid/2');
  });

  it('restart() on a running core stops it cleanly, then starts a new one', async () => {
    const { supervisor, states, until } = supervise(['run']);
    supervisor.start();
    await until((s) => s.state === 'running');
    supervisor.restart();
    await until((s) => s.state === 'running' && s.url === 'http://fake.invalid/2');
    expect(states.map((s) => s.state)).toEqual(['starting', 'running', 'stopping', 'starting', 'running']);
    expect(supervisor.snapshot().recentCrashes).toBe(0);
  });

  it('restart() while waiting to restart starts at once', async () => {
    const { supervisor, until } = supervise(['crash-at-start', 'run'], { firstRestartDelayMs: 60_000, maxRestartDelayMs: 60_000 });
    supervisor.start();
    await until((s) => s.state === 'restarting');
    supervisor.restart();
    await until((s) => s.state === 'running', 3_000);
  });

  it('keeps only the last lines of output and ignores malformed messages', async () => {
    const { supervisor, until } = supervise(['log-flood'], { logLines: 50 });
    const everything: string[] = [];
    supervisor.onDidLog((line) => everything.push(line.text));
    supervisor.start();
    await until((s) => s.state === 'running');
    await sleep(100);
    const log = supervisor.log();
    expect(log).toHaveLength(50);
    const coreLines = log.filter((l) => l.source === 'core').map((l) => l.text);
    expect(coreLines.at(-1)).toBe('line 499');
    expect(coreLines).not.toContain('line 400');
    expect(everything).toContain('ignored a malformed message from the core');
    expect(everything.filter((text) => text.startsWith('line '))).toHaveLength(500);
  });
});
