import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { tempPtyDir } from '../../tests/support/pty.js';
import { startStandaloneSimulator } from './sim/standalone.js';
import { openModemOnPort } from './pool.js';
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

it('opens one port without the service for a short job, and says why a bound port is not usable', async () => {
  const temp = await tempPtyDir();
  cleanups.push(() => temp.dispose());
  const link = path.join(temp.dir, 'ttySIM1');
  const simulator = await startStandaloneSimulator({ link, modem: { latency: 'zero', identity: { imei: '356938035643809' } } });
  cleanups.push(() => simulator.stop());
  const { modem, close } = await openModemOnPort({ path: link, timeoutMs: 20_000 });
  try {
    expect(modem.status().identity.imei).toBe('356938035643809');
    const result = await modem.send({ to: '+8613800138000', text: 'CLI test' });
    expect(result.ok).toBe(true);
    expect(simulator.modem.acceptedLog()).toHaveLength(1);
  } finally {
    await close();
  }
  await expect(openModemOnPort({ path: link, imeiBinding: '861234567890123', timeoutMs: 20_000 })).rejects.toMatchObject({
    code: 'MODEM_NOT_USABLE',
    message: expect.stringContaining('IMEI mismatch'),
  });
}, 60_000);
