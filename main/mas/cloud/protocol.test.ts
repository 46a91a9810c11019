import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  CloudMasRefusal,
  compactTime,
  decodeSubmitBody,
  fillTemplate,
  macMatches,
  parseParams,
  spacedTime,
  statusReportOf,
  submitFields,
} from './protocol.js';

/** Decoding and the mac, checked against values computed here from the field list, not by the module. */
const fields = { ecName: '好又多超市', apId: 'hdkjdx', mobiles: '13800138000,13900139000', content: '您的订单已发货{单号1234}', sign: 'wHwvfNuH5', addSerial: '' };
const SECRET = 's3cret';
const md5 = (text: string) => createHash('md5').update(Buffer.from(text, 'utf8')).digest('hex');
const mac = md5(fields.ecName + fields.apId + SECRET + fields.mobiles + fields.content + fields.sign + fields.addSerial);
const json = JSON.stringify({ ...fields, secretKey: SECRET, mac });

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CloudMasRefusal) return error.rspcod;
    throw error;
  }
  return 'accepted';
}

describe('云MAS request bodies', () => {
  const variants: Array<[string, Buffer, string | undefined]> = [
    ['Base64, no content type', Buffer.from(Buffer.from(json).toString('base64')), undefined],
    ['Base64 as text/plain', Buffer.from(Buffer.from(json).toString('base64')), 'text/plain'],
    ['Base64 as application/json', Buffer.from(Buffer.from(json).toString('base64')), 'application/json'],
    ['Base64 with MIME line breaks', Buffer.from(Buffer.from(json).toString('base64').replace(/(.{76})/g, '$1\r\n')), undefined],
    ['Base64 in a JSON string', Buffer.from(JSON.stringify(Buffer.from(json).toString('base64'))), 'application/json'],
    ['plain JSON', Buffer.from(json), 'application/json;charset=UTF-8'],
    ['form fields, UTF-8', Buffer.from(new URLSearchParams({ ...fields, secretKey: SECRET, mac }).toString()), 'application/x-www-form-urlencoded'],
    [
      'form fields, GBK',
      Buffer.from(
        Object.entries({ ...fields, mac })
          .map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('')}`)
          .join('&'),
      ),
      'application/x-www-form-urlencoded; charset=GBK',
    ],
    ['one form field holding the Base64', Buffer.from(`data=${Buffer.from(json).toString('base64')}`), 'application/x-www-form-urlencoded'],
  ];
  for (const [name, body, contentType] of variants) {
    it(`reads ${name}, and the mac checks out`, () => {
      const decoded = submitFields(decodeSubmitBody(body, contentType));
      expect(decoded).toMatchObject(fields);
      expect(macMatches(decoded, SECRET, false)).toBe(true);
      expect(macMatches(decoded, 'other', false)).toBe(false);
    });
  }

  it('accepts the mac in upper case, refuses one character changed', () => {
    const decoded = submitFields({ ...fields, mac: mac.toUpperCase() });
    expect(macMatches(decoded, SECRET, false)).toBe(true);
    expect(macMatches({ ...decoded, content: `${fields.content}!` }, SECRET, false)).toBe(false);
  });

  it('computes the template mac over templateId, mobiles and params', () => {
    const t = { ecName: 'E', apId: 'A', templateId: 'T1', mobiles: '13800138000', params: '["张三","5"]', sign: 'S', addSerial: '01' };
    const decoded = submitFields({ ...t, mac: md5(`EA${SECRET}T113800138000["张三","5"]S01`) });
    expect(macMatches(decoded, SECRET, true)).toBe(true);
    expect(macMatches(decoded, SECRET, false)).toBe(false);
  });

  it('answers InvalidMessage for every kind of garbage, never another error', () => {
    const garbage: Array<[Buffer, string | undefined]> = [
      [Buffer.alloc(0), undefined],
      [Buffer.from('   '), 'text/plain'],
      [Buffer.from('not base64 at all!'), undefined],
      [Buffer.from(Buffer.from('[1,2,3]').toString('base64')), undefined],
      [Buffer.from(Buffer.from('hello world').toString('base64')), undefined],
      [Buffer.from('{"ecName":'), 'application/json'],
      [Buffer.from('"%%%"'), 'application/json'],
      [Buffer.from('[]'), 'application/json'],
      [Buffer.from('a=1&b=2'), 'application/x-www-form-urlencoded'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x81]), 'application/octet-stream'],
      [Buffer.from('%E4%B8'), 'application/x-www-form-urlencoded; charset=nonsense'],
    ];
    for (const [body, contentType] of garbage) {
      expect(refusal(() => decodeSubmitBody(body, contentType)), body.toString()).toBe('InvalidMessage');
    }
    expect(refusal(() => submitFields({ ecName: { nested: true } }))).toBe('InvalidMessage');
  });

  it('fills template slots in order and refuses too few params', () => {
    expect(fillTemplate('您的验证码是{1}，{2}分钟内有效', parseParams('["8361","5"]'))).toBe('您的验证码是8361，5分钟内有效');
    expect(fillTemplate('会员日全场八折', parseParams('[""]'))).toBe('会员日全场八折');
    expect(fillTemplate('积分{1}', parseParams('[1200]'))).toBe('积分1200');
    expect(refusal(() => fillTemplate('{1}和{2}', parseParams('["a"]')))).toBe('InvalidMessage');
    expect(refusal(() => parseParams('{"a":1}'))).toBe('InvalidMessage');
    expect(refusal(() => parseParams('not json'))).toBe('InvalidMessage');
  });
});

describe('云MAS pushes', () => {
  // 2026-11-22 10:00:05 in Shanghai.
  const at = Date.UTC(2026, 10, 22, 2, 0, 5);

  it('formats times in the store’s zone the way clients parse them', () => {
    expect(compactTime(at, 'Asia/Shanghai')).toBe('20261122100005');
    expect(spacedTime(at, 'Asia/Shanghai')).toBe('2026-11-22 10:00:05');
  });

  it('reports DELIVRD, or the error in gateway words with StoreMAS’s reason', () => {
    const base = { recipient: '+8613800138000', createdAt: at - 60_000, finishedAt: at, errorCode: null, blockedRule: null };
    expect(statusReportOf({ ...base, status: 'delivered' }, 'G1', 'Asia/Shanghai')).toEqual({
      reportStatus: 'DELIVRD',
      mobile: '13800138000',
      submitDate: '20261122095905',
      receiveDate: '20261122100005',
      errorCode: 'DELIVRD',
      msgGroup: 'G1',
    });
    expect(statusReportOf({ ...base, status: 'failed', errorCode: 'DELIVERY_FAILED' }, 'G1', 'Asia/Shanghai')).toMatchObject({ reportStatus: 'UNDELIV', errorCode: 'DELIVERY_FAILED' });
    expect(statusReportOf({ ...base, status: 'blocked', errorCode: 'POLICY_BLOCKED', blockedRule: 'blacklist' }, 'G1', 'Asia/Shanghai')).toMatchObject({
      reportStatus: 'REJECTD',
      errorCode: 'POLICY_BLOCKED:blacklist',
    });
    expect(statusReportOf({ ...base, status: 'expired', errorCode: 'EXPIRED' }, 'G1', 'Asia/Shanghai')).toMatchObject({ reportStatus: 'EXPIRED' });
  });
});
