import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { decodePdu, encodeSubmit } from '../pdu/index.js';
import { SimConversation } from '../../../tests/support/sim-conversation.js';
import { SimulatedModem } from './modem.js';
import type { SimulatorOptions, Timers } from './options.js';
import { decodeUssdRequest } from './ussd.js';

const modems: SimulatedModem[] = [];

function start(options: SimulatorOptions = {}): { modem: SimulatedModem; talk: SimConversation } {
  const modem = new SimulatedModem({ latency: 'zero', clock: new ManualClock(), ...options });
  modems.push(modem);
  return { modem, talk: new SimConversation(modem) };
}

async function ready(options: SimulatorOptions = {}) {
  const started = start(options);
  await started.talk.at('ATE0');
  return started;
}

afterEach(() => {
  for (const modem of modems.splice(0)) modem.dispose();
});

const submit = (to: string, text: string, extra: Partial<Parameters<typeof encodeSubmit>[0]> = {}) => encodeSubmit({ to, text, concatReference: 7, ...extra });

describe('simulated modem: replies as a device gives them', () => {
  it('echoes the command line until ATE0', async () => {
    const { talk } = start();
    expect(await talk.at('AT')).toBe('AT\r\r\nOK\r\n');
    expect(await talk.at('ATE0')).toBe('ATE0\r\r\nOK\r\n');
    expect(await talk.at('AT')).toBe('\r\nOK\r\n');
    expect(await talk.at('ATE1')).toBe('\r\nOK\r\n');
    expect(await talk.at('at')).toBe('at\r\r\nOK\r\n');
  });

  it('reports its identity', async () => {
    const { talk } = await ready({ identity: { imei: '356938035643809', imsi: '460011234567890' } });
    expect(await talk.at('AT+CGSN')).toBe('\r\n356938035643809\r\n\r\nOK\r\n');
    expect(await talk.at('AT+GSN')).toBe('\r\n356938035643809\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CIMI')).toBe('\r\n460011234567890\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CGMI')).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CGMM')).toBe('\r\nSIMCOM_SIM800L\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CGMR')).toBe('\r\nRevision:1418B04SIM800L24\r\n\r\nOK\r\n');
    expect(await talk.at('ATI')).toBe('\r\nSIM800L R14.18\r\n\r\nOK\r\n');
  });

  it('speaks as a Huawei stick with its own word for unknown commands', async () => {
    const { talk } = await ready({ personality: 'huawei' });
    expect(await talk.at('ATI')).toBe('\r\nManufacturer: huawei\r\nModel: E173\r\nRevision: 11.126.85.00.209\r\nIMEI: 867322034512347\r\n+GCAP: +CGSM,+DS,+ES\r\n\r\nOK\r\n');
    expect(await talk.at('AT+FOO')).toBe('\r\nCOMMAND NOT SUPPORT\r\n');
    expect(await talk.at('AT^CURC=0')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+COPS?')).toBe('\r\n+COPS: 0,0,"CHINA MOBILE",2\r\n\r\nOK\r\n');
  });

  it('answers what modem software asks beside SMS (GPRS attach, caller ID, USSD, battery, phonebook) as a SIM800 does', async () => {
    const { talk } = await ready();
    await talk.at('AT+CMEE=1');
    expect(await talk.at('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CGATT=?')).toBe('\r\n+CGATT: (0,1)\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CGATT=0')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CGATT?')).toBe('\r\n+CGATT: 0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CLIP=1')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CLIP?')).toBe('\r\n+CLIP: 1,1\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CLIP=2')).toBe('\r\n+CME ERROR: 50\r\n');
    expect(await talk.at('AT+CBC')).toBe('\r\n+CBC: 0,95,4100\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPBS?')).toBe('\r\n+CPBS: "SM",0,250\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPBS=?')).toBe('\r\n+CPBS: ("SM","MC","RC","DC","LA","ME","FD","ON","BN","SD","VM")\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPBS="XX"')).toBe('\r\n+CME ERROR: 4\r\n');
    expect(await talk.at('AT+CUSD=?')).toBe('\r\n+CUSD: (0,1,2)\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CUSD=1,"*100#",15')).toBe('\r\nOK\r\n');
    expect(await talk.waitFor(/\+CUSD: .*\r\n$/)).toBe('\r\n+CUSD: 0,"Balance: 12.30 CNY. Valid until 2027-12-31.",15\r\n');
    await talk.at('AT+CSCS="UCS2"');
    expect(await talk.at(`AT+CUSD=1,"${Buffer.from('*100#', 'utf16le').swap16().toString('hex')}",15`)).toBe('\r\nOK\r\n');
    const ucs2 = /"([0-9A-F]+)"/.exec(await talk.waitFor(/\+CUSD: .*\r\n$/))![1]!;
    expect(Buffer.from(ucs2, 'hex').swap16().toString('utf16le')).toBe('Balance: 12.30 CNY. Valid until 2027-12-31.');
  });

  it('writes USSD as a Huawei stick does: the 7-bit alphabet packed into hex, whatever AT+CSCS says', async () => {
    const { talk } = await ready({ personality: 'huawei' });
    expect(await talk.at('AT+CBC')).toBe('\r\n+CBC: 2,0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CUSD=1,"AA180C3602",15')).toBe('\r\nOK\r\n');
    const answer = /\+CUSD: 0,"([0-9A-F]+)",15/.exec(await talk.waitFor(/\+CUSD: .*\r\n$/))![1]!;
    expect(answer.startsWith('C2303B')).toBe(true);
    expect(decodeUssdRequest(answer, 'packed-hex', 'IRA')).toBe('Balance: 12.30 CNY. Valid until 2027-12-31.');
    // Plain text is not what this stick reads.
    expect(await talk.at('AT+CUSD=1,"*100#",15')).toBe('\r\nERROR\r\n');
  });

  it('gives +CME errors as CMEE says: plain, numeric, verbose; +CMS always coded', async () => {
    const { talk } = await ready({ faults: { sim: 'missing' } });
    expect(await talk.at('AT+CPIN?')).toBe('\r\nERROR\r\n');
    expect(await talk.at('AT+CMGL=4')).toBe('\r\n+CMS ERROR: 310\r\n');
    expect(await talk.at('AT+CMEE=1')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await talk.at('AT+CMEE=2')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    expect(await talk.at('AT+CMGL=4')).toBe('\r\n+CMS ERROR: SIM not inserted\r\n');
    expect(await talk.at('AT+CMEE?')).toBe('\r\n+CMEE: 2\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMEE=7')).toBe('\r\n+CME ERROR: Incorrect parameters\r\n');
  });

  it('runs several commands of one line and stops at the first error', async () => {
    const { talk } = await ready();
    expect(await talk.at('AT+CMEE=1;+CMGF=0;+CSQ')).toBe('\r\n+CSQ: 21,99\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGF?;+CNMI=9;+CSQ')).toBe('\r\n+CMGF: 0\r\n\r\n+CMS ERROR: 303\r\n');
  });

  it('accepts text mode unless told to refuse it', async () => {
    const { modem, talk } = await ready();
    expect(await talk.at('AT+CMGF=?')).toBe('\r\n+CMGF: (0,1)\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGF=1')).toBe('\r\nOK\r\n');
    modem.injectInbound({ from: '+8613912345678', text: 'hello' });
    await talk.settle();
    expect(await talk.at('AT+CMGL="ALL"')).toBe('\r\n+CMGL: 1,"REC UNREAD","+8613912345678",,"26/11/22,10:00:00+32"\r\nhello\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGR=1')).toBe('\r\n+CMGR: "REC READ","+8613912345678",,"26/11/22,10:00:00+32"\r\nhello\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGS="+8613800138000"')).toBe('\r\n> ');
    expect(await talk.send('see you at 9\x1a')).toBe('\r\n+CMGS: 0\r\n\r\nOK\r\n');
    await talk.at('AT+CSCS="UCS2"');
    await talk.at('AT+CMGS="13800138000"');
    expect(await talk.send('4F60597D\x1a')).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
    const texts = modem.acceptedLog().map((entry) => decodePdu(entry.pdu)).map((d) => (d.type === 'submit' ? [d.recipient.number, d.text] : []));
    expect(texts).toEqual([['+8613800138000', 'see you at 9'], ['13800138000', '你好']]);

    const strict = await ready({ textMode: false });
    expect(await strict.talk.at('AT+CMGF=1')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(await strict.talk.at('AT+CMGF=?')).toBe('\r\n+CMGF: (0)\r\n\r\nOK\r\n');
  });

  it('asks for the PIN, refuses wrong ones and blocks after three', async () => {
    const { talk } = await ready({ pinRequired: true, pin: '4321' });
    await talk.at('AT+CMEE=1');
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPMS?')).toBe('\r\n+CMS ERROR: 311\r\n');
    expect(await talk.at('AT+CREG?')).toBe('\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPIN="1111"')).toBe('\r\n+CME ERROR: 16\r\n');
    expect(await talk.at('AT+CPIN="4321"')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CREG?')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPIN="4321"')).toBe('\r\n+CME ERROR: 3\r\n');

    const blocked = await ready({ pinRequired: true });
    for (let i = 0; i < 3; i++) await blocked.talk.at('AT+CPIN="0000"');
    expect(await blocked.talk.at('AT+CPIN?')).toBe('\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n');
    expect(await blocked.talk.at('AT+CPIN="12345678","2468"')).toBe('\r\nOK\r\n');
    expect(await blocked.talk.at('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('reports signal, registration, operator and service centre', async () => {
    const { talk } = await ready({ signal: 17 });
    expect(await talk.at('AT+CSQ')).toBe('\r\n+CSQ: 17,99\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CREG?')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CREG=2')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CREG?')).toBe('\r\n+CREG: 2,1,"1A2B","00C3D4"\r\n\r\nOK\r\n');
    expect(await talk.at('AT+COPS?')).toBe('\r\n+COPS: 0,0,"CHINA MOBILE",0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CSCA?')).toBe('\r\n+CSCA: "+8613800100500",145\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CSCA="+8613800755500",145')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CSCA?')).toBe('\r\n+CSCA: "+8613800755500",145\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CFUN?')).toBe('\r\n+CFUN: 1\r\n\r\nOK\r\n');
    expect(await talk.send('AT+CFUN=0\r', { until: /\+CREG: 0\r\n$/ })).toBe('\r\nOK\r\n\r\n+CREG: 0\r\n');
    expect(await talk.at('AT+COPS?')).toBe('\r\n+COPS: 0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CSQ')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
    expect(await talk.send('AT+CFUN=1\r', { until: /00C3D4"\r\n$/ })).toBe('\r\nOK\r\n\r\n+CREG: 1,"1A2B","00C3D4"\r\n');
  });

  it('reports and switches message storage with used and total slots', async () => {
    const { modem, talk } = await ready({ storage: { sm: 20, me: 50 } });
    expect(await talk.at('AT+CPMS=?')).toBe('\r\n+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPMS?')).toBe('\r\n+CPMS: "SM",0,20,"SM",0,20,"SM",0,20\r\n\r\nOK\r\n');
    modem.injectInbound({ from: '+8613912345678', text: 'hello' });
    await talk.settle();
    expect(await talk.at('AT+CPMS="ME","ME","MT"')).toBe('\r\n+CPMS: 0,50,0,50,1,70\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPMS="XX"')).toBe('\r\n+CMS ERROR: 303\r\n');
  });
});

describe('simulated modem: sending', () => {
  it('prompts for the PDU, accepts it with an MR and logs exactly what was sent', async () => {
    const { modem, talk } = await ready({ firstMr: 254 });
    const [part] = submit('+8613800138000', '会员日全场八折', { requestStatusReport: false });
    expect(await talk.at(`AT+CMGS=${part!.tpduLength}`)).toBe('\r\n> ');
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMGS: 254\r\n\r\nOK\r\n');
    for (const expected of [255, 0, 1]) {
      await talk.at(`AT+CMGS=${part!.tpduLength}`);
      expect(await talk.send(`${part!.pdu}\x1a`)).toBe(`\r\n+CMGS: ${expected}\r\n\r\nOK\r\n`);
    }
    const log = modem.acceptedLog();
    expect(log.map((entry) => entry.mr)).toEqual([254, 255, 0, 1]);
    const decoded = decodePdu(log[0]!.pdu);
    expect(decoded.type).toBe('submit');
    expect(decoded.type === 'submit' && decoded.recipient.number).toBe('+8613800138000');
    expect(decoded.type === 'submit' && decoded.text).toBe('会员日全场八折');
  });

  it('echoes the PDU when echo is on, and ESC cancels without sending', async () => {
    const { modem, talk } = start();
    const [part] = submit('13800138000', 'hi');
    expect(await talk.at(`AT+CMGS=${part!.tpduLength}`)).toBe(`AT+CMGS=${part!.tpduLength}\r\r\n> `);
    expect(await talk.send(`${part!.pdu}\x1b`)).toBe(`${part!.pdu}\r\nOK\r\n`);
    expect(modem.acceptedLog()).toEqual([]);
  });

  it('refuses a PDU whose length disagrees or which is not hex', async () => {
    const { modem, talk } = await ready();
    const [part] = submit('13800138000', 'hi');
    await talk.at(`AT+CMGS=${part!.tpduLength + 1}`);
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMS ERROR: 304\r\n');
    await talk.at('AT+CMGS=10');
    expect(await talk.send('ZZ\x1a')).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(await talk.at('AT+CMGS=0')).toBe('\r\n+CMS ERROR: 304\r\n');
    expect(modem.acceptedLog()).toEqual([]);
  });

  it('sends a status report after the send: +CDS directly, or stored with +CDSI', async () => {
    const { talk } = await ready({ personality: 'simcom' });
    await talk.at('AT+CNMI=2,1,0,1,0');
    const [part] = submit('+8613800138000', 'hi');
    await talk.at(`AT+CMGS=${part!.tpduLength}`);
    const reply = await talk.send(`${part!.pdu}\x1a`);
    const direct = reply + (await talk.waitFor(/\+CDS: \d+\r\n[0-9A-F]+\r\n/));
    const match = /\+CDS: (\d+)\r\n([0-9A-F]+)\r\n/.exec(direct)!;
    const report = decodePdu(match[2]!);
    expect(report.type === 'status-report' && [report.messageReference, report.recipient.number, report.outcome]).toEqual([0, '+8613800138000', 'delivered']);

    await talk.at('AT+CNMI=2,1,0,2,0');
    await talk.at(`AT+CMGS=${part!.tpduLength}`);
    const stored = (await talk.send(`${part!.pdu}\x1a`)) + (await talk.waitFor(/\+CDSI: "SM",\d+/));
    const index = /\+CDSI: "SM",(\d+)/.exec(stored)![1];
    const read = await talk.at(`AT+CMGR=${index}`);
    const pdu = /\+CMGR: 0,,\d+\r\n([0-9A-F]+)/.exec(read)![1]!;
    const decoded = decodePdu(pdu);
    expect(decoded.type === 'status-report' && decoded.messageReference).toBe(1);
  });

  it('reports the configured outcome per recipient', async () => {
    const { talk } = await ready({ statusReports: { outcome: 'delivered', byRecipient: { '+8613900000000': 'failed' }, failStatus: 0x46 } });
    await talk.at('AT+CNMI=2,1,0,1,0');
    const [part] = submit('+8613900000000', 'x');
    await talk.at(`AT+CMGS=${part!.tpduLength}`);
    const out = (await talk.send(`${part!.pdu}\x1a`)) + (await talk.waitFor(/\+CDS: \d+\r\n[0-9A-F]+\r\n/));
    const report = decodePdu(/\+CDS: \d+\r\n([0-9A-F]+)/.exec(out)![1]!);
    expect(report.type === 'status-report' && [report.status, report.outcome]).toEqual([0x46, 'failed']);
  });

  it('refuses to send without network service', async () => {
    const { talk } = await ready({ faults: { registration: 'denied' } });
    const [part] = submit('13800138000', 'hi');
    expect(await talk.at('AT+CREG?')).toBe('\r\n+CREG: 0,3\r\n\r\nOK\r\n');
    await talk.at(`AT+CMGS=${part!.tpduLength}`);
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMS ERROR: 331\r\n');
  });

  it('writes a message to storage and sends it from there', async () => {
    const { modem, talk } = await ready();
    const [part] = submit('+8613800138000', 'stored');
    await talk.at(`AT+CMGW=${part!.tpduLength}`);
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMGW: 1\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGL=2')).toBe(`\r\n+CMGL: 1,2,,${part!.tpduLength}\r\n${part!.pdu}\r\n\r\nOK\r\n`);
    expect(await talk.at('AT+CMSS=1')).toBe('\r\n+CMSS: 0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGL=3')).toBe(`\r\n+CMGL: 1,3,,${part!.tpduLength}\r\n${part!.pdu}\r\n\r\nOK\r\n`);
    expect(modem.acceptedLog()[0]!.via).toBe('CMSS');
  });

  it('takes 2–4 s per part under realistic latency', async () => {
    const timers = new FakeTimers();
    const { modem } = start({ latency: 'realistic', timers });
    let out = '';
    modem.onOutput((chunk) => (out += chunk.toString('latin1')));
    const [part] = submit('13800138000', 'hi', { requestStatusReport: false });
    modem.receive('ATE0\r');
    timers.advance(200);
    modem.receive(`AT+CMGS=${part!.tpduLength}\r`);
    timers.advance(200);
    expect(out.endsWith('> ')).toBe(true);
    modem.receive(`${part!.pdu}\x1a`);
    timers.advance(1999);
    expect(out).not.toContain('+CMGS');
    timers.advance(2200);
    expect(out).toContain('+CMGS: 0');
  });
});

describe('simulated modem: receiving', () => {
  it('stores silently under the power-on CNMI, then lists, reads and deletes', async () => {
    const { modem, talk } = await ready();
    expect(await talk.at('AT+CNMI?')).toBe('\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n');
    const { pdus } = modem.injectInbound({ from: '+8613912345678', text: '你好' });
    modem.injectInbound({ from: '10086', text: 'balance' });
    await talk.settle();
    expect(talk.take()).toBe('');
    const list = await talk.at('AT+CMGL=0');
    expect(list).toMatch(/^\r\n\+CMGL: 1,0,,\d+\r\n[0-9A-F]+\r\n\+CMGL: 2,0,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(list).toContain(pdus[0]);
    expect(await talk.at('AT+CMGL=0')).toBe('\r\n\r\nOK\r\n'.replace('\r\n\r\n', '\r\n'));
    expect(await talk.at('AT+CMGL="ALL"')).toContain('+CMGL: 2,1,,');
    expect(await talk.at('AT+CMGR=1')).toMatch(/^\r\n\+CMGR: 1,,\d+\r\n[0-9A-F]+\r\n\r\nOK\r\n$/);
    expect(await talk.at('AT+CMGD=1')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CMGR=1')).toBe('\r\nOK\r\n'); // SIM800 answers an empty slot with a bare OK
    expect(await talk.at('AT+CMGD=99')).toBe('\r\n+CMS ERROR: 321\r\n');
    expect(await talk.at('AT+CMGD=?')).toBe('\r\n+CMGD: (2),(0-4)\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CMGD=1,4')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CPMS?')).toBe('\r\n+CPMS: "SM",0,30,"SM",0,30,"SM",0,30\r\n\r\nOK\r\n');
  });

  it('announces stored messages with +CMTI, numbering from 0 on devices that do', async () => {
    const { modem, talk } = await ready({ personality: 'quectel', storage: { indexBase: 0 } });
    await talk.at('AT+CNMI=2,1,0,2,0');
    modem.injectInbound({ from: '+8613912345678', text: 'first' });
    expect(await talk.waitFor(/\+CMTI: "SM",0\r\n$/)).toBe('\r\n+CMTI: "SM",0\r\n');
    expect(await talk.at('AT+CMGR=0')).toMatch(/^\r\n\+CMGR: 0,,/);
    expect(await talk.at('AT+CMGR=5')).toBe('\r\n+CMS ERROR: 321\r\n'); // Quectel refuses an empty slot
  });

  it('delivers a long Chinese message as concatenated parts', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CNMI=2,1,0,0,0');
    const text = '尊敬的会员：本周六会员日全场生鲜八折，积分双倍，凭短信到服务台领取鸡蛋一盒。'.repeat(3);
    const { pdus } = modem.injectInbound({ from: '+8613912345678', text });
    expect(pdus.length).toBeGreaterThan(1);
    const out = await talk.waitFor(new RegExp(`\\+CMTI: "SM",${pdus.length}\\r\\n$`));
    expect(out.match(/\+CMTI/g)).toHaveLength(pdus.length);
    const joined = pdus.map((pdu) => decodePdu(pdu)).map((d) => {
      expect(d.type === 'deliver' && d.concat?.total).toBe(pdus.length);
      return d.type === 'deliver' ? d.text : '';
    });
    expect(joined.join('')).toBe(text);
  });

  it('delivers only the parts asked for, in the order asked', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CNMI=2,1,0,0,0');
    const text = '会员积分兑换提醒：'.repeat(20);
    const { pdus } = modem.injectInbound({ from: '+8613912345678', text, parts: [3, 1] });
    expect(pdus).toHaveLength(2);
    await talk.waitFor(/\+CMTI: "SM",2\r\n$/);
    const sequence = pdus.map((pdu) => decodePdu(pdu)).map((d) => (d.type === 'deliver' ? [d.concat?.sequence, d.concat?.total] : []));
    expect(sequence).toEqual([[3, 3], [1, 3]]);
    expect(() => modem.injectInbound({ from: '+8613912345678', text, parts: [4] })).toThrow(/from 1 to 3/);
  });

  it('routes directly with +CMT and waits for +CNMA under CSMS=1', async () => {
    const { modem, talk } = await ready({ ackTimeoutMs: 40 });
    expect(await talk.at('AT+CSMS=1')).toBe('\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n');
    await talk.at('AT+CNMI=2,2,0,0,0');
    const { pdus } = modem.injectInbound({ from: '+8613912345678', text: 'one' });
    modem.injectInbound({ from: '+8613912345678', text: 'two' });
    const first = await talk.waitFor(/\+CMT: ,\d+\r\n[0-9A-F]+\r\n/);
    expect(first).toBe(`\r\n+CMT: ,${pdus[0]!.length / 2 - 9}\r\n${pdus[0]}\r\n`);
    await talk.settle(10);
    expect(talk.take()).toBe(''); // the second waits for the acknowledgement
    expect(await talk.send('AT+CNMA\r', { until: /\+CMT: ,\d+\r\n[0-9A-F]+\r\n$/ })).toMatch(/^\r\nOK\r\n\r\n\+CMT: ,\d+\r\n/);
    expect(await talk.at('AT+CNMA')).toBe('\r\nOK\r\n');
    expect(await talk.at('AT+CNMA')).toBe('\r\n+CMS ERROR: 340\r\n');
    // Unacknowledged: routing is switched off and the message lands in storage.
    modem.injectInbound({ from: '+8613912345678', text: 'three' });
    await talk.waitFor(/\+CMT: /);
    await talk.settle(80);
    expect(await talk.at('AT+CNMI?')).toBe('\r\n+CNMI: 2,0,0,0,0\r\n\r\nOK\r\n');
    expect(await talk.at('AT+CPMS?')).toContain('+CPMS: "SM",1,30');
  });

  it('refuses CNMI values the personality does not support, so the driver falls back', async () => {
    const huawei = await ready({ personality: 'huawei' });
    expect(await huawei.talk.at('AT+CNMI=2,1,0,1,0')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(await huawei.talk.at('AT+CNMI=2,1,0,2,0')).toBe('\r\nOK\r\n');
    expect(await huawei.talk.at('AT+CNMI=?')).toBe('\r\n+CNMI: (0,1,2),(0,1,2,3),(0,2),(0,2),(0,1)\r\n\r\nOK\r\n');
    const wavecom = await ready({ personality: 'wavecom', cnmi: { mt: [0, 1] } });
    expect(await wavecom.talk.at('AT+CNMI=2,2,0,0,0')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(await wavecom.talk.at('AT+CNMI=2,1,0,2,0')).toBe('\r\n+CMS ERROR: 303\r\n');
    expect(await wavecom.talk.at('AT+CNMI=2,1,0,1,0')).toBe('\r\nOK\r\n');
  });

  it('buffers indications under CNMI mode 0 and flushes them when reporting is switched on', async () => {
    const { modem, talk } = await ready();
    await talk.at('AT+CNMI=0,1,0,0,0');
    modem.injectInbound({ from: '+8613912345678', text: 'a' });
    await talk.settle();
    expect(talk.take()).toBe('');
    expect(await talk.send('AT+CNMI=2,1,0,0,0\r', { until: /\+CMTI: "SM",1\r\n$/ })).toBe('\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
  });

  it('fills up, says so, and takes the waiting message once a slot is freed', async () => {
    const { modem, talk } = await ready({ personality: 'huawei', storage: { sm: 2 } });
    await talk.at('AT+CNMI=2,1,0,2,0');
    for (const text of ['a', 'b', 'c']) modem.injectInbound({ from: '+8613912345678', text });
    const out = await talk.waitFor(/\^SMMEMFULL: "SM"\r\n$/);
    expect(out).toBe('\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n\r\n^SMMEMFULL: "SM"\r\n');
    expect(await talk.at('AT+CPMS?')).toBe('\r\n+CPMS: "SM",2,2,"SM",2,2,"SM",2,2\r\n\r\nOK\r\n');
    const [part] = submit('13800138000', 'hi');
    await talk.at(`AT+CMGW=${part!.tpduLength}`);
    expect(await talk.send(`${part!.pdu}\x1a`)).toBe('\r\n+CMS ERROR: 322\r\n');
    expect(await talk.send('AT+CMGD=1\r', { until: /\+CMTI: "SM",1\r\n$/ })).toBe('\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
    expect(modem.status().waitingInNetwork).toBe(0);
  });

  it('resets on AT+CFUN=1,1 with boot noise and power-on settings', async () => {
    const { talk } = await ready({ personality: 'simcom' });
    await talk.at('AT+CNMI=2,1,0,2,0');
    expect(await talk.send('AT+CFUN=1,1\r', { until: /SMS Ready\r\n$/ })).toBe(
      '\r\nOK\r\n\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n',
    );
    expect(await talk.at('AT+CNMI?')).toBe('AT+CNMI?\r\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n');
  });
});

/** Timers moved by hand, to check realistic delays without waiting for them. */
class FakeTimers implements Timers {
  private now = 0;
  private queue: Array<{ at: number; run: () => void; id: number }> = [];
  private nextId = 1;
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.queue.push({ at: this.now + ms, run, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.queue.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.queue = this.queue.filter((t) => t !== due);
      this.now = due.at;
      due.run();
    }
    this.now = until;
  }
}
