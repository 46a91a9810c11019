import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { encodeSubmit } from '../pdu/index.js';
import { SimConversation } from '../../../tests/support/sim-conversation.js';
import { SimulatedModem } from './modem.js';
import type { SimulatorOptions } from './options.js';
import { createSimulatorTransport } from './transport.js';

const modems: SimulatedModem[] = [];

async function ready(options: SimulatorOptions = {}) {
  const modem = new SimulatedModem({ latency: 'zero', clock: new ManualClock(), ...options });
  modems.push(modem);
  const talk = new SimConversation(modem);
  await talk.at('ATE0');
  return { modem, talk };
}

afterEach(() => {
  for (const modem of modems.splice(0)) modem.dispose();
});

const [part] = encodeSubmit({ to: '+8613800138000', text: 'hi', requestStatusReport: false });
const sendPart = async (talk: SimConversation) => {
  await talk.at(`AT+CMGS=${part!.tpduLength}`);
  return talk.send(`${part!.pdu}\x1a`);
};

describe('simulated modem: faults on demand', () => {
  it('hangs: no echo, no reply, until the fault is cleared', async () => {
    const { modem, talk } = await ready();
    modem.faults.set({ hang: true });
    await expect(talk.send('AT\r', { timeoutMs: 50 })).rejects.toThrow(/no final result/);
    modem.faults.clear();
    expect(await talk.at('AT')).toBe('\r\nOK\r\n');
  });

  it('a replug (power cycle) brings a hung modem back', async () => {
    const { modem, talk } = await ready();
    modem.faults.set({ hang: true });
    modem.unplug();
    modem.replug();
    await talk.settle();
    expect(modem.faults.current.hang).toBe(false);
    expect(await talk.at('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('puts garbage bytes before replies', async () => {
    const { modem, talk } = await ready();
    modem.faults.set({ garbage: true });
    const reply = await talk.at('AT');
    expect(reply).toMatch(/^[^\r\n>]{8,}\r\n\r\nOK\r\n$/);
    expect([...reply].some((ch) => ch.charCodeAt(0) >= 0x80)).toBe(true);
  });

  it('fails the k-th send with the given +CMS ERROR, counted from when the fault was set', async () => {
    const { modem, talk } = await ready();
    expect(await sendPart(talk)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    modem.faults.set({ sendErrors: [{ onSend: 2, code: 42 }, { onSend: 3, code: 500 }] });
    expect(await sendPart(talk)).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
    expect(await sendPart(talk)).toBe('\r\n+CMS ERROR: 42\r\n');
    await talk.at('AT+CMEE=2');
    expect(await sendPart(talk)).toBe('\r\n+CMS ERROR: unknown error\r\n');
    expect(await sendPart(talk)).toBe('\r\n+CMGS: 2\r\n\r\nOK\r\n');
    expect(modem.acceptedLog()).toHaveLength(3);
  });

  it('asks for the PIN or reports the SIM missing at run time', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CMEE=2');
    modem.faults.set({ sim: 'pin-required' });
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CIMI')).toBe('\r\n+CME ERROR: SIM PIN required\r\n');
    expect(await talk.at('AT+CPIN="1234"')).toBe('\r\nOK\r\n');
    modem.faults.set({ sim: 'missing' });
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    expect(await talk.at(`AT+CMGS=${part!.tpduLength}`)).toBe('\r\n+CMS ERROR: SIM not inserted\r\n');
    modem.faults.set({ sim: 'ready' });
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('deregisters with an unsolicited +CREG and holds inbound messages until it is back', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CREG=1');
    await talk.at('AT+CNMI=2,1,0,0,0');
    modem.faults.set({ registration: 'searching' });
    expect(await talk.waitFor(/\+CREG: 2\r\n$/)).toBe('\r\n+CREG: 2\r\n');
    modem.injectInbound({ from: '+8613912345678', text: 'held' });
    await talk.settle();
    expect(talk.take()).toBe('');
    expect(modem.status().waitingInNetwork).toBe(1);
    modem.faults.set({ registration: 'roaming' });
    expect(await talk.waitFor(/\+CMTI: "SM",1\r\n$/)).toBe('\r\n+CREG: 5\r\n\r\n+CMTI: "SM",1\r\n');
  });

  it('reports storage full on demand', async () => {
    const { modem, talk } = await ready({ personality: 'quectel' });
    await talk.at('AT+CNMI=2,1,0,0,0');
    modem.faults.set({ storageFull: true });
    expect(await talk.waitFor(/smsfull/)).toBe('\r\n+QIND: "smsfull","SM"\r\n');
    expect(await talk.at('AT+CPMS?')).toBe('\r\n+CPMS: "SM",30,30,"SM",30,30,"SM",30,30\r\n\r\nOK\r\n');
    modem.injectInbound({ from: '+8613912345678', text: 'waiting' });
    await talk.settle();
    expect(talk.take()).toBe('');
    modem.faults.set({ storageFull: false });
    expect(await talk.waitFor(/\+CMTI: "SM",1\r\n$/)).toBe('\r\n+CMTI: "SM",1\r\n');
  });

  it('puts a real +CMTI between AT+CMGS and its prompt, and noise before OK', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CNMI=2,1,0,0,0');
    modem.faults.set({ interleave: true });
    modem.injectInbound({ from: '+8613912345678', text: 'in the middle' });
    await talk.settle();
    expect(talk.take()).toBe('');
    expect(await talk.at(`AT+CMGS=${part!.tpduLength}`)).toBe('\r\n+CMTI: "SM",1\r\n\r\n> ');
    expect(await talk.send(`${part!.pdu}\x1a`)).toMatch(/^\r\n\+CMGS: 0\r\n\r\n(RING|Call Ready|SMS Ready|\+CPIN: READY)\r\n\r\nOK\r\n$/);
  });

  it('ends lines with a bare CR and drops the space after the colon when told', async () => {
    const { modem, talk } = await ready();
    modem.faults.set({ lineEnding: 'cr', colonSpace: false });
    expect(await talk.at('AT+CSQ')).toBe('\r+CSQ:21,99\r\rOK\r');
    await talk.at('AT+CNMI=2,1,0,1,0');
    modem.faults.set({ lineEnding: 'cr' });
    const [reported] = encodeSubmit({ to: '+8613800138000', text: 'hi' });
    await talk.at(`AT+CMGS=${reported!.tpduLength}`);
    const out = (await talk.send(`${reported!.pdu}\x1a`)) + (await talk.waitFor(/\+CDS:\d+\r[0-9A-F]+\r$/));
    expect(out).toMatch(/^\r\+CMGS:0\r\rOK\r\r\+CDS:\d+\r[0-9A-F]+\r$/);
  });

  it('gives a bare ">" prompt and lengths that count the SMSC when told', async () => {
    const { modem, talk } = await ready();
    modem.faults.set({ promptSpace: false, lengthWithSmsc: true });
    expect(await talk.at(`AT+CMGS=${part!.tpduLength}`)).toBe('\r\n>');
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    const { pdus } = modem.injectInbound({ from: '+8613912345678', text: 'x' });
    await talk.settle();
    expect(await talk.at('AT+CMGR=1')).toBe(`\r\n+CMGR: 0,,${pdus[0]!.length / 2}\r\n${pdus[0]}\r\n\r\nOK\r\n`);
  });

  it('makes the personality’s noise on a timer', async () => {
    const { modem, talk } = await ready({ personality: 'huawei' });
    modem.faults.set({ noiseEveryMs: 2 });
    const noise = await talk.waitFor(/(\^[A-Z]+:?[^\r\n]*\r\n.*){3}/s);
    expect(noise).toMatch(/^\r\n\^(RSSI|HCSQ|BOOT|MODE|DSFLOWRPT|SRVST|SIMST)/);
    modem.faults.set({ noiseEveryMs: 0 });
  });

  it('refuses unknown or malformed faults with a message naming them', () => {
    const modem = new SimulatedModem({ latency: 'zero' });
    modems.push(modem);
    expect(() => modem.faults.set({ bogus: true } as never)).toThrow(/faults\.bogus/);
    expect(() => modem.faults.set({ sendErrors: [{ onSend: 0, code: 500 }] })).toThrow(/faults\.sendErrors\[0\]\.onSend/);
    expect(() => new SimulatedModem({ identity: { imei: '123' } })).toThrow(/identity\.imei/);
  });
});

describe('simulator transport (in-process plug)', () => {
  it('carries bytes both ways and reports the device vanishing and coming back', async () => {
    const modem = new SimulatedModem({ latency: 'zero', name: 'sim-7' });
    modems.push(modem);
    const transport = createSimulatorTransport(modem);
    expect(transport.description).toBe('simulator sim-7');
    let received = '';
    transport.onData((chunk) => (received += chunk.toString('latin1')));
    const closes: Array<Error | undefined> = [];
    transport.onClose((error) => closes.push(error));
    await expect(transport.write('AT\r')).rejects.toThrow(/not open/);
    await transport.open();
    expect(transport.isOpen).toBe(true);
    await transport.write('ATE0\r');
    await transport.write(Buffer.from('AT+CGSN\r'));
    await waitUntil(() => received.includes('867322034512347'));
    expect(received).toBe('ATE0\r\r\nOK\r\n\r\n867322034512347\r\n\r\nOK\r\n');

    modem.unplug();
    expect(transport.isOpen).toBe(false);
    expect(closes).toHaveLength(1);
    expect(closes[0]?.message).toMatch(/unplugged/);
    await expect(transport.open()).rejects.toThrow(/unplugged/);
    modem.replug();
    await transport.open();
    received = '';
    await waitUntil(() => received.includes('SMS Ready'));
    await transport.write('AT\r');
    await waitUntil(() => received.endsWith('AT\r\r\nOK\r\n'));
    await transport.close();
    expect(closes).toEqual([closes[0], undefined]);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
