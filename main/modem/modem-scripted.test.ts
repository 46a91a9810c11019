import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { MemoryInboundSink } from './inbound.js';
import { Modem } from './modem.js';
import { encodeStatusReport } from './pdu/index.js';
import { ScriptedTransport } from './transport/scripted.js';

/**
 * The modem against a scripted SIMCom SIM7600 (reports kept apart in "SR",
 * as in babca/python-gsmmodem#106): what the simulator does not imitate.
 */
const modems: Modem[] = [];
afterEach(async () => {
  for (const modem of modems.splice(0)) await modem.stop();
});

const ok = (...lines: string[]) => `${lines.map((l) => `\r\n${l}\r\n`).join('')}\r\nOK\r\n`;

it('lists the separate status-report storage, matches nothing it did not send, deletes there and switches back', async () => {
  const transport = new ScriptedTransport('scripted SIM7600');
  const report = encodeStatusReport({ messageReference: 40, recipient: '+8613800138000', scts: Date.now(), dischargeTime: Date.now(), status: 0 }).pdu;
  let current = 'SM';
  let reportStored = true;
  const deletedIn: string[] = [];
  transport
    .on('AT', ok())
    .on('ATE0', ok())
    .on('AT+CMEE=1', ok())
    .on('AT+CPIN?', ok('+CPIN: READY'))
    .on('AT+CGMI', ok('SIMCOM INCORPORATED'))
    .on('AT+CGMM', ok('SIMCOM_SIM7600E-H'))
    .on('AT+CGMR', ok('+CGMR: LE20B04SIM7600M22'))
    .on('AT+CGSN', ok('862636052211111'))
    .on('AT+CIMI', ok('460011234567890'))
    .on('AT+CMGF=0', ok())
    .on('AT+CPMS=?', ok('+CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")'))
    .on(/^AT\+CPMS="(\w+)".*\r$/, (written) => {
      current = /"(\w+)"/.exec(written)![1]!;
      return ok('+CPMS: 0,30,0,30,0,30');
    })
    .on('AT+CPMS?', ok(`+CPMS: "${current}",0,30,"SM",0,30,"SM",0,30`))
    .on('AT+CNMI=?', ok('+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)'))
    .on(/^AT\+CNMI=[\d,]+\r$/, ok())
    .on('AT+CSCA?', ok('+CSCA: "+8613800100500",145'))
    .on('AT+CSQ', ok('+CSQ: 20,99'))
    .on('AT+CREG?', ok('+CREG: 0,1'))
    .on('AT+COPS?', ok('+COPS: 0,0,"CHINA MOBILE",7'))
    .on('AT+CMGL=4', () => (current === 'SR' && reportStored ? ok('+CMGL: 8,1,,25', report) : ok()))
    .on('AT+CMGD=8', () => {
      deletedIn.push(current);
      if (current !== 'SR') return '\r\n+CMS ERROR: 321\r\n';
      reportStored = false;
      return ok();
    });
  const sink = new MemoryInboundSink();
  const modem = new Modem({ id: 's1', name: 'scripted', commandTimeoutMs: 300 }, { transport, clock: systemClock, sink });
  modems.push(modem);
  modem.start();
  await sink.waitFor(() => sink.reports.length === 1, 5_000);
  const deadline = Date.now() + 3_000;
  while (modem.state !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(modem.status()).toMatchObject({ state: 'ready', vendor: 'SIMCom', identity: { imei: '862636052211111', revision: 'LE20B04SIM7600M22' }, smsc: '+8613800100500' });
  expect(sink.reports[0]).toMatchObject({ messageReference: 40, outcome: 'delivered', matched: null });
  expect(deletedIn).toEqual(['SR']);
  expect(current).toBe('SM');
  // Each command was written once at a time, every one ending in \r.
  expect(transport.writes.every((w) => w.endsWith('\r') || w.endsWith('\x1a'))).toBe(true);
});
