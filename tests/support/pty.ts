import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openPtyPair, type PtyPair } from '../../main/modem/sim/pty-pair.js';

export interface TempPty extends PtyPair {
  /** The temp directory holding both links. */
  readonly dir: string;
  /** Kills socat and removes the directory. */
  dispose(): Promise<void>;
}

/** A temp directory for PTY links and control sockets (short, because Unix socket paths are limited to ~100 bytes). */
export async function tempPtyDir(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storemas-pty-'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A socat PTY pair in a fresh temp directory: `link` for the code under test, `internal` for the other side. */
export async function createTempPty(names: { link?: string; internal?: string } = {}): Promise<TempPty> {
  const temp = await tempPtyDir();
  try {
    const pair = await openPtyPair(path.join(temp.dir, names.link ?? 'ttyA'), path.join(temp.dir, names.internal ?? 'ttyB'));
    return Object.assign(Object.create(pair) as PtyPair, {
      dir: temp.dir,
      async dispose() {
        await pair.close();
        await temp.dispose();
      },
    });
  } catch (error) {
    await temp.dispose();
    throw error;
  }
}
