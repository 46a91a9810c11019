import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyFinalLine, describeFinal } from './final-result.js';
import { LineFramer } from './framer.js';
import {
  chooseStorage,
  cnmiCandidates,
  parseCmgl,
  parseCmgr,
  parseCmgs,
  parseCnmiSupport,
  parseCops,
  parseCpin,
  parseCpmsSupport,
  parseCpmsUse,
  parseCreg,
  parseCsca,
  parseCsq,
  parseImei,
  parseImsi,
  parseInfoText,
  splitFields,
} from './parsers.js';
import { classifyUnsolicited, joinPduUnsolicited } from './unsolicited.js';

describe('final result classification', () => {
  it.each([
    ['OK', { kind: 'ok' }],
    ['ERROR', { kind: 'error', text: 'ERROR' }],
    ['+CME ERROR: 11', { kind: 'cme', code: 11, text: '11' }],
    ['+CMS ERROR:331', { kind: 'cms', code: 331, text: '331' }],
    ['+CMS ERROR: network timeout', { kind: 'cms', code: 332, text: 'network timeout' }],
    ['+CME ERROR: "SIM PIN required"', { kind: 'cme', code: 11, text: 'SIM PIN required' }],
    ['+CME ERROR: something vendor', { kind: 'cme', code: null, text: 'something vendor' }],
    ['COMMAND NOT SUPPORT', { kind: 'unsupported', text: 'COMMAND NOT SUPPORT' }],
    ['TOO MANY PARAMETERS', { kind: 'unsupported', text: 'TOO MANY PARAMETERS' }],
    ['NO CARRIER', { kind: 'call', text: 'NO CARRIER' }],
  ])('%s', (line, expected) => {
    expect(classifyFinalLine(line)).toEqual(expected);
  });

  it('does not take information lines for results', () => {
    for (const line of ['+CSQ: 12,99', 'OKAY', 'SIMCOM_Ltd', '+CMGS: 4', '0']) expect(classifyFinalLine(line)).toBeUndefined();
  });

  it('describes results for people', () => {
    expect(describeFinal({ kind: 'cms', code: 331, text: 'no network service' })).toBe('+CMS ERROR 331 (no network service)');
    expect(describeFinal({ kind: 'cme', code: 10, text: '10' })).toBe('+CME ERROR 10');
  });
});

describe('line framer', () => {
  it('splits on \\r, \\n and their mixtures and waits for the rest of a line', () => {
    const framer = new LineFramer();
    expect(framer.push('\r\n+CSQ: 1')).toEqual([]);
    expect(framer.push('2,99\r\rOK\n\r')).toEqual([
      { kind: 'line', text: '+CSQ: 12,99' },
      { kind: 'line', text: 'OK' },
    ]);
  });

  it('recognises a prompt without line ending only while one is awaited', () => {
    const framer = new LineFramer();
    expect(framer.push('\r\n> ')).toEqual([]);
    framer.reset();
    framer.awaitingPrompt = true;
    expect(framer.push('\r\n>')).toEqual([{ kind: 'prompt' }]);
  });

  it('cuts an endless line instead of growing without bound', () => {
    const framer = new LineFramer();
    const items = framer.push('A'.repeat(10_000));
    expect(items).toHaveLength(1);
  });
});

describe('unsolicited codes', () => {
  it('reads +CMTI/+CDSI with or without quotes and spaces, index 0 included', () => {
    expect(classifyUnsolicited('+CMTI: "SM",0')).toEqual({ type: 'message-stored', storage: 'SM', index: 0 });
    expect(classifyUnsolicited('+CMTI:"ME",12')).toEqual({ type: 'message-stored', storage: 'ME', index: 12 });
    expect(classifyUnsolicited('+CDSI: SR,3')).toEqual({ type: 'report-stored', storage: 'SR', index: 3 });
  });

  it('joins +CMT/+CDS with their PDU and keeps the length field only as information', () => {
    expect(joinPduUnsolicited('+CMT: "",24', '0791AB')).toEqual({ type: 'message-delivered', length: 24, pdu: '0791AB' });
    expect(joinPduUnsolicited('+CDS:25', '00AB')).toEqual({ type: 'report-delivered', length: 25, pdu: '00AB' });
  });

  it('treats Huawei and call chatter as noise', () => {
    for (const line of ['^RSSI:14', '^HCSQ:"LTE",1,2,3,4', '^BOOT:12,0,0,0,72', '^MODE:5,4', '^SIMST:1', '^STIN:0,0', '^CEND:1,0,104', '^CONN:1,0', '^ORIG:1,0', '+CLIP: "123",129']) {
      expect(classifyUnsolicited(line)?.type).toBe('noise');
    }
    expect(classifyUnsolicited('RING')).toEqual({ type: 'ring' });
    expect(classifyUnsolicited('^SMMEMFULL: "SM"')).toEqual({ type: 'storage-full', storage: 'SM' });
  });

  it('leaves reply lines alone when the command expects them', () => {
    expect(classifyUnsolicited('+CREG: 0,1', ['+CREG'])).toBeUndefined();
    expect(classifyUnsolicited('+CREG: 1,"1A2B","00C3"')).toEqual({ type: 'registration', stat: 1 });
  });
});

describe('reply parsers', () => {
  it('splits fields honouring quotes and parentheses', () => {
    expect(splitFields('0,0,"CHINA, MOBILE",7')).toEqual(['0', '0', 'CHINA, MOBILE', '7']);
    expect(splitFields('("SM","ME"),("SM")')).toEqual(['("SM","ME")', '("SM")']);
  });

  it('CSQ: signal in dBm and bars, 99 unknown', () => {
    expect(parseCsq(['+CSQ: 31,99'])).toEqual({ rssi: 31, ber: 99, dbm: -51, bars: 5 });
    expect(parseCsq(['+CSQ:10,0'])).toMatchObject({ dbm: -93, bars: 3 });
    expect(parseCsq(['+CSQ: 99,99'])).toEqual({ rssi: 99, ber: 99, dbm: null, bars: 0 });
    expect(parseCsq(['garbage'])).toBeNull();
  });

  it('CREG: with and without <n>, with location', () => {
    expect(parseCreg(['+CREG: 0,1'])).toMatchObject({ stat: 1, state: 'home', registered: true });
    expect(parseCreg(['+CREG: 2,5,"1A2B","00C3F1"'])).toMatchObject({ state: 'roaming', lac: '1A2B', cellId: '00C3F1' });
    expect(parseCreg(['+CREG: 3'])).toMatchObject({ state: 'denied', registered: false });
    expect(parseCreg(['+CGREG: 0,2'], '+CGREG')).toMatchObject({ state: 'searching' });
  });

  it('COPS: name, mode only when not registered', () => {
    expect(parseCops(['+COPS: 0,0,"CHN-UNICOM",7'])).toEqual({ mode: 0, format: 0, name: 'CHN-UNICOM', accessTechnology: 7 });
    expect(parseCops(['+COPS: 0'])).toEqual({ mode: 0, format: null, name: null, accessTechnology: null });
  });

  it('CPMS: support lists, usage with and without names, storage choice', () => {
    const support = parseCpmsSupport(['+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM","SR")'])!;
    expect(chooseStorage(support)).toEqual(['SM', 'SM', 'SM']);
    expect(chooseStorage(parseCpmsSupport(['+CPMS: (ME,MT),(ME),(ME,MT)'])!)).toEqual(['MT', 'ME', 'MT']);
    expect(parseCpmsSupport(['+CPMS: "SM","SM","SM"'])).toEqual({ read: ['SM'], write: ['SM'], receive: ['SM'] });
    expect(parseCpmsUse(['+CPMS: "SM",3,20,"SM",3,20,"SM",3,20'])![0]).toEqual({ storage: 'SM', used: 3, total: 20 });
    expect(parseCpmsUse(['+CPMS: 20,20,20,20,20,20'])![0]).toEqual({ storage: null, used: 20, total: 20 });
  });

  it('CNMI: ranges expanded and fallbacks filtered by support', () => {
    expect(parseCnmiSupport(['+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)'])).toEqual([[0, 1, 2], [0, 1, 2, 3], [0, 2], [0, 1, 2], [0, 1]]);
    expect(cnmiCandidates(parseCnmiSupport(['+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)']))[0]).toBe('2,1,0,2,0');
    expect(cnmiCandidates(parseCnmiSupport(['+CNMI: (0,1),(0,1),(0),(0),(0)']))[0]).toBe('1,1,0,0,0');
    const blind = cnmiCandidates(null);
    expect(blind[0]).toBe('2,1,0,2,0');
    expect(blind).toContain('2,1');
  });

  it('CMGL: entries with index 0, alpha field and lengths that disagree with the PDU', () => {
    const entries = parseCmgl([
      '+CMGL: 0,1,,23',
      '07913366003051F5040B913366304381F900005180719120348004D4F29C0E',
      '+CMGL: 5,0,"",999',
      '0791AB',
      '+CMGL: 6,0,,20',
      'NOT A PDU',
    ]);
    expect(entries.map((e) => [e.index, e.stat, e.length])).toEqual([
      [0, 1, 23],
      [5, 0, 999],
    ]);
  });

  it('CMGR: message, empty slot; CMGS: message reference', () => {
    expect(parseCmgr(['+CMGR: 0,,29', '0791198904100161240C911979099137640000511090718303220BC8B4421174CFD175D014'], 7)).toMatchObject({ index: 7, stat: 0, length: 29 });
    expect(parseCmgr([], 3)).toBeNull();
    expect(parseCmgs(['+CMGS: 64'])).toBe(64);
    expect(parseCmgs(['+CMGS:0,"26/11/22,10:00:00+32"'])).toBe(0);
    expect(parseCmgs([])).toBeNull();
  });

  it('CPIN, CSCA, identity', () => {
    expect(parseCpin(['+CPIN: SIM PIN'])).toEqual({ state: 'sim-pin', text: 'SIM PIN' });
    expect(parseCpin(['+CPIN: "READY"'])).toEqual({ state: 'ready', text: 'READY' });
    expect(parseCsca(['+CSCA: "+8613800100500",145'])).toEqual({ address: '+8613800100500', type: 145 });
    expect(parseCsca(['+CSCA: "",129'])).toBeNull();
    expect(parseCsca(['+CSCA: "002B0038003600310033003800300030003100300030003500300030",145'])).toEqual({ address: '+8613800100500', type: 145 });
    expect(parseImei(['+CGSN: "867322034487652"'])).toBe('867322034487652');
    expect(parseImei(['IMEI: 356222001143759'])).toBe('356222001143759');
    expect(parseImsi(['460001234567890'])).toBe('460001234567890');
    expect(parseInfoText(['+CGMI: "Quectel"'], '+CGMI')).toBe('Quectel');
    expect(parseInfoText(['Manufacturer: huawei'], '+CGMI')).toBe('huawei');
    expect(parseInfoText([], '+CGMI')).toBeNull();
  });
});

describe('parser fuzz', () => {
  it('every parser returns a value or null for any lines, never throws', () => {
    const prefixes = ['+CSQ: ', '+CREG: ', '+COPS: ', '+CPMS: ', '+CNMI: ', '+CMGL: ', '+CMGR: ', '+CMGS: ', '+CPIN: ', '+CSCA: ', '+CGSN: ', ''];
    const line = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.constantFrom(...prefixes), fc.string({ maxLength: 40 })).map(([p, rest]) => p + rest),
      fc.tuple(fc.constantFrom(...prefixes), fc.array(fc.oneof(fc.nat(400).map(String), fc.constant('"SM"'), fc.constant('(0-3)'), fc.constant('')), { maxLength: 8 })).map(
        ([p, fields]) => p + fields.join(','),
      ),
      fc.stringMatching(/^[0-9A-F]{0,80}$/),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        parseCsq(lines);
        parseCreg(lines);
        parseCops(lines);
        const support = parseCpmsSupport(lines);
        if (support) chooseStorage(support);
        parseCpmsUse(lines);
        cnmiCandidates(parseCnmiSupport(lines));
        parseCmgl(lines);
        parseCmgr(lines, 0);
        parseCmgs(lines);
        parseCpin(lines);
        parseCsca(lines);
        parseImei(lines);
        parseImsi(lines);
        parseInfoText(lines, '+CGMI');
        for (const l of lines) {
          classifyFinalLine(l);
          classifyUnsolicited(l);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
