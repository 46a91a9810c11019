import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { tempPtyDir } from '../../tests/support/pty.js';
import { startStandaloneSimulator } from './sim/standalone.js';
import { discoverModems, probePort } from './transport/discovery.js';

/** Discovery against a simulator on a real PTY: the probe finds it, reads its identity, and a dead path says why. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('probes a PTY modem and lists explicit candidate paths that SerialPort.list() cannot see', async () => {
  const temp = await tempPtyDir();
  cleanups.push(() => temp.dispose());
  const link = path.join(temp.dir, 'ttySIM0');
  const simulator = await startStandaloneSimulator({ link, modem: { latency: 'zero', personality: 'simcom', identity: { imei: '867322034487652' } } });
  cleanups.push(() => simulator.stop());

  const probe = await probePort(link, { timeoutMs: 500 });
  expect(probe).toMatchObject({ path: link, responding: true, baudRate: 115200, imei: '867322034487652' });
  expect(probe.manufacturer?.toUpperCase()).toContain('SIMCOM');

  const missing = path.join(temp.dir, 'ttyNOTHING');
  const found = await discoverModems([link, missing], { timeoutMs: 300 });
  const ours = found.find((p) => p.path === link)!;
  expect(ours).toMatchObject({ listed: false, probe: { responding: true } });
  expect(found.find((p) => p.path === missing)).toMatchObject({ listed: false, probe: { responding: false } });
  expect(found.find((p) => p.path === missing)!.probe.error).toMatch(/Cannot open/);
}, 30_000);
