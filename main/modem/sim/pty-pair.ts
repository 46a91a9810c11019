import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { SimulatorError } from './errors.js';

/**
 * A linked pair of pseudo-terminals made by socat: what one end writes, the
 * other reads, and `serialport` opens either like a real device. Killing socat
 * removes both, which is how an unplugged USB modem looks to the driver.
 */
export interface PtyPair {
  /** The end the driver opens (a symlink to /dev/pts/N). */
  readonly link: string;
  /** The end the simulator serves. */
  readonly internal: string;
  readonly pid: number;
  /** True once socat has exited (closed by us or died). */
  readonly closed: boolean;
  /** Called when socat exits on its own (not through close()). */
  onExit(listener: () => void): () => void;
  close(): Promise<void>;
}

/** socat address syntax gives these characters a meaning, so a path holding them would be misread. */
const UNSAFE_PATH = /[,:!\s'"\\]/;

async function removeStaleLink(file: string): Promise<void> {
  try {
    const stat = await lstat(file);
    if (!stat.isSymbolicLink()) {
      throw new SimulatorError('MODEM_SIM_LINK_TAKEN', `${file} exists and is not a symlink; choose another --link path or remove that file.`);
    }
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export async function openPtyPair(link: string, internal: string, { timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<PtyPair> {
  for (const file of [link, internal]) {
    if (!path.isAbsolute(file) || UNSAFE_PATH.test(file)) {
      throw new SimulatorError('MODEM_SIM_BAD_LINK', `The PTY path ${JSON.stringify(file)} must be absolute and free of spaces, quotes, ',', ':' and '!'.`);
    }
    await removeStaleLink(file);
  }
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${link}`, `pty,raw,echo=0,link=${internal}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  let closing = false;
  const exitListeners = new Set<() => void>();
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
      if (!closing) for (const listener of [...exitListeners]) listener();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SimulatorError('MODEM_SIM_PTY_FAILED', `socat did not create the PTY pair within ${timeoutMs} ms: ${stderr.trim() || 'no output'}.`, 500));
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new SimulatorError('MODEM_SIM_NO_SOCAT', 'socat is not installed; install it (apt-get install socat) to run the simulator on a PTY.', 500)
          : error,
      );
    });
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      // socat logs this once both PTYs and their links exist.
      if (stderr.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new SimulatorError('MODEM_SIM_PTY_FAILED', `socat exited (code ${code}) before the PTY pair was ready: ${stderr.trim()}`, 500));
    });
  });

  return {
    link,
    internal,
    pid: child.pid!,
    get closed() {
      return exited;
    },
    onExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },
    async close() {
      if (exited) return;
      closing = true;
      await terminate(child, exitedPromise);
    },
  };
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
