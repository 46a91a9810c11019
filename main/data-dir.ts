import fs from 'node:fs';
import path from 'node:path';
import { StartupError, systemErrorCode } from './errors.js';

const LOCK_FILE = 'storemas.pid';

/** Creates the data directory if needed and proves it is writable, before anything else touches it. */
export function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
  } catch (error) {
    throw new StartupError(
      'DATA_DIR_UNWRITABLE',
      `The data directory ${dataDir} cannot be written (${systemErrorCode(error) ?? String(error)}). ` +
        'Choose another with --data-dir or STOREMAS_DATA_DIR, or fix its permissions.',
    );
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemErrorCode(error) === 'EPERM';
  }
}

/**
 * One running appliance per data directory: two services writing one SQLite file
 * and driving the same modems would fight. A stale lock (its process gone) is taken over.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if (systemErrorCode(error) !== 'EEXIST') throw error;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new StartupError(
          'DATA_DIR_IN_USE',
          `Another StoreMAS (process ${pid}) is already running with the data directory ${dataDir}. ` +
            'Stop it first, or start this one with another --data-dir.',
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new StartupError('DATA_DIR_IN_USE', `Could not lock the data directory ${dataDir}.`);
}
