import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { Reassembler, nationalDigits } from './reassembly.js';
import { SendLedger, validateLimits } from './send-ledger.js';
import { ScriptedTransport } from './transport/scripted.js';
import { probePort } from './transport/discovery.js';
import { openWithBackoff } from './transport/reopen.js';
import { SerialTransport } from './transport/serial.js';

describe('reassembly', () => {
  it('assembles parts in any order, ignores repeats, keys by sender + reference + total', () => {
    const clock = new ManualClock();
    const r = new Reassembler<number>(clock);
    expect(r.add({ sender: '+8613800138000', reference: 5, total: 2, sequence: 2, text: '界', token: 2 })).toBeUndefined();
    expect(r.add({ sender: '13800138000', reference: 5, total: 3, sequence: 1, text: 'x', token: 9 })).toBeUndefined();
    expect(r.add({ sender: '+8613800138000', reference: 5, total: 2, sequence: 2, text: '界', token: 2 })).toBeUndefined();
    const done = r.add({ sender: '8613800138000', reference: 5, total: 2, sequence: 1, text: '世', token: 1 });
    expect(done).toMatchObject({ text: '世界', partial: false, tokens: [1, 2], received: [1, 2] });
    expect(r.waiting).toBe(1);
  });

  it('releases partial messages when the window ends, not before', () => {
    const clock = new ManualClock();
    const r = new Reassembler<number>(clock, 15 * 60_000);
    r.add({ sender: 'A', reference: 1, total: 3, sequence: 3, text: 'c', token: 3 });
    r.add({ sender: 'A', reference: 1, total: 3, sequence: 1, text: 'a', token: 1 });
    clock.advance(15 * 60_000 - 1);
    expect(r.expire()).toEqual([]);
    expect(r.nextDeadline()).toBe(clock.now() + 1);
    clock.advance(1);
    expect(r.expire()).toMatchObject([{ text: 'ac', partial: true, received: [1, 3] }]);
    expect(r.waiting).toBe(0);
  });

  it('refuses a window under 10 minutes', () => {
    expect(() => new Reassembler(new ManualClock(), 60_000)).toThrow(RangeError);
  });

  it('compares numbers across +86, 0086, 86 and national forms', () => {
    for (const n of ['+8613800138000', '008613800138000', '8613800138000', '13800138000']) expect(nationalDigits(n)).toBe('13800138000');
    expect(nationalDigits('+85212345678')).toBe('+85212345678');
    expect(nationalDigits('02112345678')).toBe('2112345678');
    expect(nationalDigits('+862112345678')).toBe('2112345678');
  });
});

describe('send ledger', () => {
  it('counts per rolling hour and day and says when capacity returns', () => {
    const clock = new ManualClock(0);
    const ledger = new SendLedger(clock, { minGapMs: 3000, perHour: 3, perDay: 4 });
    for (let i = 0; i < 3; i++) {
      ledger.check(1);
      ledger.record();
      clock.advance(60_000);
    }
    expect(() => ledger.check(1)).toThrow(expect.objectContaining({ code: 'MODEM_SEND_CAP_REACHED', details: expect.objectContaining({ window: 'hour', availableAt: 3_600_000 }) }));
    clock.set(3_600_001);
    ledger.check(1);
    ledger.record();
    clock.advance(2 * 3_600_000);
    expect(() => ledger.check(1)).toThrow(expect.objectContaining({ details: expect.objectContaining({ window: 'day', availableAt: 86_400_000 }) }));
    expect(() => ledger.check(0)).not.toThrow();
  });

  it('computes the pacing wait and keeps seeded history across restarts', () => {
    const clock = new ManualClock(10_000);
    const ledger = new SendLedger(clock, { minGapMs: 3000, perHour: 2, perDay: 10 });
    ledger.seed([9_000, 8_000]);
    expect(ledger.waitMs()).toBe(2000);
    expect(() => ledger.check(1)).toThrow(expect.objectContaining({ code: 'MODEM_SEND_CAP_REACHED' }));
    expect(ledger.usage()).toEqual({ lastHour: 2, lastDay: 2 });
  });

  it('validates limits with coded errors', () => {
    expect(validateLimits({})).toEqual({ minGapMs: 3000, perHour: 200, perDay: 1000 });
    expect(() => validateLimits({ perHour: 0 })).toThrow(expect.objectContaining({ code: 'MODEM_BAD_LIMIT' }));
    expect(() => validateLimits({ minGapMs: -1 })).toThrow(expect.objectContaining({ code: 'MODEM_BAD_LIMIT' }));
  });
});

describe('serial transport options and discovery', () => {
  it('fails at construction naming the bad option', () => {
    expect(() => new SerialTransport({ path: '' })).toThrow(/"path"/);
    expect(() => new SerialTransport({ path: '/dev/ttyUSB0', baudRate: 12345 })).toThrow(/"baudRate"/);
    expect(() => new SerialTransport({ path: '/dev/ttyUSB0', rtscts: 'yes' as unknown as boolean })).toThrow(/"rtscts"/);
    expect(new SerialTransport({ path: '/dev/ttyUSB0', baudRate: 9600, rtscts: true }).description).toBe('/dev/ttyUSB0 @9600 rtscts');
  });

  it('opening a missing device gives a coded error', async () => {
    const transport = new SerialTransport({ path: '/dev/storemas-no-such-port' });
    await expect(transport.open()).rejects.toMatchObject({ code: 'MODEM_PORT_OPEN_FAILED' });
  });

  it('detects the baud rate that answers and reads the identity', async () => {
    const tried: number[] = [];
    const result = await probePort('/dev/fake', {
      timeoutMs: 50,
      factory: (_path, baud) => {
        tried.push(baud);
        const t = new ScriptedTransport(`fake @${baud}`);
        if (baud === 9600) {
          t.on('AT', '\r\nOK\r\n').on('ATE0', '\r\nOK\r\n').on('AT+CGMI', '\r\nSIMCOM_Ltd\r\n\r\nOK\r\n').on('AT+CGMM', '\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n').on('AT+CGSN', '\r\n867322034487652\r\n\r\nOK\r\n');
        }
        return t;
      },
    });
    expect(tried).toEqual([115200, 9600]);
    expect(result).toMatchObject({ responding: true, baudRate: 9600, manufacturer: 'SIMCOM_Ltd', model: 'SIMCOM_SIM800L', imei: '867322034487652' });
  });

  it('reopens with backoff until the device comes back', async () => {
    const transport = new ScriptedTransport();
    transport.present = false;
    const delays: number[] = [];
    const opened = await openWithBackoff(transport, {
      initialDelayMs: 100,
      maxDelayMs: 300,
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 4) transport.present = true;
      },
    });
    expect(opened).toBe(true);
    expect(delays).toEqual([100, 200, 300, 300]);
    const abort = new AbortController();
    abort.abort();
    transport.present = false;
    await transport.close();
    expect(await openWithBackoff(transport, { signal: abort.signal })).toBe(false);
  });
});
