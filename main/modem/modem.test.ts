import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../clock.js';
import { MemoryInboundSink } from './inbound.js';
import { Modem, type ModemEvent, type ModemSettings, type ModemState } from './modem.js';
import { decodePdu, encodeDeliverParts, encodeStatusReport } from './pdu/index.js';
import { SimulatedModem } from './sim/modem.js';
import type { SimulatorOptions } from './sim/options.js';
import { createSimulatorTransport } from './sim/transport.js';

/** Driver ↔ in-process simulator: the whole modem lifecycle without hardware. */
const running: Array<{ modem: Modem; sim: SimulatedModem }> = [];

const FAST: Partial<ModemSettings> = {
  commandTimeoutMs: 400,
  sendTimeoutMs: 1_000,
  healthIntervalMs: 60_000,
  listingIntervalMs: 60_000,
  limits: { minGapMs: 0, perHour: 200, perDay: 1000 },
  partRetryDelayMs: 10,
  resetWaitMs: 10,
};

function setup(
  options: { sim?: SimulatorOptions; modem?: Partial<ModemSettings>; clock?: Clock; sink?: MemoryInboundSink } = {},
): { modem: Modem; sim: SimulatedModem; sink: MemoryInboundSink; events: ModemEvent[] } {
  const sim = new SimulatedModem({ latency: 'zero', statusReports: { delayMs: [0, 0] }, ...options.sim });
  const sink = options.sink ?? new MemoryInboundSink();
  const events: ModemEvent[] = [];
  const modem = new Modem(
    { id: 'm1', name: 'Counter 1', ...FAST, ...options.modem },
    { transport: createSimulatorTransport(sim), clock: options.clock ?? systemClock, sink, onEvent: (e) => events.push(e) },
  );
  running.push({ modem, sim });
  modem.start();
  return { modem, sim, sink, events };
}

async function until(predicate: () => boolean, timeoutMs = 8_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inState = (modem: Modem, state: ModemState) => until(() => modem.state === state, 15_000, `state ${state} (is ${modem.state}: ${modem.status().reason})`);

afterEach(async () => {
  for (const { modem, sim } of running.splice(0)) {
    await modem.stop();
    sim.dispose();
  }
});

describe('modem lifecycle', () => {
  it('initialises, reads identity, signal, registration and operator, and publishes status', async () => {
    const { modem, events } = setup({ sim: { identity: { imei: '356938035643809', imsi: '460011234567890' } } });
    await inState(modem, 'ready');
    const status = modem.status();
    expect(status.identity.imei).toBe('356938035643809');
    expect(status.identity.imsi).toBe('460011234567890');
    expect(status.identity.manufacturer).not.toBeNull();
    expect(status.signal?.dbm).toBeTypeOf('number');
    expect(status.registration?.registered).toBe(true);
    expect(status.operator).not.toBeNull();
    expect(status.storage?.total).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.status.state : ''))).toContain('ready');
  });

  it('refuses a different device than the bound IMEI, with a clear status', async () => {
    const { modem } = setup({ sim: { identity: { imei: '356938035643809' } }, modem: { imeiBinding: '861234567890123' } });
    await inState(modem, 'refused');
    expect(modem.status().reason).toContain('refused: IMEI mismatch');
    expect(modem.status().problem).toEqual({ code: 'imei-mismatch', params: { bound: '861234567890123', found: '356938035643809' } });
    await expect(modem.send({ to: '+8613800138000', text: 'x' })).rejects.toMatchObject({ code: 'MODEM_NOT_READY' });
  });

  it('applies a new IMEI binding to a running modem at once', async () => {
    const { modem } = setup({ sim: { identity: { imei: '356938035643809' } }, modem: { imeiBinding: '356938035643809' } });
    await inState(modem, 'ready');
    modem.updateSettings({ imeiBinding: '861234567890123' });
    await inState(modem, 'refused');
    expect(modem.status().reason).toContain('refused: IMEI mismatch');
    modem.updateSettings({ imeiBinding: '356938035643809' });
    await inState(modem, 'ready');
  });

  it('enters the SIM PIN when asked and reports a missing PIN as refused', async () => {
    const withPin = setup({ sim: { pinRequired: true, pin: '4321' }, modem: { pin: '4321' } });
    await inState(withPin.modem, 'ready');
    const without = setup({ sim: { pinRequired: true, pin: '4321' } });
    await inState(without.modem, 'refused');
    expect(without.modem.status().reason).toContain('SIM PIN required');
    expect(without.modem.status().problem?.code).toBe('sim-pin-required');
    // A wrong PIN is entered once and never again (three wrong entries lock the SIM with its PUK) …
    without.modem.updateSettings({ pin: '0000' });
    await until(() => (without.modem.status().reason ?? '').includes('SIM PIN rejected'), 8_000, 'PIN rejected');
    expect(without.modem.status().retryAt).toBeNull();
    expect(without.modem.status().problem?.code).toBe('sim-pin-rejected');
    // … until the settings bring another one.
    without.modem.updateSettings({ pin: '4321' });
    await inState(without.modem, 'ready');
  });
});

describe('sending', () => {
  it('sends a long Chinese message part by part with an MR each, and matches the status reports', async () => {
    const { modem, sim, sink } = setup();
    await inState(modem, 'ready');
    const text = '尊敬的会员您好：本周六全场生鲜八折，会员积分双倍，欢迎光临！'.repeat(3);
    const result = await modem.send({ to: '+8613800138000', text, reference: 'outbox-1' });
    expect(result.ok).toBe(true);
    expect(result.parts.length).toBeGreaterThan(1);
    const mrs = result.parts.map((p) => p.mr);
    expect(new Set(mrs).size).toBe(result.parts.length);
    const accepted = sim.acceptedLog();
    expect(accepted.map((a) => a.mr)).toEqual(mrs);
    const decoded = accepted.map((a) => decodePdu(a.pdu, { hasSmsc: true }));
    expect(decoded.map((d) => (d.type === 'submit' ? d.text : '')).join('')).toBe(text);
    expect(decoded.every((d) => d.type === 'submit' && d.statusReportRequested)).toBe(true);
    await sink.waitFor(() => sink.reports.length === result.parts.length);
    for (const report of sink.reports) {
      expect(report.outcome).toBe('delivered');
      expect(report.matched).toMatchObject({ sendId: result.sendId, reference: 'outbox-1' });
    }
    expect(sink.reports.map((r) => r.matched!.partNumber).sort()).toEqual(result.parts.map((p) => p.partNumber));
  });

  it('matches reports whatever number format the network quotes, keeps pending ones open, and leaves strangers unmatched', async () => {
    const { modem, sim, sink } = setup({ sim: { statusReports: { delayMs: [3_600_000, 3_600_000] } } });
    await inState(modem, 'ready');
    const sent = await modem.send({ to: '13800138000', text: '取货提醒', reference: 'fmt' });
    const mr = sent.parts[0]!.mr!;
    const report = (recipient: string, status: number, reference = mr) =>
      encodeStatusReport({ messageReference: reference, recipient, scts: Date.now(), dischargeTime: Date.now(), status }).pdu;
    sim.injectPdu(report('+8613800138000', 0x30));
    sim.injectPdu(report('8613800138000', 0x00));
    sim.injectPdu(report('+8613800138000', 0x00, (mr + 7) % 256));
    await sink.waitFor(() => sink.reports.length === 3);
    expect(sink.reports.map((r) => [r.outcome, r.matched?.reference ?? null])).toEqual([
      ['pending', 'fmt'],
      ['delivered', 'fmt'],
      ['delivered', null],
    ]);
  });

  it('retries a part after a retryable +CMS ERROR and fails at once on a permanent one', async () => {
    const { modem, sim } = setup();
    await inState(modem, 'ready');
    sim.faults.set({ sendErrors: [{ onSend: 1, code: 331 }] });
    const retried = await modem.send({ to: '+8613800138000', text: 'hello' });
    expect(retried.ok).toBe(true);
    expect(retried.parts[0]!.attempts).toBe(2);
    sim.faults.set({ sendErrors: [{ onSend: 1, code: 304 }] });
    const failed = await modem.send({ to: '+8613800138000', text: 'hello again' });
    expect(failed.ok).toBe(false);
    expect(failed.retryable).toBe(false);
    expect(failed.parts[0]).toMatchObject({ status: 'failed', attempts: 1, error: { cmsCode: 304, retryable: false, scope: 'content' } });
    // Every refusal counts, the one that was retried too.
    expect(modem.status().counters).toMatchObject({ sent: 1, failed: 2 });
  });

  it('keeps the caps inside the modem: a send beyond them is refused with when capacity returns', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { modem } = setup({ clock, modem: { limits: { minGapMs: 0, perHour: 2, perDay: 1000 } } });
    await inState(modem, 'ready');
    await modem.send({ to: '+8613800138000', text: 'one' });
    await modem.send({ to: '+8613800138000', text: 'two' });
    expect(modem.capacityFor(1)).toBe(false);
    const refusal = modem.send({ to: '+8613800138000', text: 'three' });
    await expect(refusal).rejects.toMatchObject({ code: 'MODEM_SEND_CAP_REACHED', details: { window: 'hour', availableAt: Date.UTC(2026, 10, 22, 9, 0, 0) } });
    clock.advance(3_600_001);
    expect(modem.capacityFor(1)).toBe(true);
  });

  it('paces sends by the minimum gap', async () => {
    const { modem } = setup({ modem: { limits: { minGapMs: 250, perHour: 200, perDay: 1000 } } });
    await inState(modem, 'ready');
    const started = Date.now();
    await modem.send({ to: '+8613800138000', text: 'a' });
    await modem.send({ to: '+8613800138000', text: 'b' });
    await modem.send({ to: '+8613800138000', text: 'c' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
  });

  it('refuses a message that cannot be encoded with a coded error', async () => {
    const { modem } = setup();
    await inState(modem, 'ready');
    await expect(modem.send({ to: 'not a number', text: 'x' })).rejects.toMatchObject({ code: 'MODEM_BAD_MESSAGE' });
  });
});

describe('receiving', () => {
  it('reassembles an injected multipart message, stores it, and only then deletes the parts', async () => {
    const { modem, sim, sink } = setup();
    await inState(modem, 'ready');
    const text = '您好，我想问一下会员卡积分怎么兑换礼品？另外周末营业时间是几点到几点？谢谢！'.repeat(2);
    sim.injectInbound({ from: '+8613911112222', text });
    await sink.waitFor(() => sink.messages.length === 1);
    const message = sink.messages[0]!;
    expect(message).toMatchObject({ from: '+8613911112222', text, partial: false, modemId: 'm1' });
    expect(message.concat?.total).toBeGreaterThan(1);
    await until(() => Object.values(sim.status().storage).every((s) => s.used === 0), 3_000, 'SIM emptied');
  });

  it('works with storage numbered from 0, bare \\r line endings and no space after colons', async () => {
    const { modem, sim, sink } = setup({ sim: { storage: { indexBase: 0 }, faults: { lineEnding: 'cr', colonSpace: false } } });
    await inState(modem, 'ready');
    sim.injectInbound({ from: '+8613911112222', text: '零号位置的短信' });
    await sink.waitFor(() => sink.messages.length === 1);
    expect(sink.messages[0]!.text).toBe('零号位置的短信');
    await until(() => Object.values(sim.status().storage).every((s) => s.used === 0), 3_000, 'SIM emptied');
    const sent = await modem.send({ to: '+8613800138000', text: 'cr only', reference: 'cr' });
    expect(sent.ok).toBe(true);
    await sink.waitFor(() => sink.reports.some((r) => r.matched?.reference === 'cr'));
  });

  it('keeps sending and receiving through garbage bytes, vendor noise and codes interleaved in replies', async () => {
    const { modem, sim, sink, events } = setup({ sim: { personality: 'huawei' } });
    await inState(modem, 'ready');
    sim.faults.set({ garbage: true, interleave: true, noiseEveryMs: 20 });
    const text = '噪声测试：'.repeat(30);
    const sending = modem.send({ to: '+8613800138000', text, reference: 'noisy' });
    sim.injectInbound({ from: '+8613911112222', text: '回复 1' });
    const result = await sending;
    expect(result.ok).toBe(true);
    await sink.waitFor(() => sink.messages.some((m) => m.text === '回复 1') && sink.reports.filter((r) => r.matched?.reference === 'noisy').length === result.parts.length, 8_000);
    expect(events.some((e) => e.type === 'status' && e.status.state === 'recovering')).toBe(false);
  });

  it('leaves a message on the SIM when storing fails, and stores it from the next listing', async () => {
    const { modem, sim, sink, events } = setup({ modem: { listingIntervalMs: 300 } });
    await inState(modem, 'ready');
    // Fails on the +CMTI read and again on the first listing: neither is the modem's fault.
    sink.failNext = 2;
    sim.injectInbound({ from: '10086', text: '您的话费余额为 12.30 元' });
    await until(() => Object.values(sim.status().storage).some((s) => s.used === 1), 3_000, 'message stored on the SIM');
    await sink.waitFor(() => sink.messages.length === 1, 5_000);
    expect(sink.messages[0]!.text).toBe('您的话费余额为 12.30 元');
    await until(() => Object.values(sim.status().storage).every((s) => s.used === 0), 3_000, 'SIM emptied');
    expect(modem.status()).toMatchObject({ state: 'ready', consecutiveFailures: 0 });
    expect(events.some((e) => e.type === 'status' && e.status.state === 'recovering')).toBe(false);
  });

  it('takes direct +CMT deliveries (modems without +CMTI), reassembles them and acknowledges each with AT+CNMA', async () => {
    const { modem, sim, sink } = setup({ sim: { cnmi: { mt: [0, 2], ds: [0, 1] }, alwaysRequireAck: true, ackTimeoutMs: 1_000 } });
    await inState(modem, 'ready');
    expect(sim.status().cnmi.slice(0, 2)).toEqual([2, 2]);
    const long = '会员日活动：'.repeat(20);
    sim.injectInbound({ from: '+8613911112222', text: long });
    sim.injectInbound({ from: '+8613911113333', text: '收到，谢谢' });
    await sink.waitFor(() => sink.messages.length === 2, 5_000);
    expect(sink.messages.map((m) => m.text).sort()).toEqual([long, '收到，谢谢'].sort());
    await until(() => !sim.status().awaitingAck, 2_000, 'last +CMT acknowledged');
    expect(Object.values(sim.status().storage).every((s) => s.used === 0)).toBe(true);
    // Reports come directly too (+CDS) and are matched.
    const sent = await modem.send({ to: '+8613800138000', text: 'direct report', reference: 'r1' });
    await sink.waitFor(() => sink.reports.some((r) => r.matched?.reference === 'r1'), 5_000);
    expect(sent.ok).toBe(true);
  });

  it('stores each part of a long text before deleting it, so a SIM with fewer slots than parts still gets it whole', async () => {
    const { modem, sim, sink } = setup({ sim: { storage: { sm: 2 } } });
    await inState(modem, 'ready');
    const text = '满'.repeat(300);
    sim.injectInbound({ from: '+8613911112222', text });
    await sink.waitFor(() => sink.messages.length === 1, 5_000);
    expect(sink.messages[0]).toMatchObject({ text, partial: false, concat: { total: 5, received: [1, 2, 3, 4, 5] } });
    expect(sink.partsStored).toBe(5);
    // Delivered: the stored parts are dropped, the SIM is empty.
    await until(() => sink.parts.size === 0, 3_000, 'parts dropped');
    await until(() => Object.values(sim.status().storage).every((s) => s.used === 0), 3_000, 'SIM emptied');
  });

  it('empties a SIM that filled up with parts while nobody listened, and the long text still arrives whole', async () => {
    const { modem, sim, sink } = setup({ sim: { storage: { sm: 4, me: 0 } } });
    const text = '满'.repeat(67 * 6);
    sim.injectInbound({ from: '+8613911112222', text });
    // Full before the driver is ready: no +CMTI will come for what waits in the network.
    expect(sim.status()).toMatchObject({ storage: { SM: { used: 4, total: 4 } }, waitingInNetwork: 2 });
    await inState(modem, 'ready');
    await sink.waitFor(() => sink.messages.length === 1, 5_000);
    expect(sink.messages[0]).toMatchObject({ text, partial: false, concat: { total: 6 } });
    expect(sim.status().waitingInNetwork).toBe(0);
  });

  it('finishes a long text whose first parts were stored before a restart', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const parts = encodeDeliverParts({ from: '+8613911112222', text: '续'.repeat(150), timestamp: clock.now(), reference: 9 });
    const sink = new MemoryInboundSink();
    // A previous run stored parts 1 and 2 (and deleted them from the SIM), then stopped.
    const first = setup({ clock, sink });
    await inState(first.modem, 'ready');
    first.sim.injectPdu(parts[0]!.pdu);
    first.sim.injectPdu(parts[1]!.pdu);
    await until(() => sink.parts.size === 2, 3_000, 'two parts stored');
    await first.modem.stop();
    clock.advance(5 * 60_000);
    const second = setup({ clock, sink });
    await inState(second.modem, 'ready');
    second.sim.injectPdu(parts[2]!.pdu);
    await sink.waitFor(() => sink.messages.length === 1, 3_000);
    expect(sink.messages[0]).toMatchObject({ text: '续'.repeat(150), partial: false, concat: { reference: 9, total: 3, received: [1, 2, 3] } });
    await until(() => sink.parts.size === 0, 3_000, 'parts dropped');
  });

  it('delivers a partial message, flagged, when the reassembly window ends', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 8, 0, 0));
    const { modem, sim, sink } = setup({ clock });
    await inState(modem, 'ready');
    const parts = encodeDeliverParts({ from: '+8613911112222', text: '一'.repeat(150), timestamp: clock.now(), reference: 42 });
    expect(parts.length).toBe(3);
    sim.injectPdu(parts[0]!.pdu);
    sim.injectPdu(parts[2]!.pdu);
    await until(() => sink.parts.size === 2, 3_000, 'parts stored');
    expect(Object.values(sim.status().storage).every((s) => s.used === 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.messages).toHaveLength(0);
    clock.advance(10 * 60_000);
    modem.poke();
    await sink.waitFor(() => sink.messages.length === 1, 3_000);
    expect(sink.messages[0]).toMatchObject({ partial: true, text: '一'.repeat(83), concat: { reference: 42, total: 3, received: [1, 3] } });
  });
});

describe('recovery', () => {
  it('takes a hung modem out of service after N failures and brings it back by itself', async () => {
    const { modem, sim } = setup({ modem: { maxFailures: 2, cooldownMs: 300, healthIntervalMs: 100 } });
    await inState(modem, 'ready');
    sim.faults.set({ hang: true });
    await inState(modem, 'out-of-service');
    expect(modem.status().reason).toMatch(/2 failures in a row/);
    expect(modem.status().problem).toEqual({ code: 'repeated-failures', params: { failures: 2 } });
    sim.faults.set({ hang: false });
    await inState(modem, 'ready');
    expect(modem.status().problem).toBeNull();
  }, 20_000);

  it('stops at once during a cool-down or while waiting for an absent device', async () => {
    const cooling = setup({ modem: { maxFailures: 1, cooldownMs: 3_600_000, healthIntervalMs: 100 } });
    await inState(cooling.modem, 'ready');
    cooling.sim.faults.set({ hang: true });
    await inState(cooling.modem, 'out-of-service');
    let started = Date.now();
    await cooling.modem.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(cooling.modem.state).toBe('stopped');

    const absent = setup();
    await inState(absent.modem, 'ready');
    absent.sim.unplug();
    await inState(absent.modem, 'disconnected');
    started = Date.now();
    await absent.modem.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  }, 20_000);

  it('never sends a part twice: the cable pulled right after the network took part 2 leaves it uncertain, and nothing is resent after the replug', async () => {
    const { modem, sim } = setup();
    await inState(modem, 'ready');
    sim.faults.set({ unplugAfterSend: 2 });
    const result = await modem.send({ to: '+8613800138000', text: '全'.repeat(300), reference: 'unplug' });
    expect(result).toMatchObject({ ok: false, uncertain: true, retryable: false });
    expect(result.parts.map((p) => p.status)).toEqual(['sent', 'uncertain', 'not-sent', 'not-sent', 'not-sent']);
    expect(result.parts[1]!.error?.message).toMatch(/may have been sent, so it is not sent again/);
    expect(result.parts.every((p) => p.attempts <= 1)).toBe(true);
    sim.replug();
    await inState(modem, 'ready');
    await new Promise((r) => setTimeout(r, 200));
    // The simulator's own log: part 2 reached the network once, and nothing went out after the replug.
    const accepted = sim.acceptedLog().map((a) => decodePdu(a.pdu, { hasSmsc: true }));
    expect(accepted.map((p) => (p.type === 'submit' ? p.concat?.sequence : 0))).toEqual([1, 2]);
  }, 20_000);
});
