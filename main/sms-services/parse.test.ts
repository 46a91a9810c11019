import { describe, expect, it } from 'vitest';
import { SERVICE_IDS, SERVICES, type ServiceId } from './catalog.js';
import { parseRequest, type ServiceTable } from './parse.js';

const DEFAULT_TABLE: ServiceTable = { services: SERVICE_IDS.map((id) => ({ id, keywords: SERVICES[id].keywords })) };

/**
 * Real-looking texts as customers and staff send them (typed on old phones,
 * with input methods in full-width mode, from Hong Kong and Taiwan phones,
 * with greetings and question tails), and what each asks for.
 */
const TEXTS: Array<[text: string, service: ServiceId | null, argument?: string, pin?: string | null]> = [
  // 积分
  ['积分', 'points'],
  ['JF', 'points'],
  ['jf', 'points'],
  ['Jf', 'points'],
  ['ＪＦ', 'points'],
  ['ｊｆ？', 'points'],
  ['积分？', 'points'],
  ['积 分', 'points'],
  ['  积分  ', 'points'],
  ['我的积分是多少', 'points'],
  ['我的积分是多少？', 'points'],
  ['请问我的积分还有多少啊', 'points'],
  ['查积分', 'points'],
  ['查一下积分', 'points'],
  ['积分查询', 'points'],
  ['您好，查询积分，谢谢！', 'points'],
  ['積分', 'points'],
  ['我的積分是多少', 'points'],
  ['积分余额', 'points'],
  ['积分会过期吗', 'points'],
  ['积分😀', 'points'],
  ['【积分】', 'points'],
  ['积分!!!', 'points'],
  // 消费
  ['消费', 'spending'],
  ['XF', 'spending'],
  ['xf', 'spending'],
  ['消費', 'spending'],
  ['查消费', 'spending'],
  ['我这个月消费了多少', 'spending'],
  ['消费记录', 'spending'],
  ['最近消费明细', 'spending'],
  // 促销
  ['促销', 'promotions', ''],
  ['优惠', 'promotions', ''],
  ['CX', 'promotions', ''],
  ['cx', 'promotions', ''],
  ['有什么优惠', 'promotions', ''],
  ['最近有什么促销活动？', 'promotions', ''],
  ['優惠', 'promotions', ''],
  ['促銷活動', 'promotions', ''],
  ['促销2', 'promotions', '2'],
  ['促销 2', 'promotions', '2'],
  ['CX2', 'promotions', '2'],
  ['cx 3', 'promotions', '3'],
  ['促销第2页', 'promotions', '2'],
  ['促销２', 'promotions', '2'],
  // 帮助
  ['帮助', 'help'],
  ['BZ', 'help'],
  ['?', 'help'],
  ['？', 'help'],
  ['??', null],
  ['幫助', 'help'],
  ['菜单', 'help'],
  ['help', 'help'],
  ['HELP!', 'help'],
  // 库存 (staff)
  ['库存 羊肉卷', 'stock', '羊肉卷', null],
  ['KC 羊肉卷', 'stock', '羊肉卷', null],
  ['kc羊肉卷', 'stock', '羊肉卷', null],
  ['库存羊肉卷', 'stock', '羊肉卷', null],
  ['庫存 羊肉捲', 'stock', '羊肉卷', null],
  ['库存 羊肉卷 1234', 'stock', '羊肉卷', '1234'],
  ['KC 6901234567890', 'stock', '6901234567890', null],
  ['库存 6901234567890 123456', 'stock', '6901234567890', '123456'],
  ['查库存 可口可乐 330ml', 'stock', '可口可乐 330ml', null],
  ['库存：羊肉卷还有多少？', 'stock', '羊肉卷', null],
  ['羊肉卷库存', 'stock', '羊肉卷', null],
  ['羊肉卷还有多少库存', 'stock', '羊肉卷', null],
  ['库存 有机菠菜', 'stock', '有机菠菜', null],
  ['kc yrj', 'stock', 'yrj', null],
  ['库存', 'stock', '', null],
  // 策略, 同意, 拒绝 (staff)
  ['策略', 'strategies', '', null],
  ['CL', 'strategies', '', null],
  ['策略 1234', 'strategies', '', '1234'],
  ['看看策略', 'strategies', '', null],
  ['同意 12', 'approve', '12', null],
  ['同意12', 'approve', '12', null],
  ['TY 12', 'approve', '12', null],
  ['ty12', 'approve', '12', null],
  ['同意#12', 'approve', '12', null],
  ['同意第12号', 'approve', '12', null],
  ['同意 12 1234', 'approve', '12', '1234'],
  ['ＴＹ１２', 'approve', '12', null],
  ['拒绝 7', 'reject', '7', null],
  ['JJ 7', 'reject', '7', null],
  ['拒絕7', 'reject', '7', null],
  // No request: these go to a person (and get the help menu at most once a day).
  ['', null],
  ['   ', null],
  ['😀😀😀', null],
  ['你好', null],
  ['谢谢', null],
  ['在吗？', null],
  ['昨天买的东西积分没加上', null],
  ['消费券怎么用', null],
  ['我同意', null],
  ['同意', null],
  ['JFK', null],
  ['backup', null],
  ["积分'; DROP TABLE members; --", null],
  ['<script>alert(1)</script>', null],
  ['积分积分积分'.repeat(200), null],
];

describe('parseRequest', () => {
  it(`reads ${TEXTS.length} real-looking texts as the service they ask for`, () => {
    expect(TEXTS.length).toBeGreaterThanOrEqual(60);
    const wrong: string[] = [];
    for (const [text, service, argument, pin] of TEXTS) {
      const parsed = parseRequest(text, DEFAULT_TABLE);
      const ok =
        parsed.service === service &&
        (argument === undefined || parsed.argument === argument) &&
        (pin === undefined || parsed.pin === pin);
      if (!ok) wrong.push(`${JSON.stringify(text)} → ${JSON.stringify(parsed)}, expected ${service} ${argument ?? ''} ${pin ?? ''}`);
    }
    expect(wrong).toEqual([]);
  });

  it('follows the table: a disabled service is no request, an edited keyword is', () => {
    const table: ServiceTable = {
      services: [
        { id: 'points', keywords: ['查分', 'CF'] },
        { id: 'help', keywords: ['帮助'] },
      ],
    };
    expect(parseRequest('积分', table).service).toBeNull();
    expect(parseRequest('查分', table).service).toBe('points');
    expect(parseRequest('ｃｆ', table).service).toBe('points');
    expect(parseRequest('促销', table).service).toBeNull();
  });

  it('keeps the keyword as matched for the continuation text (促销2 / CX2)', () => {
    expect(parseRequest('cx', DEFAULT_TABLE).keyword).toBe('cx');
    expect(parseRequest('优惠', DEFAULT_TABLE).keyword).toBe('优惠');
  });

  it('never throws, whatever arrives', () => {
    const odd = ['\u0000', '\uffff', '\ud83d', '𠀀𠀁', 'a'.repeat(10_000), '1'.repeat(1_000), '｛积分｝', '%_%', '\r\n\t'];
    for (const text of odd) expect(() => parseRequest(text, DEFAULT_TABLE)).not.toThrow();
    expect(parseRequest('｛积分｝', DEFAULT_TABLE).service).toBe('points');
  });
});
