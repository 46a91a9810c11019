import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeClientText, encodeForClient, replyEncodingFor } from './encoding.js';

/**
 * The four ways a client's text can land in a utf8mb4 column, computed here the way
 * MySQL and the clients do it (the MariaDB test checks the same against a real server).
 */
const MYSQL_LATIN1_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const stockOnLatin1 = (text: string) =>
  Buffer.from(String.fromCodePoint(...[...iconv.encode(text, 'gbk')].map((b) => (b >= 0x80 && b <= 0x9f ? MYSQL_LATIN1_HIGH[b - 0x80]! : b))), 'utf8');
const stockOnUtf8 = (text: string) => Buffer.from(iconv.encode(text, 'gbk').toString('latin1'), 'utf8');
const rawGbk = (text: string) => iconv.encode(text, 'gbk');
const unicode = (text: string) => Buffer.from(text, 'utf8');

/** What the stock client does on reading: bytes its connection hands over, iso2gbk. */
const stockReads = (stored: { bytes: Buffer; charset: string }, connection: 'latin1' | 'utf8') => {
  // MySQL converts the stored text to the connection charset; the client decodes ISO-8859-1 and re-reads as GBK.
  const storedText = stored.charset === 'latin1' ? String.fromCodePoint(...[...stored.bytes].map((b) => (b >= 0x80 && b <= 0x9f ? MYSQL_LATIN1_HIGH[b - 0x80]! : b))) : stored.bytes.toString('utf8');
  const wire = connection === 'latin1' ? Buffer.from([...storedText].map((ch) => { const cp = ch.codePointAt(0)!; const i = MYSQL_LATIN1_HIGH.indexOf(cp); return cp <= 0xff ? cp : i >= 0 ? 0x80 + i : 0x3f; })) : Buffer.from(storedText, 'utf8');
  const javaString = connection === 'latin1' ? wire.toString('latin1') : wire.toString('utf8');
  return iconv.decode(Buffer.from(javaString, 'latin1'), 'gbk');
};

const storeText = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((cp) => String.fromCodePoint(cp)) },
      { weight: 2, arbitrary: fc.constantFrom('，', '。', '！', '【', '】', '￥', '：', '…', '“', '”') },
      { weight: 2, arbitrary: fc.constantFrom(...'0123456789ABCabc -:/.') },
    ),
    { minLength: 1, maxLength: 80 },
  )
  .map((chars) => chars.join(''))
  .filter((text) => /[\u4e00-\u9fa5]/.test(text) && iconv.decode(iconv.encode(text, 'gbk'), 'gbk') === text);

describe('reading CONTENT whichever way the client wrote it', () => {
  it('a Chinese text reads back the same from all four paths', () => {
    fc.assert(
      fc.property(storeText, (text) => {
        expect(decodeClientText(unicode(text))).toMatchObject({ text, encoding: 'utf8' });
        // Raw GBK (only in a latin1 table someone else made) can be valid UTF-8 by chance; past a few characters it practically never is.
        if ([...text].length >= 6) expect(decodeClientText(rawGbk(text))?.text).toBe(text);
        const latin1 = decodeClientText(stockOnLatin1(text))!;
        expect(latin1.text).toBe(text);
        expect(['gbk-latin1']).toContain(latin1.encoding);
        const iso = decodeClientText(stockOnUtf8(text))!;
        expect(iso.text).toBe(text);
        if (iso.certain) expect(iso.encoding).toBe('gbk-iso8859');
      }),
      { numRuns: 400, seed: 20261206 },
    );
  });

  it('tells the stock client’s two connections apart by the bytes 0x80–0x9F', () => {
    // 凘 is 84 40 in GBK (0x84: „ in MySQL's latin1, a C1 control in ISO-8859-1); 尊敬 is D7 F0 BE B4, 丂 is 81 40 (a byte both map alike).
    expect(decodeClientText(stockOnLatin1('凘会员'))).toEqual({ text: '凘会员', encoding: 'gbk-latin1', certain: true });
    expect(decodeClientText(stockOnUtf8('凘会员'))).toEqual({ text: '凘会员', encoding: 'gbk-iso8859', certain: true });
    expect(decodeClientText(stockOnLatin1('尊敬'))).toMatchObject({ text: '尊敬', certain: false });
    expect(decodeClientText(stockOnUtf8('丂'))).toMatchObject({ text: '丂', certain: false });
  });

  it('leaves real Latin text alone and refuses bytes that are no text', () => {
    expect(decodeClientText(unicode('Café Müller, 5 € off'))).toEqual({ text: 'Café Müller, 5 € off', encoding: 'utf8', certain: true });
    expect(decodeClientText(unicode('13800138000,13900139000'))).toEqual({ text: '13800138000,13900139000', encoding: 'ascii', certain: false });
    expect(decodeClientText(Buffer.from([0xff, 0xff, 0x80]))).toBeUndefined();
  });
});

describe('writing replies so each client reads them back', () => {
  it('the stock client reads GBK written in its convention, on either connection charset', () => {
    fc.assert(
      fc.property(storeText, (text) => {
        expect(stockReads(encodeForClient(text, 'gbk-latin1'), 'latin1')).toBe(text);
        expect(stockReads(encodeForClient(text, 'gbk-iso8859'), 'utf8')).toBe(text);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a utf8 client gets real text; a detected convention picks the reply convention', () => {
    expect(encodeForClient('您好', 'utf8')).toEqual({ bytes: Buffer.from('您好', 'utf8'), charset: 'utf8mb4' });
    expect(replyEncodingFor('gbk')).toBe('gbk-latin1');
    expect(replyEncodingFor('gbk-iso8859')).toBe('gbk-iso8859');
    expect(replyEncodingFor('ascii')).toBeUndefined();
  });
});
