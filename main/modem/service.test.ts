import { afterEach, expect, it } from 'vitest';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { CLI_ACTOR } from '../auth/audit.js';
import { openCore, type OpenedCore } from '../index.js';

/** The pool is a service of the core: opened with it, and its modems stopped when the core closes. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('is wired into the core, starts simulated modems and stops them when the core closes', async () => {
  const temp = tempDir();
  cleanups.push(temp.remove);
  const core: OpenedCore = await openCore(testConfig(temp.dir), { lock: false });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await core.close();
  });
  const { modems } = core.services;
  const view = await modems.add({ name: '模拟 1', kind: 'simulator', simulator: { latency: 'zero' } }, CLI_ACTOR);
  await modems.start();
  const deadline = Date.now() + 15_000;
  while ((await modems.get(view.config.id)).status?.state !== 'ready') {
    if (Date.now() > deadline) throw new Error('modem did not get ready');
    await new Promise((r) => setTimeout(r, 50));
  }
  const modem = modems.modem(view.config.id)!;
  await core.close();
  closed = true;
  expect(modem.state).toBe('stopped');
  expect(modems.modemIds()).toEqual([]);
});
