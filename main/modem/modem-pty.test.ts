import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPtyDir } from '../../tests/support/pty.js';
import { systemClock } from '../clock.js';
import { MemoryInboundSink } from './inbound.js';
import { Modem, type ModemState } from './modem.js';
import { decodePdu } from './pdu/index.js';
import { SimulatorControl } from './sim/control-client.js';
import { SerialTransport } from './transport/serial.js';

/**
 * End to end over a real serial path: this driver ↔ socat PTY ↔ the simulator
 * running as a separate process (`storemas modem-sim`), steered through its
 * control socket. Nothing in-process is shared between the two sides.
 */
let dispose: () => Promise<void>;
let child: ChildProcess;
let control: SimulatorControl;
let modem: Modem;
const sink = new MemoryInboundSink();
let output = '';

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (modem ${modem.state}: ${modem.status().reason})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const inState = (state: ModemState, timeoutMs = 20_000) => until(() => modem.state === state, `state ${state}`, timeoutMs);

beforeAll(async () => {
  const temp = await tempPtyDir();
  const link = path.join(temp.dir, 'ttySIM0');
  const socket = path.join(temp.dir, 'ctl.sock');
  child = spawn(
    process.execPath,
    ['bin/storemas.mjs', 'modem-sim', '--link', link, '--latency', 'zero', '--control', socket, '--status-delay', '50', '--imei', '356938035643809', '--personality', 'huawei'],
    { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  dispose = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await temp.dispose();
  };
  control = new SimulatorControl(socket);
  await control.waitUntilReady(90_000);
  modem = new Modem(
    {
      id: 'pty-1',
      name: 'PTY modem',
      imeiBinding: '356938035643809',
      commandTimeoutMs: 1_000,
      sendTimeoutMs: 3_000,
      // The health poll is what finds a hung modem.
      healthIntervalMs: 2_000,
      limits: { minGapMs: 0, perHour: 500, perDay: 1000 },
      partRetryDelayMs: 20,
      maxFailures: 2,
      cooldownMs: 1_500,
      resetWaitMs: 100,
    },
    { transport: new SerialTransport({ path: link, baudRate: 115200 }), clock: systemClock, sink },
  );
  modem.start();
  await inState('ready', 30_000);
}, 120_000);

afterAll(async () => {
  await modem?.stop();
  await dispose?.();
});

describe('driver ↔ PTY ↔ simulator process', () => {
  it('sends a multipart Chinese message and matches every status report to its part', async () => {
    expect(modem.status().identity.imei).toBe('356938035643809');
    const text = '【惠民超市】尊敬的会员：本周末生鲜全场八折，积分双倍，凭短信到服务台领取环保袋一个。退订回T';
    const result = await modem.send({ to: '+8613800138000', text: text.repeat(2), reference: 'e2e-1' });
    expect(result.ok).toBe(true);
    expect(result.parts.length).toBeGreaterThan(1);
    const log = await control.log();
    const ours = log.slice(-result.parts.length);
    expect(ours.map((e) => e.mr)).toEqual(result.parts.map((p) => p.mr));
    expect(ours.map((e) => { const d = decodePdu(e.pdu, { hasSmsc: true }); return d.type === 'submit' ? d.text : ''; }).join('')).toBe(text.repeat(2));
    await sink.waitFor(() => sink.reports.filter((r) => r.matched?.reference === 'e2e-1').length === result.parts.length, 10_000);
    const matched = sink.reports.filter((r) => r.matched?.reference === 'e2e-1');
    expect(matched.map((r) => r.matched!.partNumber).sort()).toEqual(result.parts.map((p) => p.partNumber));
    expect(matched.every((r) => r.outcome === 'delivered')).toBe(true);
  }, 30_000);

  it('reassembles an injected multipart message', async () => {
    const text = '你好，我上周在你们店买的牛奶日期有问题，请问怎么退换？我的会员卡号是 8888 6666。'.repeat(2);
    await control.inject({ from: '+8613911112222', text });
    await sink.waitFor(() => sink.messages.some((m) => m.text === text), 10_000);
    expect(sink.messages.find((m) => m.text === text)).toMatchObject({ partial: false, from: '+8613911112222' });
    // Deleted from the SIM only after it was stored.
    const deadline = Date.now() + 5_000;
    let status = await control.status();
    while (Object.values(status.storage).some((s) => s.used > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      status = await control.status();
    }
    expect(Object.values(status.storage).every((s) => s.used === 0)).toBe(true);
  }, 30_000);

  it('gets a 33-part text whole on a 30-slot SIM: each part is stored before it leaves the SIM', async () => {
    const status = await control.status();
    expect(status.storage.SM).toMatchObject({ used: 0, total: 30 });
    const text = '长'.repeat(67 * 33);
    const { pdus } = await control.inject({ from: '+8613911113333', text });
    expect(pdus).toHaveLength(33);
    await sink.waitFor(() => sink.messages.some((m) => m.from === '+8613911113333'), 20_000);
    expect(sink.messages.find((m) => m.from === '+8613911113333')).toMatchObject({ text, partial: false, concat: { total: 33 } });
    expect((await control.status()).waitingInNetwork).toBe(0);
  }, 30_000);

  it('retries a +CMS ERROR the table calls retryable and fails a permanent one at once', async () => {
    await control.setFaults({ sendErrors: [{ onSend: 1, code: 332 }] });
    const retried = await modem.send({ to: '+8613800138000', text: 'retry me' });
    expect(retried).toMatchObject({ ok: true });
    expect(retried.parts[0]!.attempts).toBe(2);
    await control.setFaults({ sendErrors: [{ onSend: 1, code: 21 }] });
    const failed = await modem.send({ to: '+8613800138000', text: 'reject me' });
    expect(failed).toMatchObject({ ok: false, retryable: false });
    expect(failed.parts[0]).toMatchObject({ status: 'failed', attempts: 1, error: { cmsCode: 21, scope: 'recipient' } });
    await control.clearFaults();
  }, 30_000);

  it('sends a part at most once: an unplug right after the network took part 2 leaves it uncertain, never resent', async () => {
    const before = (await control.log()).length;
    await control.setFaults({ unplugAfterSend: 2 });
    const result = await modem.send({ to: '+8613800138000', text: '断'.repeat(250), reference: 'unplug' });
    expect(result).toMatchObject({ ok: false, uncertain: true, retryable: false });
    expect(result.parts.map((p) => p.status)).toEqual(['sent', 'uncertain', 'not-sent', 'not-sent']);
    expect(result.parts.every((p) => p.attempts === 1 || p.status === 'not-sent')).toBe(true);
    await control.replug();
    await control.clearFaults();
    await inState('ready');
    await new Promise((r) => setTimeout(r, 300));
    // The simulator process's own log: each PDU accepted once; part 2 went out although the host never heard.
    const ours = (await control.log()).slice(before);
    expect(ours.map((e) => { const d = decodePdu(e.pdu, { hasSmsc: true }); return d.type === 'submit' ? d.concat?.sequence : 0; })).toEqual([1, 2]);
    expect(new Set(ours.map((e) => e.pdu)).size).toBe(ours.length);
  }, 60_000);

  it('takes a hung modem out of service and brings it back by itself', async () => {
    await control.setFaults({ hang: true });
    await inState('out-of-service', 30_000);
    expect(modem.status().reason).toMatch(/failures in a row/);
    await control.clearFaults();
    await inState('ready', 30_000);
    expect((await modem.send({ to: '+8613800138000', text: 'back again' })).ok).toBe(true);
  }, 60_000);
});
