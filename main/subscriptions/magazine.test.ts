import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actor, addMember, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { localDate } from '../messaging/policy/local-time.js';
import { MAGAZINE_DEFAULTS } from './magazine-settings.js';
import { isoWeekday } from './magazine-issue.js';

let t: MessagingCore;
const services = () => t.core.services;
const magazine = () => t.core.services.magazine;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await t.close();
});

/** Two subscribers of the 电子杂志, one of whom opted out of marketing, and a member who never subscribed. */
async function audience(): Promise<{ reader: number; optedOut: number; other: number }> {
  const topic = (await services().subscriptions.topicByRole('magazine'))!;
  const reader = await addMember(t.core, { mobile: '+8613900139701', name: '周读者' });
  const optedOut = await addMember(t.core, { mobile: '+8613900139702', name: '吴退订', marketingConsent: false });
  const other = await addMember(t.core, { mobile: '+8613900139703', name: '郑未订' });
  for (const id of [reader, optedOut]) await services().subscriptions.setForMember(actor, id, [{ topicId: topic.id, subscribed: true }], '服务台登记');
  return { reader, optedOut, other };
}

const sentTo = async (): Promise<string[]> =>
  ((await services().db('outbox_messages').select('recipient').where({ source: 'magazine' }).whereNot('status', 'blocked').orderBy('recipient')) as Array<{ recipient: string }>).map((r) => r.recipient);

describe('the 电子杂志', () => {
  it('an issue goes to the magazine topic’s subscribers only, as marketing (consent applies), once', async () => {
    await audience();
    const issue = await magazine().create(actor, { title: '11月第4期', text: '{称呼}，本周鲜果特价：苹果5.9元/斤。' });
    const preview = await magazine().preview(issue.text);
    expect(preview.topic).toMatchObject({ name: '电子杂志', subscribers: 2 });
    expect(preview.tally).toMatchObject({ total: 2, queued: 1 });
    expect(preview.sample.withinLimit).toBe(true);

    const sent = await magazine().send(actor, issue.id);
    expect(sent).toMatchObject({ state: 'sent', recipients: 2, queued: 1 });
    expect(await sentTo()).toEqual(['+8613900139701']);
    const [row] = await services().db('outbox_messages').where({ source: 'magazine', recipient: '+8613900139701' });
    expect(row).toMatchObject({ category: 'marketing' });
    expect(row.text).toContain('周');
    await expect(magazine().send(actor, issue.id)).rejects.toMatchObject({ code: 'MAGAZINE_ISSUE_SENT' });
    await expect(magazine().update(actor, issue.id, { text: 'x' })).rejects.toMatchObject({ code: 'MAGAZINE_ISSUE_SENT' });
  });

  it('on its schedule the latest draft goes out once per period, with the store’s public link', async () => {
    await audience();
    const zone = (await services().settings.get('policy')).timeZone;
    const today = localDate(zone, t.clock.now());
    await services().settings.update(actor, {
      magazine: { ...MAGAZINE_DEFAULTS, schedule: 'weekly', weekday: isoWeekday(today), time: '09:00', content: 'written', publicUrl: 'https://example.com/mag' },
    });
    expect(await magazine().tick()).toBeUndefined(); // no draft yet: nothing to send
    await magazine().create(actor, { title: '11月第4期', text: '本周会员日全场95折。' });
    const sent = await magazine().tick();
    expect(sent).toMatchObject({ state: 'sent', period: expect.stringMatching(/W/) });
    expect(await magazine().tick()).toBeUndefined(); // the same period again: no second issue
    const [row] = await services().db('outbox_messages').where({ source: 'magazine' });
    expect(row.text).toContain('https://example.com/mag');
  });
});
