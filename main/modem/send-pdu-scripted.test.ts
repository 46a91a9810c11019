import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { MemoryInboundSink } from './inbound.js';
import { Modem } from './modem.js';
import { encodeSubmit } from './pdu/index.js';
import { ScriptedTransport } from './transport/scripted.js';

/**
 * sendPdu (the outbox's channel) against a scripted modem whose +CMGS answers
 * vary: what each answer means for the part (sent, refused, or uncertain).
 */
const modems: Modem[] = [];
afterEach(async () => {
  for (const modem of modems.splice(0)) await modem.stop();
});

const ok = (...lines: string[]) => `${lines.map((l) => `\r\n${l}\r\n`).join('')}\r\nOK\r\n`;

async function readyModem(answerToPdu: () => string): Promise<{ modem: Modem; transport: ScriptedTransport }> {
  const transport = new ScriptedTransport('scripted modem');
  transport
    .on(/^AT[^\r]*\r$/, ok())
    .on('AT+CPIN?', ok('+CPIN: READY'))
    .on('AT+CGSN', ok('862636052211111'))
    .on('AT+CPMS=?', ok('+CPMS: ("SM"),("SM"),("SM")'))
    .on(/^AT\+CPMS="SM".*\r$/, ok('+CPMS: 0,30,0,30,0,30'))
    .on('AT+CPMS?', ok('+CPMS: "SM",0,30,"SM",0,30,"SM",0,30'))
    .on('AT+CNMI=?', ok('+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)'))
    .on('AT+CSQ', ok('+CSQ: 20,99'))
    .on('AT+CREG?', ok('+CREG: 0,1'))
    .on(/^AT\+CMGS=\d+\r$/, '\r\n> ')
    .on(new RegExp(`${String.fromCharCode(0x1a)}$`), answerToPdu);
  const modem = new Modem({ id: 'p1', name: 'scripted', commandTimeoutMs: 300, sendTimeoutMs: 500, limits: { minGapMs: 0, perHour: 100, perDay: 100 } }, { transport, clock: systemClock, sink: new MemoryInboundSink() });
  modems.push(modem);
  modem.start();
  const deadline = Date.now() + 5_000;
  while (modem.state !== 'ready') {
    if (Date.now() > deadline) throw new Error(`not ready: ${modem.state} ${modem.status().reason ?? ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { modem, transport };
}

const part = encodeSubmit({ to: '+8613800138000', text: '您好', requestStatusReport: true })[0]!;

it('returns the MR of an accepted part', async () => {
  const { modem, transport } = await readyModem(() => ok('+CMGS: 17'));
  expect(await modem.sendPdu({ pdu: part.pdu, tpduLength: part.tpduLength })).toEqual({ ok: true, mr: 17 });
  expect(transport.writes).toContain(`AT+CMGS=${part.tpduLength}\r`);
  expect(transport.lastWrite).toBe(`${part.pdu}\x1a`);
});

it('calls an OK without +CMGS uncertain, not refused: the part most likely went out and must not be sent twice', async () => {
  const { modem } = await readyModem(() => ok());
  const result = await modem.sendPdu({ pdu: part.pdu, tpduLength: part.tpduLength });
  expect(result).toMatchObject({ ok: false, failure: { kind: 'uncertain', retryable: false, code: 'MODEM_SEND_NO_MR' } });
  expect(modem.status().counters).toMatchObject({ sent: 1, failed: 0 });
});

it('calls a +CMS ERROR refused, named and classified', async () => {
  const { modem } = await readyModem(() => '\r\n+CMS ERROR: 42\r\n');
  const result = await modem.sendPdu({ pdu: part.pdu, tpduLength: part.tpduLength });
  expect(result).toMatchObject({ ok: false, failure: { kind: 'refused', retryable: true, code: 'MODEM_SEND_RETRYABLE', message: expect.stringContaining('+CMS ERROR 42 (congestion)') } });
  expect(modem.status().counters).toMatchObject({ sent: 0, failed: 1 });
});
