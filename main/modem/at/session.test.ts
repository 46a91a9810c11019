import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedTransport } from '../transport/scripted.js';
import { AtSession, AtTimeoutError, PortClosedError } from './session.js';
import type { Unsolicited } from './unsolicited.js';

let transport: ScriptedTransport;
let events: Unsolicited[];

async function openSession(timeoutMs = 500): Promise<AtSession> {
  transport = new ScriptedTransport();
  events = [];
  await transport.open();
  return new AtSession(transport, { defaultTimeoutMs: timeoutMs, onUnsolicited: (e) => events.push(e) });
}

afterEach(() => {
  transport.clearRules();
});

describe('AtSession', () => {
  it('returns information lines and OK, dropping the echo', async () => {
    const session = await openSession();
    transport.on('AT+CSQ', 'AT+CSQ\r\r\n+CSQ: 23,99\r\n\r\nOK\r\n');
    const reply = await session.run('AT+CSQ');
    expect(reply.lines).toEqual(['+CSQ: 23,99']);
    expect(reply.final).toEqual({ kind: 'ok' });
    expect(transport.lastWrite).toBe('AT+CSQ\r');
  });

  it('reads \\r-only line endings and replies split into single bytes', async () => {
    const session = await openSession();
    transport.on('AT+CGMI', (cmd) => {
      const text = '\r+CGMI: SIMCOM_Ltd\rOK\r';
      let i = 0;
      const drip = () => {
        if (i < text.length) {
          transport.emitData(text[i++]!);
          setImmediate(drip);
        }
      };
      setImmediate(drip);
      return cmd === '' ? '' : undefined;
    });
    const reply = await session.run('AT+CGMI');
    expect(reply.lines).toEqual(['+CGMI: SIMCOM_Ltd']);
  });

  it('classifies CME, CMS, verbose and vendor final results', async () => {
    const session = await openSession();
    transport.on('AT+CPIN?', '\r\n+CME ERROR: 10\r\n');
    transport.on('AT+CMGD=1', '\r\n+CMS ERROR: invalid memory index\r\n');
    transport.on('AT^FOO', '\r\nCOMMAND NOT SUPPORT\r\n');
    transport.on('AT+CNMI=2,1,0,2,0', '\r\nTOO MANY PARAMETERS\r\n');
    expect((await session.execute('AT+CPIN?')).final).toEqual({ kind: 'cme', code: 10, text: '10' });
    expect((await session.execute('AT+CMGD=1')).final).toEqual({ kind: 'cms', code: 321, text: 'invalid memory index' });
    expect((await session.execute('AT^FOO')).final.kind).toBe('unsupported');
    expect((await session.execute('AT+CNMI=2,1,0,2,0')).final.kind).toBe('unsupported');
    await expect(session.run('AT^FOO')).rejects.toMatchObject({ code: 'MODEM_COMMAND_FAILED' });
  });

  it('sends the PDU after a prompt with or without the trailing space, separating +CMTI that came first', async () => {
    const session = await openSession();
    transport.on(/^AT\+CMGS=\d+\r$/, '\r\n+CMTI: "SM",0\r\n> ');
    transport.on(/^0011[0-9A-F]*.$/, '\r\n+CMGS: 17\r\n\r\nOK\r\n');
    const first = await session.run('AT+CMGS=18', { promptData: '0011000B915121551532F40000AA0548656C6C6F' });
    expect(first.lines).toEqual(['+CMGS: 17']);
    expect(events).toEqual([{ type: 'message-stored', storage: 'SM', index: 0 }]);
    expect(transport.lastWrite).toBe('0011000B915121551532F40000AA0548656C6C6F\x1a');
    transport.clearRules();
    transport.on(/^AT\+CMGS=\d+\r$/, '\r\n>');
    transport.on(/^0011[0-9A-F]*.$/, '0011000B915121551532F40000AA0548656C6C6F\r\n+CMGS:18\r\nOK\r\n');
    const second = await session.run('AT+CMGS=18', { promptData: '0011000B915121551532F40000AA0548656C6C6F' });
    expect(second.lines).toEqual(['+CMGS:18']);
  });

  it('joins +CMT and +CDS headers with the PDU line, whatever the length field says', async () => {
    const session = await openSession();
    transport.on('AT+CSQ', '\r\n+CSQ: 20,99\r\n+CDS:25\r\n0006D60B911326880736F4111011719551401110117195714000\r\nOK\r\n');
    const reply = await session.run('AT+CSQ');
    expect(reply.lines).toEqual(['+CSQ: 20,99']);
    expect(events).toEqual([{ type: 'report-delivered', length: 25, pdu: '0006D60B911326880736F4111011719551401110117195714000' }]);
    transport.emitData('\r\n+CMT: ,999\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n');
    expect(events[1]).toMatchObject({ type: 'message-delivered', length: 999 });
  });

  it('ignores vendor noise in the middle of a reply and reports the unknown outside one', async () => {
    const session = await openSession();
    transport.on('AT+COPS?', '\r\n^RSSI:14\r\n+COPS: 0,0,"CHINA MOBILE",2\r\n^DSFLOWRPT:0000,0,0\r\n^HCSQ:"LTE",52,46,151,34\r\n\r\nOK\r\n');
    const reply = await session.run('AT+COPS?');
    expect(reply.lines).toEqual(['+COPS: 0,0,"CHINA MOBILE",2']);
    expect(events.map((e) => e.type)).toEqual(['noise', 'noise', 'noise']);
    transport.emitData('\r\nSOMETHING ODD\r\n');
    expect(events[3]).toEqual({ type: 'unknown', line: 'SOMETHING ODD' });
  });

  it('keeps +CREG as a reply to AT+CREG? and as unsolicited elsewhere', async () => {
    const session = await openSession();
    transport.on('AT+CREG?', '\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect((await session.run('AT+CREG?')).lines).toEqual(['+CREG: 0,1']);
    transport.emitData('\r\n+CREG: 2\r\n');
    expect(events).toEqual([{ type: 'registration', stat: 2 }]);
  });

  it('times out a silent command and goes on with the next one', async () => {
    const session = await openSession(80);
    const started = Date.now();
    await expect(session.run('AT+CSQ')).rejects.toBeInstanceOf(AtTimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
    transport.on('AT', '\r\nOK\r\n');
    await expect(session.run('AT')).resolves.toMatchObject({ ok: true });
  });

  it('runs one command at a time', async () => {
    const session = await openSession();
    transport.on('AT+CGMM', '\r\nE1552\r\nOK\r\n');
    transport.on('AT+CGMR', '\r\n11.608.12.02.21\r\nOK\r\n');
    const [a, b] = await Promise.all([session.run('AT+CGMM'), session.run('AT+CGMR')]);
    expect(a.lines).toEqual(['E1552']);
    expect(b.lines).toEqual(['11.608.12.02.21']);
    expect(transport.writes).toEqual(['AT+CGMM\r', 'AT+CGMR\r']);
  });

  it('fails the pending command when the port closes and never logs a PIN', async () => {
    const traces: string[] = [];
    transport = new ScriptedTransport();
    await transport.open();
    const session = new AtSession(transport, { defaultTimeoutMs: 1000, onTrace: (_d, t) => traces.push(t) });
    const pending = session.run('AT+CPIN="1234"');
    transport.unplug();
    await expect(pending).rejects.toBeInstanceOf(PortClosedError);
    expect(traces.join()).not.toContain('1234');
    await expect(session.run('AT')).rejects.toMatchObject({ code: 'MODEM_PORT_CLOSED' });
  });

  it('fuzz: random and mutated bytes give only typed results, never a hang', async () => {
    const session = await openSession(30);
    const seeds = [
      '\r\n+CMTI: "SM",3\r\n',
      '\r\n+CMT: ,25\r\n0791',
      '\r\n+CME ERROR: SIM busy\r\n',
      '\r\n> ',
      '^BOOT:1,0,0,0,0\r\n',
      '+CMGL: 0,1,,22\r\nFFFF\r\nOK\r\n',
      '\x00\xff\x1a\r\r\n\n',
    ];
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.constantFrom(...seeds), fc.nat(20), fc.uint8Array({ maxLength: 4 })).map(([seed, at, bytes]) =>
        Buffer.concat([Buffer.from(seed.slice(0, at), 'latin1'), Buffer.from(bytes), Buffer.from(seed.slice(at), 'latin1')]),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 8 }), async (chunks) => {
        transport.clearRules();
        transport.on('AT', () => {
          for (const c of chunks) transport.emitData(c);
          return '\r\nOK\r\n';
        });
        const started = Date.now();
        try {
          await session.execute('AT', { timeoutMs: 30 });
        } catch (error) {
          expect(error).toBeInstanceOf(AtTimeoutError);
        }
        expect(Date.now() - started).toBeLessThan(500);
        for (const event of events) expect(typeof event.type).toBe('string');
        events.length = 0;
      }),
      { numRuns: 300 },
    );
  });
});

describe('vendor quirks', () => {
  it('are chosen from the identity and add their chatter to the noise', async () => {
    const { quirksFor } = await import('./vendors/index.js');
    expect(quirksFor('huawei', 'E1552').id).toBe('huawei');
    expect(quirksFor('SIMCOM_Ltd', 'SIMCOM_SIM7600E-H').id).toBe('simcom');
    expect(quirksFor('Quectel', 'EC25').id).toBe('quectel');
    expect(quirksFor('WAVECOM MODEM', 'MULTIBAND  900E  1800').id).toBe('wavecom');
    expect(quirksFor('Cinterion', 'MC75i').id).toBe('cinterion');
    expect(quirksFor(null, null).id).toBe('generic');
    const session = await openSession();
    transport.emitData('\r\n+WIND: 4\r\n');
    expect(events).toEqual([{ type: 'unknown', line: '+WIND: 4' }]);
    session.extraNoisePrefixes = quirksFor('WAVECOM MODEM', null).noisePrefixes;
    transport.emitData('\r\n+WIND: 4\r\n');
    expect(events[1]).toEqual({ type: 'noise', line: '+WIND: 4' });
  });
});
