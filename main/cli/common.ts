import path from 'node:path';
import type { Command } from 'commander';
import { defaultConfig, type ApplianceConfig } from '../config.js';
import { openCore, type OpenedCore } from '../index.js';

/** Bootstrap config from the global options (data dir) plus per-command overrides. */
export function configFrom(command: Command, overrides: Partial<ApplianceConfig> = {}): ApplianceConfig {
  const globals = command.optsWithGlobals<{ dataDir?: string }>();
  return defaultConfig({
    ...(globals.dataDir ? { dataDir: path.resolve(globals.dataDir) } : {}),
    logToConsole: false,
    ...overrides,
  });
}

/** Opens the core for a short command (no lock: the service may be running) and always closes it. */
export async function withCore<T>(command: Command, run: (core: OpenedCore) => Promise<T>): Promise<T> {
  const core = await openCore(configFrom(command), { lock: false });
  try {
    return await run(core);
  } finally {
    await core.close();
  }
}
