import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { FakeStrategies, addMirrorMember, addSale, seedMirror, strategy } from './testing.js';

/**
 * The SMS services through the real inbox chain on a real SQLite file: a
 * stored text → the answer queued in the outbox as an automatic reply through
 * the modem it came in on, the query log row, the lock-out. The strategy
 * engine is an in-memory stand-in here; strategies-by-text covers the real one.
 */
let t: MessagingCore;
let strategies: FakeStrategies;
const db = () => t.core.services.db;
const sms = () => t.core.services.smsServices;
const HOUR = 3_600_000;
let key = 0;

/** A text from `from` through the whole chain; returns what was queued back to it, and how the chain ended. */
async function text(from: string, body: string): Promise<{ reply: string | null; handledBy: string | null; status: string | null }> {
  key += 1;
  const stored = await t.core.services.messaging.inbox.write({ modemId: 'sim-1', sender: from, text: body, key: `k${key}` });
  const handledBy = await t.core.services.messaging.inbox.processStored(stored.stored);
  const message = (await db()('outbox_messages').where('in_reply_to', stored.id).first()) as { text: string; status: string; reply_modem: string; category: string } | undefined;
  if (message) {
    expect(message).toMatchObject({ reply_modem: 'sim-1', category: 'reply' });
  }
  return { reply: message?.status === 'queued' ? message.text : null, handledBy, status: message?.status ?? null };
}

async function lastLog(): Promise<Record<string, unknown>> {
  return (await db()('sms_query_log').orderBy('id', 'desc').first()) as Record<string, unknown>;
}

beforeEach(async () => {
  t = await openMessagingCore();
  await seedMirror(db(), t.clock.now(), { syncedAt: t.clock.now() - HOUR });
  await sms().refreshProductIndex();
  strategies = new FakeStrategies();
  sms().strategies = strategies;
});
afterEach(async () => {
  await t.close();
});

describe('SMS services: customers', () => {
  it('says which points expire when: the POS’s own date, else the store’s rule (积分有效期); nothing while points never expire', async () => {
    const id = await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000011', name: '周杰', gender: 'M', points: 1500 });
    expect((await text('13900000011', '积分')).reply).toBe('尊敬的周先生，您的会员积分为1500分。【好又多超市】');
    await db()('members').where('id', id).update({ points_expire_on: '2099-06-30', points_expiring: 400 });
    expect((await text('13900000011', '积分什么时候过期')).reply).toBe('尊敬的周先生，您的会员积分为1500分，其中400分将于2099年6月30日到期，请及时使用。【好又多超市】');
    await db()('members').where('id', id).update({ points_expire_on: null, points_expiring: null });
    await t.core.services.settings.update(SYSTEM_ACTOR, { pointsExpiry: { rule: 'annual', month: 12, day: 31 } });
    expect((await text('13900000011', 'JF')).reply).toBe('尊敬的周先生，您的会员积分为1500分，其中1500分将于12月31日到期，请及时使用。【好又多超市】');
  });

  it('answers 积分 with the member’s points from the mirror, in every way people ask', async () => {
    await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000001', name: '张伟', gender: 'M', points: 1280, storeCode: 'S01' });
    const { reply, handledBy } = await text('13900000001', '我的积分是多少？');
    expect(reply).toBe('尊敬的张先生，您的会员积分为1280分。【好又多超市】');
    expect(handledBy).toBe('sms-services');
    expect(await lastLog()).toMatchObject({ sender: '+8613900000001', service: 'points', outcome: 'answered', reply: '尊敬的张先生，您的会员积分为1280分。' });
    // Answered: the conversation needs nobody.
    const [conversation] = (await t.core.services.messaging.inbox.conversations({ page: 1, pageSize: 5 })).items;
    expect(conversation!.unhandled).toBe(0);
    for (const variant of ['JF', 'ｊｆ', '積分', '积 分!']) expect((await text('13900000001', variant)).reply).toContain('1280分');
  });

  it('answers 消费 with this month, this year and the last purchase (date, store, amount)', async () => {
    const now = t.clock.now(); // 2026-11-22 10:00 Shanghai
    const id = await addMirrorMember(db(), now, { mobile: '+8613900000002', name: '李娜', gender: 'F', storeCode: 'S01' });
    await addSale(db(), id, 'S01', Date.UTC(2026, 0, 15, 4), 10_000);
    await addSale(db(), id, 'S01', Date.UTC(2026, 10, 2, 4), 5_050);
    await addSale(db(), id, 'S02', Date.UTC(2026, 10, 20, 4), 8_990);
    await addSale(db(), id, 'S02', Date.UTC(2025, 11, 30, 4), 99_900);
    const { reply } = await text('13900000002', 'XF');
    expect(reply).toBe('尊敬的李女士，您本月消费140.4元，今年累计240.4元；最近一次：11月20日在解放路店消费89.9元。【好又多超市】');
    const other = await addMirrorMember(db(), now, { mobile: '+8613900000003', name: '王强', gender: 'M' });
    expect((await text('13900000003', '消费')).reply).toBe('尊敬的王先生，暂未查到您的消费记录。【好又多超市】');
    expect((await lastLog()).member_id).toBe(other);
  });

  it('tells a number that is no member how to join, and chooses among several members as the setting says', async () => {
    expect((await text('13900000009', '积分')).reply).toBe('您的手机号尚未登记会员，欢迎到店出示手机号免费办理会员卡，消费即可累积分。【好又多超市】');
    expect((await lastLog()).outcome).toBe('not-member');
    const now = t.clock.now();
    await addMirrorMember(db(), now, { mobile: '+8613900000004', name: '旧卡', points: 10, lastPurchaseAt: now - 300 * 86_400_000 });
    const recent = await addMirrorMember(db(), now, { mobile: '+8613900000004', name: '新卡', points: 99, lastPurchaseAt: now - 86_400_000 });
    expect((await text('13900000004', '积分')).reply).toContain('99分');
    expect((await lastLog()).member_id).toBe(recent);
    await sms().updateSettings(SYSTEM_ACTOR, { severalMembers: 'reply-error' });
    const answer = await text('13900000004', '积分');
    expect(answer.reply).toBe('该手机号登记了多个会员，请到服务台核对后再查询。【好又多超市】');
    // That one waits for a person.
    expect(answer.handledBy).toBeNull();
  });

  it('lists promotions home store first within two parts, continued with 促销2, 促销3 …', async () => {
    await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000005', name: '赵敏', gender: 'F', storeCode: 'S02' });
    const ends = t.clock.now() + 7 * 86_400_000;
    strategies.promotions = Array.from({ length: 9 }, (_, i) => ({
      strategyId: i + 1,
      storeCode: i % 3 === 0 ? 'S02' : 'S01',
      storeName: i % 3 === 0 ? '解放路店' : '人民路店',
      text: `第${i + 1}号商品特惠装 8.5折(至11/29)`,
      endsAt: ends,
    }));
    const first = (await text('13900000005', '促销')).reply!;
    expect(first.startsWith('解放路店优惠：第1号商品特惠装 8.5折(至11/29)；第4号')).toBe(true);
    expect(first).toContain('人民路店:第2号');
    expect(first).toMatch(/回复“促销2”看更多【好又多超市】$/);
    const { measureText } = await import('../modem/pdu/length.js');
    expect(measureText(first).parts).toBeLessThanOrEqual(2);
    const shown = new Set<string>();
    let page = 1;
    for (let reply = first; ; ) {
      for (const m of reply.matchAll(/第(\d)号/g)) shown.add(m[1]!);
      expect(measureText(reply).parts).toBeLessThanOrEqual(2);
      if (!reply.includes('看更多')) break;
      page += 1;
      reply = (await text('13900000005', `CX${page}`)).reply!;
      expect(reply).not.toContain('促销'); // typed as CX, continued as CX
    }
    expect(shown.size).toBe(9);
    expect((await text('13900000005', `促销${page + 1}`)).reply).toBe('没有更多优惠了，回复“促销”从头看。【好又多超市】');
    strategies.promotions = [];
    expect((await text('13900000005', '优惠')).reply).toBe('暂无促销活动，敬请关注。【好又多超市】');
  });

  it('sends the help menu for an unknown text at most once a day, and leaves the text for a person', async () => {
    const first = await text('13900000006', '你们几点关门？');
    expect(first.reply).toBe('您好！回复关键词可查询：积分/JF：查积分；消费/XF：查消费；促销/CX：看优惠【好又多超市】');
    expect(first.handledBy).toBeNull();
    expect(await lastLog()).toMatchObject({ outcome: 'fallback-help', service: null });
    expect(await text('13900000006', '停车场在哪')).toMatchObject({ reply: null, status: null, handledBy: null });
    expect((await lastLog()).outcome).toBe('unknown');
    // Asked for, the menu always comes.
    expect((await text('13900000006', '帮助')).reply).toContain('积分/JF');
    // The next local day the help goes out once more.
    t.clock.advance(24 * HOUR);
    expect((await text('13900000006', '在吗')).reply).toContain('回复关键词');
    const [conversation] = (await t.core.services.messaging.inbox.conversations({ page: 1, pageSize: 5 })).items;
    expect(conversation!.unhandled).toBe(3);
  });

  it('answers every text or stays deliberately silent, never failing: empty, emoji, long, SQL, markup, braces', async () => {
    await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000007', name: '{称呼}', points: 5 });
    const odd = ['', '😀😀', 'x'.repeat(1000), "积分'; DROP TABLE members;--", '<b>积分</b>', '｛积分｝', '\u0000', '库存 {姓名}'];
    for (const body of odd) {
      const stored = await t.core.services.messaging.inbox.write({ modemId: 'sim-1', sender: '13900000007', text: body, key: `odd-${body.length}-${body.slice(0, 3)}` });
      await t.core.services.messaging.inbox.processStored(stored.stored);
      expect((await db()('inbox_messages').where('id', stored.id).first()).processed_at).not.toBeNull();
    }
    // A member whose name is a placeholder gets a plain answer: no braces reach the outbox.
    expect((await db()('outbox_messages').where('text', 'like', '%{%')).length).toBe(0);
    expect(await db()('members').count({ n: '*' })).toEqual([{ n: 1 }]);
    const points = await db()('sms_query_log').where({ sender: '+8613900000007', service: 'points' });
    // ｛积分｝ is 积分 typed with full-width braces; the SQL and the markup are sentences, not requests.
    expect(points.map((r: { outcome: string }) => r.outcome)).toEqual(['answered']);
  });

  it('says 数据更新于 … when the last sync is older than the setting', async () => {
    await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000008', name: '孙丽', gender: 'F', points: 300 });
    await db()('store_connections').update({ last_sync_at: Date.UTC(2026, 10, 20, 6, 5) });
    t.clock.advance(10_000); // the data age is read at most every 5 s (or after a sync)
    expect((await text('13900000008', '积分')).reply).toBe('尊敬的孙女士，您的会员积分为300分。（数据更新于11月20日 14:05）【好又多超市】');
    await sms().updateSettings(SYSTEM_ACTOR, { staleAfterHours: 72 });
    expect((await text('13900000008', '积分')).reply).toBe('尊敬的孙女士，您的会员积分为300分。【好又多超市】');
    await db()('store_connections').update({ last_sync_at: null });
    t.clock.advance(10_000);
    expect((await text('13900000008', '积分')).reply).toContain('（门店数据尚未同步）');
  });

  it('answers nothing to alphanumeric senders and opt-out words (the opt-out handles those)', async () => {
    expect(await text('10086', '积分')).toMatchObject({ reply: null, handledBy: null });
    expect(await text('13900000010', 'TD')).toMatchObject({ handledBy: 'opt-out' });
    expect(await db()('sms_query_log').count({ n: '*' })).toEqual([{ n: 0 }]);
  });
});

describe('SMS services: staff', () => {
  const addStaff = (fields: { mobile: string; name?: string; stores?: string[]; all?: boolean; mayApprove?: boolean; pin?: string }) =>
    t.core.services.staff.create(SYSTEM_ACTOR, {
      name: fields.name ?? '陈店长',
      mobile: fields.mobile,
      role: '店长',
      storeCodes: fields.stores ?? ['S01', 'S02'],
      allStores: fields.all ?? false,
      mayApprove: fields.mayApprove ?? false,
      pin: fields.pin,
    });

  it('answers 库存 from a staff mobile with the stock of the stores that person may see', async () => {
    await addStaff({ mobile: '13800000001' });
    // Five automatic answers an hour per number: space the questions out.
    t.core.services.events.onDidPublish((e) => e.type === 'services.query' && t.clock.advance(13 * 60_000));
    expect((await text('13800000001', '库存 羊肉卷')).reply).toBe('羊肉卷 散装（P0801）库存：人民路店36.5kg；解放路店12kg【好又多超市】');
    expect((await text('13800000001', 'kc yrj')).reply).toContain('羊肉卷 散装（P0801）');
    expect((await text('13800000001', 'KC 6900000000401')).reply).toBe('可口可乐 330ml（P0401）库存：人民路店240瓶；解放路店96瓶【好又多超市】');
    expect((await text('13800000001', '库存 可乐')).reply).toBe('找到3个商品：可口可乐 2L（P0402）；可口可乐 330ml（P0401）；百事可乐 330ml（P0403）。请回复“库存 编码”查询【好又多超市】');
    expect((await text('13800000001', '库存 榴莲')).reply).toBe('未找到商品“榴莲”，请回复“库存 条码/编码/商品名”。【好又多超市】');
    expect((await text('13800000001', '库存 有机菠菜')).reply).toBe('有机菠菜（P1001）在您的门店暂无库存记录。【好又多超市】');
    expect((await text('13800000001', '库存')).reply).toBe('请回复“库存 商品名/条码/编码”，如：库存 羊肉卷【好又多超市】');
    expect(await lastLog()).toMatchObject({ service: 'stock', outcome: 'usage', staff_id: 1 });
    // Staff get their own menu.
    expect((await text('13800000001', '帮助')).reply).toBe('员工服务：积分/JF：查积分；消费/XF：查消费；促销/CX：看优惠；库存/KC+商品 查库存；策略/CL：看策略【好又多超市】');
  });

  it('refuses staff services to anyone else, and locks a number out after 5 refusals in an hour', async () => {
    const locked: unknown[] = [];
    t.core.services.events.onDidPublish((e) => e.type === 'services.lockout' && locked.push(e.data));
    for (let i = 1; i <= 4; i++) {
      expect((await text('13700000001', `库存 羊肉卷${i}`)).reply).toBe('抱歉，该服务仅限本店员工使用。【好又多超市】');
      t.clock.advance(60_000);
    }
    expect(await lastLog()).toMatchObject({ outcome: 'refused', refused_reason: 'not-staff' });
    expect((await t.core.services.lists.statusOf('13700000001')).blacklist).toBeNull();
    // The fifth refusal is queued and locks the number out (the dispatcher then holds that answer back: with-simulator.test).
    expect((await text('13700000001', 'KC 可乐')).reply).toContain('仅限本店员工');
    const status = await t.core.services.lists.statusOf('13700000001');
    expect(status.blacklist).toMatchObject({ scope: 'inbound', source: 'lockout', expiresAt: t.clock.now() + 24 * HOUR });
    expect(locked).toEqual([{ mobile: '+8613700000001', refusals: 5, until: t.clock.now() + 24 * HOUR }]);
    expect(await db()('audit_log').where('action', 'services.lockout').first()).toMatchObject({ username: 'system', target: '+8613700000001' });
    expect((await sms().summary()).lockouts).toEqual([{ mobile: '+8613700000001', at: t.clock.now(), until: t.clock.now() + 24 * HOUR }]);
    // Deliberate silence from now on, even for the customer services; the texts wait for a person.
    t.clock.advance(2 * HOUR);
    expect(await text('13700000001', '帮助')).toMatchObject({ reply: null, status: null, handledBy: null });
    expect((await lastLog()).outcome).toBe('silent');
    // 24 hours later the entry has expired.
    t.clock.advance(23 * HOUR);
    expect((await text('13700000001', '帮助')).reply).toContain('回复关键词');
  });

  it('asks for the PIN when the entry has one: missing or wrong counts as refused; right answers', async () => {
    await addStaff({ mobile: '13800000002', pin: '4321' });
    expect((await text('13800000002', '库存 羊肉卷')).reply).toBe('请在指令后加上员工密码，如：库存 羊肉卷 1234【好又多超市】');
    expect(await lastLog()).toMatchObject({ outcome: 'refused', refused_reason: 'pin-missing' });
    expect((await text('13800000002', '库存 羊肉卷 1234')).reply).toBe('员工密码不正确。【好又多超市】');
    expect((await lastLog()).refused_reason).toBe('pin-wrong');
    expect((await text('13800000002', '库存 羊肉卷 4321')).reply).toContain('人民路店36.5kg');
    expect((await db()('staff').first()).pin_hash).toMatch(/^scrypt\$/);
    // Without a PIN on the entry, trailing digits are part of what was asked.
    await addStaff({ mobile: '13800000003', name: '小刘' });
    expect((await text('13800000003', '库存 可口可乐 330')).reply).toContain('可口可乐 330ml（P0401）');
  });

  it('takes a deactivated entry out at once (the lost phone)', async () => {
    const entry = await addStaff({ mobile: '13800000004' });
    expect((await text('13800000004', '库存 羊肉卷')).reply).toContain('人民路店');
    await t.core.services.staff.setActive(SYSTEM_ACTOR, entry.id, false);
    expect((await text('13800000004', '库存 羊肉卷')).reply).toBe('抱歉，该服务仅限本店员工使用。【好又多超市】');
    expect(await lastLog()).toMatchObject({ outcome: 'refused', refused_reason: 'inactive', staff_id: entry.id });
  });

  it('lists strategies and approves or rejects by text, within the person’s stores and rights', async () => {
    strategies.strategies = [
      strategy({ id: 12, storeCode: 'S01' }),
      strategy({ id: 13, storeCode: 'S03', productName: '可口可乐 2L', kind: 'restock', promotionText: null, reason: { text: '可售 2 天' } }),
      strategy({ id: 14, storeCode: 'S02', state: 'active', promotionText: '蒙牛纯牛奶 买二送一' }),
    ];
    await addStaff({ mobile: '13800000005', mayApprove: true });
    await addStaff({ mobile: '13800000006', name: '店员小王' });
    expect((await text('13800000005', '策略')).reply).toBe(
      '待审批1条、进行中1条：#12促销 羊肉卷 8.5折 人民路店（库存 480，可售 79 天）；#14促销[进行中] 蒙牛纯牛奶 买二送一 解放路店。回复“同意 编号”或“拒绝 编号”【好又多超市】',
    );
    expect((await text('13800000006', '同意 12')).reply).toBe('您没有审批策略的权限，请联系店长。【好又多超市】');
    expect(await lastLog()).toMatchObject({ outcome: 'refused', refused_reason: 'no-approve-permission' });
    expect((await text('13800000005', '同意 13')).reply).toBe('策略#13不属于您可管理的门店。【好又多超市】');
    expect((await text('13800000005', '同意 99')).reply).toBe('没有编号为99的策略，回复“策略”查看。【好又多超市】');
    expect(strategies.decisions).toEqual([]);
    expect((await text('13800000005', 'TY12')).reply).toBe('已同意策略#12：#12促销 羊肉卷 8.5折 人民路店【好又多超市】');
    expect(strategies.decisions).toEqual([{ action: 'approve', id: 12, by: { kind: 'staff', staffId: 1, name: '陈店长', mobile: '+8613800000005', storeCodes: ['S01', 'S02'] } }]);
    expect((await text('13800000005', '拒绝 12')).reply).toBe('策略#12已不是待审批状态（已同意）。【好又多超市】');
    // No-permission refusals do not count towards the lock-out.
    expect((await t.core.services.lists.statusOf('13800000006')).blacklist).toBeNull();
  });
});

describe('SMS services: the dry run (storemas services ask, 试一试)', () => {
  it('answers as it would, with the signature and part count, and writes and decides nothing', async () => {
    await addMirrorMember(db(), t.clock.now(), { mobile: '+8613900000011', name: '周杰', gender: 'M', points: 42 });
    strategies.strategies = [strategy({ id: 12, storeCode: 'S01' })];
    await t.core.services.staff.create(SYSTEM_ACTOR, { name: '陈店长', mobile: '13800000011', allStores: true, mayApprove: true });
    expect(await sms().ask('13900000011', '积分')).toMatchObject({ service: 'points', outcome: 'answered', reply: '尊敬的周先生，您的会员积分为42分。【好又多超市】', parts: 1, note: null });
    expect(await sms().ask('13800000011', '同意 12')).toMatchObject({ service: 'approve', outcome: 'answered', reply: '已同意策略#12：#12促销 羊肉卷 8.5折 人民路店【好又多超市】' });
    expect(strategies.strategies[0]!.state).toBe('suggested');
    expect(await sms().ask('13900000012', '你好')).toMatchObject({ outcome: 'fallback-help' });
    await expect(sms().ask('12345', '积分')).rejects.toMatchObject({ code: 'INVALID_NUMBER' });
    expect(await db()('sms_query_log').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await db()('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
  });
});
