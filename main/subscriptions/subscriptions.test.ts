import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actor, addMember, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { parseTopicCommand } from './topic-commands.js';

let t: MessagingCore;
const services = () => t.core.services;
const subscriptions = () => t.core.services.subscriptions;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await t.close();
});

let seq = 0;
async function textIn(sender: string, text: string): Promise<string | null> {
  seq += 1;
  const stored = await services().messaging.inbox.write({ modemId: 'm1', sender, text, key: `sub-${seq}` });
  return services().messaging.inbox.process(stored.id);
}

const lastReply = async (number: string): Promise<string> =>
  ((await services().db('outbox_messages').select('text').where({ recipient: number, automatic: true }).orderBy('id', 'desc').first()) as { text: string }).text;

async function topicId(keyword: string): Promise<number> {
  return (await subscriptions().topics()).find((t) => t.keyword === keyword)!.id;
}

describe('topic commands by text', () => {
  it('parses DY/TD with a topic, in any width, script or spacing; TD alone is not a topic command', () => {
    expect(parseTopicCommand('DY 促销')).toEqual({ action: 'subscribe', topic: '促销' });
    expect(parseTopicCommand('ｔｄ促銷')).toEqual({ action: 'unsubscribe', topic: '促销' });
    expect(parseTopicCommand('订阅新品！')).toEqual({ action: 'subscribe', topic: '新品' });
    expect(parseTopicCommand('DY')).toEqual({ action: 'menu' });
    expect(parseTopicCommand('TD')).toBeUndefined();
    expect(parseTopicCommand('DYSON 吸尘器有吗')).toBeUndefined();
  });

  it('DY 促销 subscribes, TD 促销 leaves only that topic, TD alone is the general opt-out; each change is recorded with time, source and text', async () => {
    const mobile = '+8613900139501';
    const memberId = await addMember(t.core, { mobile, name: '陈静' });
    const promo = await topicId('促销');
    const news = await topicId('新品');

    expect(await textIn(mobile, 'DY 促销')).toBe('subscriptions');
    expect(await lastReply(mobile)).toContain('促销信息');
    t.clock.advance(60_000);
    expect(await textIn(mobile, '订阅新品')).toBe('subscriptions');
    expect((await subscriptions().ofMember(memberId)).filter((s) => s.subscribed).map((s) => s.topicId)).toEqual([promo, news]);

    t.clock.advance(60_000);
    expect(await textIn(mobile, 'TD 促销')).toBe('subscriptions');
    const after = await subscriptions().ofMember(memberId);
    expect(after.find((s) => s.topicId === promo)).toMatchObject({ subscribed: false, source: 'sms', changedAt: t.clock.now() });
    expect(after.find((s) => s.topicId === news)).toMatchObject({ subscribed: true });
    // TD 促销 is not the general opt-out: marketing consent and the blacklist stay as they were.
    expect(await services().members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsent: true });
    expect(await services().db('number_lists').where({ mobile })).toHaveLength(0);

    t.clock.advance(60_000);
    await textIn(mobile, 'TD');
    expect(await services().members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsent: false, marketingConsentSource: 'sms-opt-out' });

    const history = await subscriptions().consentHistory(memberId);
    expect(history.items.map((e) => [e.topicName, e.granted, e.source, e.text])).toEqual(
      expect.arrayContaining([
        ['促销信息', true, 'sms', 'DY 促销'],
        ['新品', true, 'sms', '订阅新品'],
        ['促销信息', false, 'sms', 'TD 促销'],
        [null, false, 'sms', 'TD'],
      ]),
    );
    expect(history.items.every((e) => typeof e.at === 'number' && e.inboxId !== null)).toBe(true);

    // DY again after TD: an explicit opt-in restores the general consent (and records it).
    t.clock.advance(60_000);
    await textIn(mobile, 'DY 促销');
    expect(await services().members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsent: true, marketingConsentSource: 'sms-opt-in' });
  });

  it('an unknown topic gets the menu; a number that is no member is told to register', async () => {
    expect(await textIn('+8613900139502', 'DY 彩票')).toBe('subscriptions');
    expect(await lastReply('+8613900139502')).toContain('可订阅');
    expect(await textIn('+8613900139502', 'DY 促销')).toBe('subscriptions');
    expect(await lastReply('+8613900139502')).toContain('尚未登记会员');
  });
});

describe('a topic as an audience', () => {
  it('the subscribedTo member filter (and audience()) reaches exactly the subscribers, whether they subscribed by text, in the UI or by import', async () => {
    const promo = await topicId('促销');
    const a = await addMember(t.core, { mobile: '+8613900139511', name: '甲' });
    const b = await addMember(t.core, { mobile: '+8613900139512', name: '乙' });
    const c = await addMember(t.core, { mobile: '+8613900139513', name: '丙' });
    await addMember(t.core, { mobile: '+8613900139514', name: '丁' });
    await textIn('+8613900139511', 'DY促销');
    await subscriptions().setForMember(actor, b, [{ topicId: promo, subscribed: true }], '服务台口头同意');
    const csv = Buffer.from(`手机号,主题,订阅\n13900139513,促销,是\n13900139512,促销信息,TD\n12345,促销,是\n`, 'utf8');
    const report = await subscriptions().importFile(actor, { fileName: 'subs.csv', content: csv }, { mode: 'keep-good' });
    expect(report).toMatchObject({ committed: true, rows: 3, good: 2 });
    expect(report.errors).toEqual([expect.objectContaining({ row: 4, code: 'INVALID_NUMBER' })]); // spreadsheet rows: the header is row 1

    const reached: number[] = [];
    for await (const recipient of subscriptions().audience(promo)) reached.push(recipient.memberId!);
    expect(reached.sort()).toEqual([a, c].sort());
    expect(await subscriptions().subscriberCount(promo)).toBe(2);
    expect(await services().members.count({ subscribedTo: { topicIds: [promo] } })).toBe(2);
    const history = await subscriptions().consentHistory(b);
    expect(history.items.map((e) => [e.source, e.granted])).toEqual(expect.arrayContaining([['ui', true], ['import', false]]));
  });

  it('topics are editable; a keyword is unique however it is written', async () => {
    const topic = await subscriptions().createTopic(actor, { name: '母婴', keyword: '母婴' });
    await expect(subscriptions().createTopic(actor, { name: '母婴用品', keyword: '母嬰' })).rejects.toMatchObject({ status: 409 });
    await subscriptions().updateTopic(actor, topic.id, { active: false });
    expect(await textIn('+8613900139520', 'DY 母婴')).toBe('subscriptions');
    expect(await lastReply('+8613900139520')).toContain('没有');
  });
});
