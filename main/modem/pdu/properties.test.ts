import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  countUnits,
  decodePdu,
  encodeDeliver,
  encodeDeliverParts,
  encodeStatusReport,
  encodeSubmit,
  measureText,
  PART_LIMITS,
  type DecodedDeliver,
  type DecodedStatusReport,
  type DecodedSubmit,
} from './index.js';
import { anyText, chineseText, gsmText, GSM_BASIC_CHARS } from './test-arbitraries.js';

const RUNS = { numRuns: 400 };
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

const recipient = fc.oneof(
  fc.stringMatching(/^\+861[3-9]\d{9}$/),
  fc.stringMatching(/^1[3-9]\d{9}$/),
  fc.stringMatching(/^\d{3,20}$/),
  fc.stringMatching(/^\+\d{1,20}$/),
);

describe('SMS-SUBMIT properties', () => {
  it('encode then decode returns the text, part by part and joined', () => {
    fc.assert(
      fc.property(anyText, recipient, fc.integer({ min: 0, max: 255 }), fc.boolean(), (text, to, ref, concat16) => {
        const parts = encodeSubmit({ to, text, concatReference: concat16 ? ref * 257 : ref, concat16, validityMinutes: 1440 });
        const decoded = parts.map((p) => decodePdu(p.pdu) as DecodedSubmit);
        expect(decoded.map((d) => d.text)).toEqual(parts.map((p) => p.text));
        expect(decoded.map((d) => d.text).join('')).toBe(text);
        for (const [i, d] of decoded.entries()) {
          expect(d.type).toBe('submit');
          expect(d.recipient.number).toBe(to);
          expect(d.encoding).toBe(parts[i]!.encoding);
          expect(d.statusReportRequested).toBe(true);
          expect(d.validity).toEqual({ format: 'relative', minutes: 1440 });
          if (parts.length > 1) expect(d.concat).toEqual({ reference: concat16 ? ref * 257 : ref, total: parts.length, sequence: i + 1, bits: concat16 ? 16 : 8 });
          else expect(d.concat).toBeUndefined();
        }
      }),
      RUNS,
    );
  });

  it('parts never exceed their limits and never split a surrogate pair or an escape sequence', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, concat16) => {
        const parts = encodeSubmit({ to: '+8613800138000', text, concatReference: 1, concat16 });
        const encoding = parts[0]!.encoding;
        const limits = PART_LIMITS[encoding];
        const limit = parts.length === 1 ? limits.single : concat16 ? limits.concat16 : limits.concat8;
        for (const part of parts) {
          expect(countUnits(part.text, encoding)).toBeLessThanOrEqual(limit);
          // 1 first octet + 1 MR + 2 + 7 address + 1 PID + 1 DCS + 1 UDL + at most 140 octets of user data.
          expect(part.tpduLength).toBeLessThanOrEqual(154);
          expect(part.tpduLength).toBe((part.pdu.length - 2) / 2);
        }
        for (let i = 0; i + 1 < parts.length; i++) {
          const splitPair = isHigh(parts[i]!.text.charCodeAt(parts[i]!.text.length - 1)) && isLow(parts[i + 1]!.text.charCodeAt(0));
          expect(splitPair, `surrogate pair split between parts ${i + 1} and ${i + 2}`).toBe(false);
        }
        // A part border inside an escape sequence would change the text: the escape alone decodes as a space.
        expect(parts.map((p) => p.text).join('')).toBe(text);
      }),
      RUNS,
    );
  });

  it('fills every part but the last as far as the next character allows', () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, chineseText), (text) => {
        const parts = encodeSubmit({ to: '10086', text, concatReference: 9 });
        if (parts.length === 1) return;
        const encoding = parts[0]!.encoding;
        for (let i = 0; i < parts.length - 1; i++) {
          const used = countUnits(parts[i]!.text, encoding);
          const next = [...parts[i + 1]!.text][0]!;
          expect(used + countUnits(next, encoding)).toBeGreaterThan(PART_LIMITS[encoding].concat8);
        }
      }),
      RUNS,
    );
  });

  it('measureText agrees with encodeSubmit on encoding, parts and units', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const m = measureText(text);
        const parts = encodeSubmit({ to: '10086', text, concatReference: 3 });
        expect(m.parts).toBe(parts.length);
        expect(m.encoding).toBe(parts[0]!.encoding);
        expect(m.units).toBe(countUnits(text, m.encoding));
        expect(m.characters).toBe([...text].length);
        expect(m.remainingInPart).toBeGreaterThanOrEqual(0);
        expect(m.remainingInPart).toBe(m.perPart - countUnits(parts[parts.length - 1]!.text, m.encoding));
      }),
      RUNS,
    );
  });

  it('measures the cases the send form shows', () => {
    expect(measureText('')).toMatchObject({ encoding: 'gsm7', units: 0, parts: 1, perPart: 160, remainingInPart: 160 });
    expect(measureText('x'.repeat(160))).toMatchObject({ parts: 1, remainingInPart: 0 });
    expect(measureText('x'.repeat(161))).toMatchObject({ parts: 2, perPart: 153, remainingInPart: 145 });
    expect(measureText('€'.repeat(80))).toMatchObject({ units: 160, characters: 80, parts: 1 }); // the escape counts
    expect(measureText('€'.repeat(77))).toMatchObject({ units: 154, parts: 1, remainingInPart: 6 });
    expect(measureText('€'.repeat(81))).toMatchObject({ parts: 2, remainingInPart: 153 - 10 }); // 76 € per part, 5 left over
    expect(measureText('你'.repeat(70))).toMatchObject({ encoding: 'ucs2', parts: 1, remainingInPart: 0 });
    expect(measureText('你'.repeat(71))).toMatchObject({ parts: 2, perPart: 67, remainingInPart: 63 });
    expect(measureText('😀'.repeat(35))).toMatchObject({ units: 70, characters: 35, parts: 1 });
    expect(measureText('你'.repeat(66) + '😀')).toMatchObject({ units: 68, parts: 1 });
    expect(measureText('你'.repeat(70) + '😀')).toMatchObject({ parts: 2 });
    // 66 units then an emoji: the pair does not fit in the 67th unit and moves whole to part 2.
    const parts = encodeSubmit({ to: '10086', text: '你'.repeat(66) + '😀' + '你'.repeat(10), concatReference: 1 });
    expect(parts.map((p) => p.text.length)).toEqual([66, 12]);
    // 152 septets then an escape sequence: the € moves whole to part 2.
    const gsm = encodeSubmit({ to: '10086', text: 'a'.repeat(152) + '€' + 'b'.repeat(10), concatReference: 1 });
    expect(gsm.map((p) => p.text)).toEqual(['a'.repeat(152), '€' + 'b'.repeat(10)]);
  });

  it('a single GSM character and a single non-GSM character choose gsm7 and ucs2', () => {
    fc.assert(
      fc.property(fc.constantFrom(...GSM_BASIC_CHARS), (ch) => {
        expect(encodeSubmit({ to: '10086', text: ch })[0]!.encoding).toBe('gsm7');
        expect(encodeSubmit({ to: '10086', text: ch + '中' })[0]!.encoding).toBe('ucs2');
      }),
    );
  });
});

const timestamp = fc.integer({ min: Date.UTC(1990, 0, 2), max: Date.UTC(2089, 11, 30) }).map((t) => t - (t % 1000));
const tzOffset = fc.integer({ min: -79, max: 79 }).map((q) => q * 15);
const alphanumericSender = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .]{0,10}$/);

describe('SMS-DELIVER and STATUS-REPORT properties', () => {
  it('encodeDeliver then decode returns sender, text, time and zone', () => {
    fc.assert(
      fc.property(fc.oneof(recipient, alphanumericSender), anyText.filter((t) => measureText(t).parts === 1), timestamp, tzOffset, fc.boolean(), (from, text, time, tz, flash) => {
        const { pdu, tpduLength } = encodeDeliver({ from, text, timestamp: time, tzOffsetMinutes: tz, flash });
        const d = decodePdu(pdu) as DecodedDeliver;
        expect(d).toMatchObject({ type: 'deliver', text, timestamp: time, tzOffsetMinutes: tz, messageClass: flash ? 0 : null });
        expect(d.sender.number).toBe(from);
        expect(d.sender.type).toBe(/^[A-Za-z]/.test(from) ? 'alphanumeric' : from.startsWith('+') ? 'international' : 'unknown');
        expect(decodePdu(pdu.slice(pdu.length - tpduLength * 2), { hasSmsc: false })).toMatchObject({ text, smsc: null });
      }),
      RUNS,
    );
  });

  it('encodeDeliver with a concatenation header of either size keeps reference, part and total', () => {
    fc.assert(
      fc.property(fc.constantFrom<8 | 16>(8, 16), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 255 }), fc.nat(), chineseText, (bits, ref, total, seq, text) => {
        const reference = bits === 8 ? ref % 256 : ref;
        const sequence = (seq % total) + 1;
        const partText = text.slice(0, bits === 8 ? 67 : 66).replace(/[\ud800-\udbff]$/, '');
        const d = decodePdu(encodeDeliver({ from: '10086', text: partText, timestamp: Date.UTC(2026, 0, 1), concat: { reference, total, sequence, bits } }).pdu) as DecodedDeliver;
        expect(d.concat).toEqual({ reference, total, sequence, bits });
        expect(d.text).toBe(partText);
      }),
      RUNS,
    );
  });

  it('encodeDeliverParts gives parts that reassemble to the text', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 255 }), timestamp, (text, reference, time) => {
        const parts = encodeDeliverParts({ from: '+8613912345678', text, timestamp: time, reference }).map((p) => decodePdu(p.pdu) as DecodedDeliver);
        expect(parts.map((p) => p.text).join('')).toBe(text);
        expect(parts.length).toBe(measureText(text).parts);
        if (parts.length > 1) expect(parts.map((p) => p.concat?.sequence)).toEqual(parts.map((_, i) => i + 1));
      }),
      RUNS,
    );
  });

  it('encodeStatusReport then decode returns the fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), recipient, timestamp, timestamp, fc.integer({ min: 0, max: 255 }), tzOffset, (mr, to, scts, dt, status, tz) => {
        const r = decodePdu(encodeStatusReport({ messageReference: mr, recipient: to, scts, dischargeTime: dt, status, tzOffsetMinutes: tz }).pdu) as DecodedStatusReport;
        expect(r).toMatchObject({ type: 'status-report', messageReference: mr, scts, dischargeTime: dt, status, sctsTzOffsetMinutes: tz });
        expect(r.recipient.number).toBe(to);
        expect(r.outcome).toBe(status < 0x20 ? 'delivered' : status < 0x40 ? 'pending' : 'failed');
      }),
      RUNS,
    );
  });
});
