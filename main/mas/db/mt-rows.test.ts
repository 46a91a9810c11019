import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodePdu, encodeSubmitUserData, type DecodedSubmit } from '../../modem/pdu/index.js';
import { readMtRow, type Intake, type MtRow } from './mt-rows.js';
import { reportFor, NO_REPORT_AFTER_MS } from './report-codes.js';

// 10:00 on 2026-12-06 in Shanghai.
const NOW = Date.UTC(2026, 11, 6, 2, 0, 0);
const ZONE = 'Asia/Shanghai';

function row(fields: Partial<Omit<MtRow, 'mobiles' | 'content' | 'url'>> & { mobiles?: string | Buffer; content?: string | Buffer; url?: string } = {}): MtRow {
  const bytes = (value: string | Buffer | undefined, fallback: string) => (Buffer.isBuffer(value) ? value : Buffer.from(value ?? fallback, 'utf8'));
  return {
    autoSn: '1',
    smId: '0',
    srcId: '0',
    isWap: 0,
    sendTime: null,
    smType: 0,
    msgFmt: 0,
    tpPid: 0,
    tpUdhi: 0,
    ...fields,
    mobiles: bytes(fields.mobiles, '13800138000'),
    content: bytes(fields.content, '您的订单已发货'),
    url: bytes(fields.url, ''),
  };
}

const sent = (intake: Intake) => {
  if (intake.kind !== 'send') throw new Error(`expected a send, got ${intake.rejection.desc}: ${intake.detail}`);
  return intake;
};

describe('reading an api_mt row', () => {
  it('splits MOBILES on English and Chinese commas, drops repeats, keeps invalid numbers apart', () => {
    const intake = sent(readMtRow(row({ mobiles: '13800138000，139 0013 9000,13800138000;12345,+8615000150000' }), NOW, ZONE));
    expect(intake.recipients).toEqual([
      { number: '+8613800138000', mobile: '13800138000' },
      { number: '+8613900139000', mobile: '139 0013 9000' },
      { number: '+8615000150000', mobile: '+8615000150000' },
    ]);
    expect(intake.invalid).toEqual(['12345']);
    expect(intake.text).toBe('您的订单已发货');
    expect(intake.sendAt).toBeNull();
  });

  it('reads the stock client’s GBK-through-latin1 MOBILES and CONTENT', () => {
    const mojibake = (text: string) => Buffer.from(iconv.encode(text, 'gbk').toString('latin1'), 'utf8');
    const intake = sent(readMtRow(row({ mobiles: mojibake('13800138000，13900139000'), content: mojibake('尊敬的会员：积分已到账') }), NOW, ZONE));
    expect(intake.recipients.map((r) => r.number)).toEqual(['+8613800138000', '+8613900139000']);
    expect(intake.text).toBe('尊敬的会员：积分已到账');
  });

  it('takes 20,000 numbers in one row', () => {
    const numbers = Array.from({ length: 20_000 }, (_, i) => `139${String(i).padStart(8, '0')}`);
    expect(sent(readMtRow(row({ mobiles: numbers.join(',') }), NOW, ZONE)).recipients).toHaveLength(20_000);
  });

  it('refuses empty MOBILES, empty or over-long CONTENT, with one report per named number', () => {
    expect(readMtRow(row({ mobiles: ' , ' }), NOW, ZONE)).toMatchObject({ kind: 'reject', rejection: { code: 11, desc: 'EMPTY_MOBILES' }, mobiles: [''] });
    expect(readMtRow(row({ content: '   ' }), NOW, ZONE)).toMatchObject({ kind: 'reject', rejection: { desc: 'EMPTY_CONTENT' }, mobiles: ['13800138000'] });
    const long = readMtRow(row({ mobiles: '13800138000,13900139000', content: '好'.repeat(2_001) }), NOW, ZONE);
    expect(long).toMatchObject({ kind: 'reject', rejection: { code: 13, desc: 'CONTENT_TOO_LONG' }, mobiles: ['13800138000', '13900139000'] });
    expect(sent(readMtRow(row({ content: '好'.repeat(2_000) }), NOW, ZONE)).text).toHaveLength(2_000);
    expect(readMtRow(row({ content: Buffer.from([0xff, 0xfe, 0x80]) }), NOW, ZONE)).toMatchObject({ kind: 'reject', rejection: { desc: 'BAD_ENCODING' } });
  });

  it('honours SEND_TIME in the store’s time zone; a past one sends now; a zero or impossible one is refused', () => {
    expect(sent(readMtRow(row({ sendTime: '2026-12-06 18:30:00' }), NOW, ZONE)).sendAt).toBe(Date.UTC(2026, 11, 6, 10, 30, 0));
    expect(sent(readMtRow(row({ sendTime: '2026-12-06 09:59:59' }), NOW, ZONE)).sendAt).toBeNull();
    expect(sent(readMtRow(row({ sendTime: '2020-01-01 00:00:00' }), NOW, ZONE)).sendAt).toBeNull();
    for (const bad of ['0000-00-00 00:00:00', '2026-02-30 10:00:00', 'tomorrow']) {
      expect(readMtRow(row({ sendTime: bad }), NOW, ZONE)).toMatchObject({ kind: 'reject', rejection: { code: 14, desc: 'BAD_SEND_TIME' } });
    }
  });

  it('a WAP row sends its URL after the text', () => {
    expect(sent(readMtRow(row({ isWap: 1, content: '新品上架', url: 'http://m.example.cn/a' }), NOW, ZONE)).text).toBe('新品上架 http://m.example.cn/a');
  });
});

describe('SM_TYPE 2: user data as hex', () => {
  it('UCS2 with the sender’s own concatenation header goes out byte for byte', () => {
    const ud = `0500037A0201${Buffer.from('订单已发货', 'utf16le').swap16().toString('hex').toUpperCase()}`;
    const intake = sent(readMtRow(row({ smType: 2, msgFmt: 8, tpUdhi: 1, content: ud }), NOW, ZONE));
    expect(intake.binary).toEqual({ dcs: 8, pid: 0, udhi: true, udl: ud.length / 2, ud });
    expect(intake.text).toBe('订单已发货');
    const pdu = decodePdu(encodeSubmitUserData({ ...intake.binary!, to: '+8613800138000' }).pdu) as DecodedSubmit;
    expect(pdu.text).toBe('订单已发货');
    expect(pdu.concat).toMatchObject({ reference: 0x7a, total: 2, sequence: 1 });
  });

  it('ASCII and GBK user data become text a phone can show', () => {
    const ascii = sent(readMtRow(row({ smType: 2, msgFmt: 0, content: Buffer.from('Code 1234').toString('hex') }), NOW, ZONE));
    expect(ascii.binary).toMatchObject({ dcs: 0, udl: 9 });
    expect((decodePdu(encodeSubmitUserData({ ...ascii.binary!, to: '+8613800138000' }).pdu) as DecodedSubmit).text).toBe('Code 1234');
    const gbk = sent(readMtRow(row({ smType: 2, msgFmt: 15, content: iconv.encode('验证码1234', 'gbk').toString('hex') }), NOW, ZONE));
    expect((decodePdu(encodeSubmitUserData({ ...gbk.binary!, to: '+8613800138000' }).pdu) as DecodedSubmit).text).toBe('验证码1234');
  });

  it('refuses odd-length or non-hex content, more than one SMS of data, and codings it cannot send as given', () => {
    const refused = (fields: Partial<Pick<MtRow, 'msgFmt' | 'tpUdhi'>> & { content: string }) => readMtRow(row({ smType: 2, msgFmt: 4, ...fields }), NOW, ZONE);
    expect(refused({ content: '0605040B8423F' })).toMatchObject({ kind: 'reject', rejection: { code: 15, desc: 'BAD_PDU' }, detail: expect.stringContaining('odd number') });
    expect(refused({ content: 'ZZ' })).toMatchObject({ rejection: { desc: 'BAD_PDU' }, detail: expect.stringContaining('hex digits') });
    expect(refused({ content: '00'.repeat(141) })).toMatchObject({ detail: expect.stringContaining('140') });
    expect(refused({ content: '0102', msgFmt: 3 })).toMatchObject({ detail: expect.stringContaining('MSG_FMT 3') });
    expect(refused({ content: '0A01', tpUdhi: 1 })).toMatchObject({ detail: expect.stringContaining('header length') });
  });
});

describe('the api_rpt row a message earns', () => {
  const at = (status: string, more: Partial<Parameters<typeof reportFor>[0]> = {}) =>
    reportFor({ status, blockedRule: null, errorCode: null, sentAt: NOW, ...more }, NOW + 1_000);
  it('delivered is 0 DELIVRD; failures, blocks and cancels are non-zero with a word; sent waits for the report window', () => {
    expect(at('delivered')).toEqual({ code: 0, desc: 'DELIVRD' });
    expect(at('failed', { errorCode: 'DELIVERY_FAILED' })).toEqual({ code: 1, desc: 'UNDELIV' });
    expect(at('failed', { errorCode: 'CMS_ERROR_500' })).toEqual({ code: 4, desc: 'CMS_ERROR_500' });
    expect(at('expired')).toEqual({ code: 2, desc: 'EXPIRED' });
    expect(at('blocked', { blockedRule: 'blacklist' })).toEqual({ code: 5, desc: 'BLACKLIST' });
    expect(at('blocked', { blockedRule: 'opt-out' })).toEqual({ code: 5, desc: 'OPTOUT' });
    expect(at('blocked', { blockedRule: 'render', errorCode: 'TEXT_TOO_LONG' })).toEqual({ code: 5, desc: 'TEXT_TOO_LONG' });
    expect(at('blocked', { blockedRule: 'invalid-number' })).toEqual({ code: 10, desc: 'INVALID_MOBILE' });
    expect(at('cancelled')).toEqual({ code: 6, desc: 'CANCELLED' });
    for (const open of ['queued', 'sending', 'unknown', 'paused', 'sent']) expect(at(open)).toBeUndefined();
    expect(reportFor({ status: 'sent', blockedRule: null, errorCode: null, sentAt: NOW }, NOW + NO_REPORT_AFTER_MS)).toEqual({ code: 3, desc: 'UNKNOWN' });
  });
});
