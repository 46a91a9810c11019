/**
 * Keeps the appliance core running in a child process, so a crash or a stuck
 * event loop in the core never freezes or takes down the window and the tray.
 *
 * starting → running; an unexpected exit, a refusal to start or a silent event
 * loop (no heartbeat for hangTimeoutMs: the child is killed) is a crash →
 * restarting after a delay that doubles per recent crash (capped) → starting…
 * (A core that never says anything at all is given firstMessageTimeoutMs.)
 * After maxCrashes within crashWindowMs it gives up: stopped, with the reason,
 * until someone asks for a restart. stop() asks the core to stop cleanly and
 * kills it if it has not exited within stopTimeoutMs.
 *
 * It does not import electron: the shell passes a fork function that wraps
 * utilityProcess.fork, tests pass one that wraps child_process.fork.
 */
import readline from 'node:readline';
import type { Clock } from '../main/clock.js';
import { isCoreMessage, type CoreMessage, type ShellMessage } from './core-protocol.js';

export type CoreStateName = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

/** Why the core is not running. */
export type CoreProblem =
  | { kind: 'exited'; code: number | null; signal: string | null }
  | { kind: 'unresponsive'; silentMs: number }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'spawn-failed'; message: string };

export interface CoreSnapshot {
  state: CoreStateName;
  /** When the core entered this state (epoch ms). */
  since: number;
  /** The admin UI's address while running. */
  url: string | null;
  pid: number | null;
  /** The last crash, hang or refusal; cleared once the core runs again. */
  problem: CoreProblem | null;
  /** Crashes within the crash window: the restart delay grows with them. */
  recentCrashes: number;
  /** Stopped because the core kept crashing: only a restart by hand starts it again. */
  gaveUp: boolean;
  /** When the next start is due (state 'restarting'). */
  nextStartAt: number | null;
}

export type CoreLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface CoreLogLine {
  at: number;
  level: CoreLogLevel;
  /** 'core': the child's own output; 'shell': what the supervisor did. */
  source: 'core' | 'shell';
  text: string;
}

export interface CoreExit {
  code: number | null;
  signal: string | null;
}

export type CoreReady = Omit<Extract<CoreMessage, { type: 'ready' }>, 'type'>;

/** A running core child, whatever launched it. */
export interface CoreProcess {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  send(message: ShellMessage): void;
  /** Ends the process at once, even with a blocked event loop (SIGKILL on POSIX). */
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: CoreExit) => void): void;
}

export interface SupervisorOptions {
  fork: () => CoreProcess;
  clock?: Clock;
  firstRestartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** Crashes within crashWindowMs after which the supervisor stops restarting. */
  maxCrashes?: number;
  crashWindowMs?: number;
  stopTimeoutMs?: number;
  /** No message (heartbeat) from a core that has spoken for this long: it is stuck and gets killed. */
  hangTimeoutMs?: number;
  /** The same before its first message: loading the core may be slow (a cold disk, a virus scanner). */
  firstMessageTimeoutMs?: number;
  /** Lines of the core's output kept for the status page. */
  logLines?: number;
}

const DEFAULTS = {
  firstRestartDelayMs: 1_000,
  maxRestartDelayMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 10 * 60_000,
  stopTimeoutMs: 15_000,
  hangTimeoutMs: 30_000,
  firstMessageTimeoutMs: 120_000,
  logLines: 200,
} satisfies Omit<Required<SupervisorOptions>, 'fork' | 'clock'>;

/** The wait before restarting after the nth recent crash: 1 s, 2 s, 4 s … capped. */
export function restartDelayMs(recentCrashes: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, recentCrashes - 1));
}

const PINO_LEVELS: Record<number, CoreLogLevel> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const MAX_LINE_CHARS = 1_000;

/** One line of the core's output made readable: pino JSON becomes level + message (+ error). */
export function parseCoreLogLine(raw: string, stream: 'stdout' | 'stderr', now: number): CoreLogLine {
  const fallback: CoreLogLine = { at: now, level: stream === 'stderr' ? 'error' : 'info', source: 'core', text: raw.slice(0, MAX_LINE_CHARS) };
  if (!raw.startsWith('{')) return fallback;
  try {
    const entry = JSON.parse(raw) as { level?: unknown; time?: unknown; msg?: unknown; err?: { message?: unknown } };
    if (typeof entry.msg !== 'string') return fallback;
    const errorMessage = typeof entry.err?.message === 'string' ? `: ${entry.err.message}` : '';
    return {
      at: typeof entry.time === 'number' ? entry.time : now,
      level: (typeof entry.level === 'number' && PINO_LEVELS[entry.level]) || fallback.level,
      source: 'core',
      text: `${entry.msg}${errorMessage}`.slice(0, MAX_LINE_CHARS),
    };
  } catch {
    return fallback;
  }
}

function describeExit(exit: CoreExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}

export class CoreSupervisor {
  private readonly options: Omit<Required<SupervisorOptions>, 'clock'>;
  private readonly clock: Clock;
  private current: CoreSnapshot;
  private child: CoreProcess | undefined;
  /** Whether the shell wants a core running (false after stop()). */
  private wanted = false;
  /** The running child was asked to stop (or killed on purpose): its exit is no crash. */
  private exitExpected = false;
  private restartAfterStop = false;
  /** Set just before the exit it explains (a refusal message, a watchdog kill). */
  private pendingProblem: CoreProblem | undefined;
  /** The running child has sent a message: from then on silence means stuck. */
  private heard = false;
  private crashTimes: number[] = [];
  private readonly lines: CoreLogLine[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopTimer: NodeJS.Timeout | undefined;
  private exitWaiters: Array<() => void> = [];
  private readonly stateListeners = new Set<(snapshot: CoreSnapshot) => void>();
  private readonly logListeners = new Set<(line: CoreLogLine) => void>();
  private readonly readyListeners = new Set<(ready: CoreReady) => void>();

  constructor(options: SupervisorOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.clock = options.clock ?? { now: () => Date.now() };
    this.current = { state: 'stopped', since: this.clock.now(), url: null, pid: null, problem: null, recentCrashes: 0, gaveUp: false, nextStartAt: null };
  }

  snapshot(): CoreSnapshot {
    return { ...this.current, pid: this.child?.pid ?? null };
  }

  /** The last lines of the core's output (and of what the supervisor did), oldest first. */
  log(): CoreLogLine[] {
    return [...this.lines];
  }

  onDidChangeState(listener: (snapshot: CoreSnapshot) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onDidLog(listener: (line: CoreLogLine) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Each time a core is listening; carries the first-run password once. */
  onDidBecomeReady(listener: (ready: CoreReady) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  start(): void {
    this.wanted = true;
    if (this.current.state === 'stopped' && !this.child) this.spawn();
  }

  /** "Restart now": at once when waiting or given up, after a clean stop when running. */
  restart(): void {
    this.wanted = true;
    switch (this.current.state) {
      case 'stopped':
        this.crashTimes = []; // someone looked at the reason and asked again: a fresh start
        this.spawn();
        return;
      case 'restarting':
        this.spawn();
        return;
      case 'starting':
      case 'running':
      case 'stopping':
        this.restartAfterStop = true;
        if (this.child) void this.stopChild(this.child);
        return;
    }
  }

  /** Stops the core cleanly (killing it after stopTimeoutMs) and restarts nothing. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.clearTimer('restartTimer');
    if (this.child) return this.stopChild(this.child);
    if (this.current.state !== 'stopped') this.setState({ state: 'stopped', nextStartAt: null, url: null });
  }

  private spawn(): void {
    this.clearTimer('restartTimer');
    this.exitExpected = false;
    this.restartAfterStop = false;
    this.pendingProblem = undefined;
    this.heard = false;
    let child: CoreProcess;
    try {
      child = this.options.fork();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.note('error', `could not start the core: ${message}`);
      this.crashed({ kind: 'spawn-failed', message });
      return;
    }
    this.child = child;
    child.onMessage((message) => this.received(child, message));
    child.onExit((exit) => this.exited(child, exit));
    if (child.stdout) this.readLines(child.stdout, 'stdout');
    if (child.stderr) this.readLines(child.stderr, 'stderr');
    this.armWatchdog();
    this.setState({ state: 'starting', url: null, nextStartAt: null, gaveUp: false });
    this.note('info', 'starting the core');
  }

  private received(child: CoreProcess, message: unknown): void {
    if (child !== this.child) return;
    if (!isCoreMessage(message)) {
      this.note('warn', 'ignored a malformed message from the core');
      return;
    }
    this.heard = true;
    if (!this.exitExpected) this.armWatchdog(); // any message proves the event loop turns
    switch (message.type) {
      case 'ready': {
        if (this.current.state !== 'starting') return;
        this.setState({ state: 'running', url: message.url, problem: null });
        this.note('info', `the core is running at ${message.url}`);
        const { type: _type, ...ready } = message;
        for (const listener of this.readyListeners) listener(ready);
        return;
      }
      case 'refused':
        this.pendingProblem = { kind: 'refused', code: message.code, message: message.message };
        return;
      case 'alive':
        return;
    }
  }

  private exited(child: CoreProcess, exit: CoreExit): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.clearTimer('watchdog');
    this.clearTimer('stopTimer');
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    if (this.exitExpected) {
      this.note('info', `the core stopped (${describeExit(exit)})`);
      if (this.restartAfterStop && this.wanted) this.spawn();
      else this.setState({ state: 'stopped', url: null, nextStartAt: null });
    } else {
      const problem = this.pendingProblem ?? { kind: 'exited', code: exit.code, signal: exit.signal };
      this.note('error', `the core ended unexpectedly (${describeExit(exit)})`);
      this.crashed(problem);
    }
    for (const resolve of waiters) resolve();
  }

  private crashed(problem: CoreProblem): void {
    const now = this.clock.now();
    this.crashTimes = this.crashTimes.filter((time) => now - time < this.options.crashWindowMs);
    this.crashTimes.push(now);
    const recentCrashes = this.crashTimes.length;
    if (!this.wanted) {
      this.setState({ state: 'stopped', url: null, problem, recentCrashes, nextStartAt: null });
      return;
    }
    if (recentCrashes >= this.options.maxCrashes) {
      this.note('error', `the core crashed ${recentCrashes} times within ${Math.round(this.options.crashWindowMs / 60_000)} minutes: not restarting it again by itself`);
      this.setState({ state: 'stopped', url: null, problem, recentCrashes, gaveUp: true, nextStartAt: null });
      return;
    }
    const delay = restartDelayMs(recentCrashes, this.options.firstRestartDelayMs, this.options.maxRestartDelayMs);
    this.note('warn', `restarting the core in ${Math.round(delay / 100) / 10} s`);
    this.setState({ state: 'restarting', url: null, problem, recentCrashes, nextStartAt: now + delay }, now);
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  private stopChild(child: CoreProcess): Promise<void> {
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    if (!this.exitExpected) {
      this.exitExpected = true;
      this.clearTimer('watchdog');
      this.setState({ state: 'stopping', nextStartAt: null });
      this.note('info', 'stopping the core');
      try {
        child.send({ type: 'stop' });
      } catch {
        child.kill(); // no channel left to ask through
      }
      this.stopTimer = setTimeout(() => {
        this.note('warn', `the core did not stop within ${this.options.stopTimeoutMs / 1000} s: ending it`);
        child.kill();
      }, this.options.stopTimeoutMs);
    }
    return exited;
  }

  private armWatchdog(): void {
    this.clearTimer('watchdog');
    const child = this.child;
    if (!child) return;
    const silentMs = this.heard ? this.options.hangTimeoutMs : this.options.firstMessageTimeoutMs;
    this.watchdog = setTimeout(() => {
      if (child !== this.child || this.exitExpected) return;
      this.note('error', `the core has not answered for ${silentMs / 1000} s: ending it`);
      this.pendingProblem = { kind: 'unresponsive', silentMs };
      child.kill();
    }, silentMs);
  }

  private readLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
    const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (raw) => {
      if (raw.trim()) this.push(parseCoreLogLine(raw, name, this.clock.now()));
    });
  }

  private note(level: CoreLogLevel, text: string): void {
    this.push({ at: this.clock.now(), level, source: 'shell', text });
  }

  private push(line: CoreLogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.options.logLines) this.lines.splice(0, this.lines.length - this.options.logLines);
    for (const listener of this.logListeners) listener(line);
  }

  private setState(patch: Partial<Omit<CoreSnapshot, 'since' | 'pid'>>, now = this.clock.now()): void {
    const since = patch.state && patch.state !== this.current.state ? now : this.current.since;
    const recentCrashes = this.crashTimes.filter((time) => now - time < this.options.crashWindowMs).length;
    this.current = { ...this.current, recentCrashes, ...patch, since };
    const snapshot = this.snapshot();
    for (const listener of this.stateListeners) listener(snapshot);
  }

  private clearTimer(name: 'restartTimer' | 'watchdog' | 'stopTimer'): void {
    if (this[name]) clearTimeout(this[name]);
    this[name] = undefined;
  }
}
