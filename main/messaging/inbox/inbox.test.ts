import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actor, openMessagingCore, type MessagingCore } from '../outbox/testing.js';
import { INBOUND_ORDER, type InboundHandler } from './inbox.js';

let t: MessagingCore;
const inbox = () => t.core.services.messaging.inbox;
const db = () => t.core.services.db;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await t.close();
});

describe('inbox', () => {
  it('keeps one conversation per number: each text counts as unhandled until someone handles it', async () => {
    await inbox().write({ modemId: '1', sender: '13900139201', text: '有鸡蛋吗？', key: 'a' });
    t.clock.advance(1_000);
    await inbox().write({ modemId: '2', sender: '+86 139 0013 9201', text: '还有吗？', key: 'b' });
    const [first] = (await inbox().conversations({ page: 1, pageSize: 10 })).items;
    expect(first).toMatchObject({ number: '+8613900139201', unhandled: 2, lastModemId: '2', lastText: '还有吗？', lastAt: t.clock.now() });
    await inbox().markHandled(actor, first!.id);
    await inbox().write({ modemId: '1', sender: '13900139201', text: '谢谢', key: 'c' });
    const { items, total } = await inbox().conversations({ page: 1, pageSize: 10 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ id: first!.id, unhandled: 1, handledAt: null, handledBy: null, lastModemId: '1' });
  });

  it('runs the handler chain in one transaction with the processed mark: a failing handler leaves nothing half done', async () => {
    const failing: InboundHandler = {
      name: 'failing',
      async handle() {
        throw new Error('keyword service down');
      },
    };
    // Writes an opt-out and an answer, then fails: neither may be committed.
    const optOutThenFail: InboundHandler = {
      name: 'opt-out-then-fail',
      async handle(_message, tools) {
        await tools.optOut();
        await tools.autoReply('已退订', 'test');
        throw new Error('crash after the answer');
      },
    };
    const removeFailing = inbox().use(failing);
    const stored = await inbox().write({ modemId: '1', sender: '13900139202', text: '有鸡蛋吗？', key: 'x' });
    await expect(inbox().processStored(stored.stored)).rejects.toThrow('keyword service down');
    expect(await db()('inbox_messages').where('id', stored.id).first()).toMatchObject({ processed_at: null, handled_by_rule: null });

    removeFailing();
    const removeOptOutThenFail = inbox().use(optOutThenFail);
    await expect(inbox().processStored(stored.stored)).rejects.toThrow('crash after the answer');
    expect(await db()('number_lists').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await db()('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await db()('audit_log').where('action', 'lists.black.opt-out').count({ n: '*' })).toEqual([{ n: 0 }]);

    // Once the chain can finish, the text is handled exactly once.
    removeOptOutThenFail();
    expect(await inbox().process(stored.id)).toBeNull();
    expect(await inbox().process(stored.id)).toBeNull();
    expect(await db()('inbox_messages').where('id', stored.id).first()).toMatchObject({ processed_at: t.clock.now() });
  });

  it('runs handlers in their chain order whatever order they were added in; the first that handles stops the chain', async () => {
    const seen: string[] = [];
    const handler = (name: string, verdict: 'handled' | 'pass'): InboundHandler => ({
      name,
      async handle() {
        seen.push(name);
        return verdict;
      },
    });
    // The appliance's own keyword services stand aside: these handlers play every place in the chain.
    t.core.services.smsServices.detach();
    const removals = [
      inbox().use(handler('keywords', 'handled'), INBOUND_ORDER.keywordServices),
      inbox().use(handler('survey', 'pass'), INBOUND_ORDER.surveys),
      inbox().use(handler('feedback', 'pass'), INBOUND_ORDER.feedback),
      inbox().use(handler('topics', 'pass'), INBOUND_ORDER.subscriptions),
      inbox().use(handler('later-keywords', 'handled'), INBOUND_ORDER.keywordServices),
    ];
    const stored = await inbox().write({ modemId: '1', sender: '13900139203', text: '积分', key: 'order' });
    expect(await inbox().process(stored.id)).toBe('keywords');
    // Opt-out (the house's own, order 0) passes on a text that is not TD.
    expect(seen).toEqual(['topics', 'survey', 'feedback', 'keywords']);
    for (const remove of removals) remove();
    t.core.services.smsServices.attach(inbox());
  });

  it('opts a sender out with one confirmation, and none on a repeat; the reply reads the new list status', async () => {
    for (const [i, text] of ['TD', '退订'].entries()) {
      const stored = await inbox().write({ modemId: '3', sender: '13900139203', text, key: `td${i}` });
      expect(await inbox().processStored(stored.stored)).toBe('opt-out');
    }
    expect(await db()('outbox_messages').select('recipient', 'status', 'reply_modem', 'category', 'automatic')).toEqual([
      { recipient: '+8613900139203', status: 'queued', reply_modem: '3', category: 'reply', automatic: 1 },
    ]);
    expect(await db()('number_lists').select('list', 'mobile', 'scope', 'source')).toEqual([
      { list: 'black', mobile: '+8613900139203', scope: 'marketing', source: 'opt-out' },
    ]);
    // An inbound-only entry widens to all: no confirmation then (the number gets no automatic answers).
    await t.core.services.lists.add(actor, 'black', { mobile: '13900139204', scope: 'inbound', reason: '自动应答机' });
    const stored = await inbox().write({ modemId: '3', sender: '13900139204', text: 'T', key: 't' });
    expect(await inbox().processStored(stored.stored)).toBe('opt-out');
    expect((await t.core.services.lists.statusOf('13900139204')).blacklist).toMatchObject({ scope: 'all', source: 'opt-out' });
    expect(await db()('outbox_messages').where('recipient', '+8613900139204').count({ n: '*' })).toEqual([{ n: 0 }]);
  });
});
