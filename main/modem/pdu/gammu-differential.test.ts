import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { decodePdu, encodeDeliver, encodeStatusReport, encodeSubmit, isoWithOffset, measureText, type DecodedDeliver } from './index.js';
import { chineseText, gsmText, mixedText } from './test-arbitraries.js';
import { GSM7_EXTENSION_CODE } from './length.js';

/**
 * Differential tests against python3-gammu, an independent SMS PDU implementation (Debian package
 * python3-gammu; it loads only under /usr/bin/python3). One child process per batch.
 */
const PYTHON = '/usr/bin/python3';

function runPython(script: string, input: unknown, argument?: unknown): unknown {
  const args = argument === undefined ? ['-c', script] : ['-c', script, JSON.stringify(argument)];
  const result = spawnSync(PYTHON, args, { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (result.error) throw new Error(`Could not run ${PYTHON} (install python3-gammu): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`python3-gammu failed (is the python3-gammu package installed?):\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

// gammu's DecodePDU returns, for 7-bit text with extension characters, `Length` characters: the text
// followed by junk as long as the number of escapes. The decoder below keeps only the real text
// by counting septets (an extension character costs two) up to Length.
const DECODE_SCRIPT = String.raw`
import sys, json, gammu
EXT = set(json.loads(sys.argv[1]) if len(sys.argv) > 1 else [])
out = []
for hexpdu in json.load(sys.stdin):
    d = gammu.DecodePDU(bytes.fromhex(hexpdu), SMSC=True)
    text = d['Text']
    if d['Coding'].startswith('Default'):
        cost, keep = 0, 0
        for ch in text:
            if cost >= d['Length']:
                break
            cost += 2 if ch in EXT else 1
            keep += 1
        text = text[:keep]
    udh = d['UDH']
    out.append({'text': text, 'time': d['DateTime'].isoformat() if d['DateTime'] else None,
                'smscTime': d['SMSCDateTime'].isoformat() if d['SMSCDateTime'] else None, 'status': d['DeliveryStatus'], 'number': d['Number'], 'coding': d['Coding'], 'class': d['Class'],
                'udhType': udh['Type'], 'ref8': udh['ID8bit'], 'ref16': udh['ID16bit'], 'part': udh['PartNumber'], 'total': udh['AllParts'],
                'smsc': d['SMSC']['Number'], 'validity': d['SMSC']['Validity'], 'type': d['Type'], 'mr': d['MessageReference']})
print(json.dumps(out))
`;

const CODING: Record<string, string> = { gsm7: 'Default_No_Compression', ucs2: 'Unicode_No_Compression', '8bit': '8bit' };

/**
 * Two gammu quirks, not ours, are kept out of the samples: its GSM table decodes the extension
 * form feed (1B 0A) as junk, and in UCS2 text it treats '~' as its own escape character.
 */
function gammuSafe(text: string): string {
  const noFormFeed = text.replaceAll('\f', '');
  return measureText(noFormFeed).encoding === 'ucs2' ? noFormFeed.replaceAll('~', '') : noFormFeed;
}

/** Deterministic samples, so a failure names a text that can be replayed. */
const sample = <T>(arb: fc.Arbitrary<T>, seed: number, count: number) => fc.sample(arb, { seed, numRuns: count });

describe('differential against python3-gammu', () => {
  it('random texts encoded here decode identically in gammu (text, number, coding, concatenation, class)', () => {
    const texts = [...sample(gsmText.map(gammuSafe), 1, 150), ...sample(mixedText.map(gammuSafe), 2, 150), ...sample(chineseText, 3, 100)];
    const cases = texts.flatMap((text, i) =>
      encodeSubmit({ to: i % 2 ? '+8613800138000' : '13800138000', text, smsc: '+8613800100500', concatReference: i % 256, concat16: i % 5 === 0, flash: i % 7 === 0, validityMinutes: 60 }).map((part) => ({ part, i })),
    );
    const decoded = runPython(DECODE_SCRIPT, cases.map((c) => c.part.pdu), [...GSM7_EXTENSION_CODE.keys()]) as Array<Record<string, unknown>>;
    expect(decoded).toHaveLength(cases.length);
    cases.forEach(({ part, i }, k) => {
      const g = decoded[k]!;
      const context = `text #${i} part ${part.partNumber}/${part.partCount}: ${JSON.stringify(part.text)}`;
      expect(g.text, context).toBe(part.text);
      expect(g.type, context).toBe('Submit');
      expect(g.number, context).toBe(i % 2 ? '+8613800138000' : '13800138000');
      expect(g.smsc, context).toBe('+8613800100500');
      expect(g.coding, context).toBe(CODING[part.encoding]);
      expect(g.validity, context).toBe('60M');
      expect(g.class, context).toBe(i % 7 === 0 ? 0 : -1);
      if (part.partCount === 1) {
        expect(g.udhType, context).toBe('NoUDH');
      } else {
        expect(g.udhType, context).toBe(i % 5 === 0 ? 'ConcatenatedMessages16bit' : 'ConcatenatedMessages');
        expect(i % 5 === 0 ? g.ref16 : g.ref8, context).toBe(i % 256);
        expect([g.part, g.total], context).toEqual([part.partNumber, part.partCount]);
      }
    });
  });

  it('DELIVERs and STATUS-REPORTs encoded here decode identically in gammu (sender, local time, status)', () => {
    const deliveries = sample(
      fc.record({
        from: fc.oneof(fc.stringMatching(/^\+861[3-9]\d{9}$/), fc.stringMatching(/^\d{3,15}$/), fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/)),
        text: gsmText.map(gammuSafe).map((t) => t.slice(0, 60)),
        timestamp: fc.integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2089, 11, 30) }).map((t) => t - (t % 1000)),
        tz: fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
        flash: fc.boolean(),
      }),
      7,
      150,
    );
    const reports = sample(
      fc.record({
        mr: fc.integer({ min: 0, max: 255 }),
        to: fc.stringMatching(/^\+861[3-9]\d{9}$/),
        scts: fc.integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2089, 11, 25) }).map((t) => t - (t % 1000)),
        delay: fc.integer({ min: 0, max: 3 * 86_400 }).map((s) => s * 1000),
        status: fc.integer({ min: 0, max: 255 }),
        tz: fc.integer({ min: -48, max: 56 }).map((q) => q * 15),
      }),
      8,
      150,
    );
    const pdus = [
      ...deliveries.map((d) => encodeDeliver({ from: d.from, text: d.text, timestamp: d.timestamp, tzOffsetMinutes: d.tz, flash: d.flash }).pdu),
      ...reports.map((r) => encodeStatusReport({ messageReference: r.mr, recipient: r.to, scts: r.scts, dischargeTime: r.scts + r.delay, status: r.status, tzOffsetMinutes: r.tz }).pdu),
    ];
    const decoded = runPython(DECODE_SCRIPT, pdus, [...GSM7_EXTENSION_CODE.keys()]) as Array<Record<string, unknown>>;
    // gammu gives the sender's local time without the zone: compare with ours at the same offset.
    const local = (time: number, tz: number) => isoWithOffset(time, tz).slice(0, 19);
    deliveries.forEach((d, k) => {
      const g = decoded[k]!;
      const context = `DELIVER #${k}: ${JSON.stringify(d)}`;
      expect(g.type, context).toBe('Deliver');
      expect(g.number, context).toBe(d.from);
      expect(g.text, context).toBe(d.text);
      expect(g.time, context).toBe(local(d.timestamp, d.tz));
      expect(g.class, context).toBe(d.flash ? 0 : -1);
    });
    reports.forEach((r, k) => {
      const g = decoded[deliveries.length + k]!;
      const context = `STATUS-REPORT #${k}: ${JSON.stringify(r)}`;
      expect(g.type, context).toBe('Status_Report');
      expect([g.mr, g.number, g.status], context).toEqual([r.mr, r.to, r.status]);
      expect([g.time, g.smscTime], context).toEqual([local(r.scts, r.tz), local(r.scts + r.delay, r.tz)]);
    });
  });

  it('random texts encoded by gammu as DELIVER parts decode identically here', () => {
    const texts = [...sample(gsmText.map(gammuSafe), 4, 100), ...sample(mixedText.map(gammuSafe), 5, 100), ...sample(chineseText, 6, 60)];
    const ENCODE_SCRIPT = String.raw`
import sys, json, gammu, datetime
out = []
for i, text in enumerate(json.load(sys.stdin)):
    unicode = any(ord(c) > 0x7f and c not in '£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà€¤' for c in text) or any(ord(c) < 32 and c not in '\n\r' for c in text)
    info = {'Class': -1, 'Unicode': unicode, 'Entries': [{'ID': 'ConcatenatedTextLong', 'Buffer': text}]}
    parts = []
    for p in gammu.EncodeSMS(info):
        p.update({'Number': '+8613912345678', 'SMSC': {'Location': 0, 'Number': '+8613800591500'}, 'Folder': 0, 'Location': 0,
                  'DateTime': datetime.datetime(2026, 11, 21, 9, 30, i % 60), 'SMSCDateTime': datetime.datetime(2026, 11, 21, 9, 30, i % 60),
                  'Type': 'Deliver', 'State': 'Read'})
        parts.append(gammu.EncodePDU(p, 'Deliver').hex())
    out.append(parts)
print(json.dumps(out))
`;
    const encoded = runPython(ENCODE_SCRIPT, texts) as string[][];
    expect(encoded).toHaveLength(texts.length);
    encoded.forEach((pdus, i) => {
      const parts = pdus.map((hex) => decodePdu(hex) as DecodedDeliver);
      const context = `text #${i}: ${JSON.stringify(texts[i])}`;
      expect(parts.map((p) => p.text).join(''), context).toBe(texts[i]);
      for (const p of parts) {
        expect(p.sender.number, context).toBe('+8613912345678');
        expect(p.smsc, context).toBe('+8613800591500');
        expect(p.timestamp, context).toBe(Date.UTC(2026, 10, 21, 9, 30, i % 60));
      }
      if (pdus.length > 1) {
        expect(parts.map((p) => p.concat?.sequence), context).toEqual(parts.map((_, k) => k + 1));
        expect(new Set(parts.map((p) => p.concat?.reference)).size, context).toBe(1);
      }
      // Same part count as ours wherever gammu picked the same alphabet.
      if (parts[0]!.encoding === measureText(texts[i]!).encoding) expect(pdus.length, context).toBe(measureText(texts[i]!).parts);
    });
  });
});
