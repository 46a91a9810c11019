import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundHandler } from '../inbox/inbox.js';
import { POLICY_DEFAULTS } from '../policy/settings.js';
import { actor, openMessagingCore, type MessagingCore } from '../outbox/testing.js';
import { VirtualModems } from './virtual-modems.js';

let t: MessagingCore;
let modems: VirtualModems;
const messaging = () => t.core.services.messaging;
const db = () => t.core.services.db;

async function until(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The modem's InboundMessage with the fields the inbox does not use filled in. */
const inbound = (m: { modemId: string; from: string; text: string; sentAt: number; partial: boolean; key: string }) => ({
  ...m,
  receivedAt: m.sentAt,
  concat: null,
  flash: false,
  pdus: [],
});

const countWhere = async (where: Record<string, unknown>) => Number((await db()('outbox_messages').where(where).count({ n: '*' }))[0]!.n);

async function startWith(ids: string[], options: ConstructorParameters<typeof VirtualModems>[1] = {}): Promise<void> {
  modems = new VirtualModems(ids, {
    latencyMs: 2,
    reportAfterMs: 5,
    onStatusReport: (r) => messaging().outbox.storeStatusReport(r).then(() => undefined),
    ...options,
  });
  await messaging().start(modems);
}

beforeEach(async () => {
  t = await openMessagingCore();
  // The chain's own mechanics: without the keyword services, which answer unknown texts with their help menu.
  t.core.services.smsServices.detach();
});
afterEach(async () => {
  await messaging().stop();
  modems?.close();
  await t.close();
});

describe('dispatcher with virtual modems', () => {
  it('sends every part exactly once across the modems and moves messages to delivered by status report', async () => {
    await startWith(['m1', 'm2', 'm3']);
    const audience = Array.from({ length: 60 }, (_, i) => ({ number: `1390013${String(8000 + i)}` }));
    await messaging().outbox.enqueue(audience, { text: i18nLong(), category: 'care', source: 'test' }, actor);
    messaging().poke();
    await until(async () => (await countWhere({ status: 'delivered' })) === 60);
    const seen = new Set<string>();
    for (const part of modems.accepted) {
      const key = `${part.messageId}/${part.partNumber}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(seen.size).toBe(120);
    expect(new Set(modems.accepted.map((p) => p.modemId))).toEqual(new Set(['m1', 'm2', 'm3']));
    // A message's parts go through one modem, so its status reports come back on that modem.
    const byMessage = new Map<number, Set<string>>();
    for (const p of modems.accepted) byMessage.set(p.messageId, (byMessage.get(p.messageId) ?? new Set()).add(p.modemId));
    for (const set of byMessage.values()) expect(set.size).toBe(1);
  });

  it('sends a pinned message through its modem only, while unpinned work spreads over all of them', async () => {
    await startWith(['m1', 'm2', 'm3']);
    const numbers = (from: number) => Array.from({ length: 12 }, (_, i) => ({ number: `1390013${String(from + i)}` }));
    const pinned = await messaging().outbox.enqueue(numbers(8100), { text: '门店专线通知', category: 'care', source: 'test', pinnedModem: 'm3' }, actor);
    await messaging().outbox.enqueue(numbers(8200), { text: '到货提醒', category: 'care', source: 'test' }, actor);
    messaging().poke();
    await until(async () => (await countWhere({ status: 'delivered' })) === 24);
    const pinnedIds = new Set(pinned.messageIds);
    const viaPinned = modems.accepted.filter((p) => pinnedIds.has(p.messageId));
    expect(viaPinned).toHaveLength(12);
    expect(new Set(viaPinned.map((p) => p.modemId))).toEqual(new Set(['m3']));
    expect(new Set(modems.accepted.filter((p) => !pinnedIds.has(p.messageId)).map((p) => p.modemId)).size).toBeGreaterThan(1);
  });

  it('marks a part the modem did not answer for as unknown and never sends it again', async () => {
    await startWith(['m1']);
    modems.fail('m1', { kind: 'uncertain', retryable: true, code: 'MODEM_TIMEOUT', message: 'no answer to AT+CMGS' });
    await messaging().outbox.enqueue([{ number: '13900139001' }], { text: '取货提醒', category: 'transactional', source: 'test' }, actor);
    messaging().poke();
    await until(async () => (await countWhere({ status: 'unknown' })) === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(modems.accepted).toHaveLength(0);
    expect(await countWhere({ status: 'unknown' })).toBe(1);
  });

  it('replies from a conversation through the modem the text came in on', async () => {
    await startWith(['m1', 'm2', 'm3']);
    await messaging().sink.storeInbound(inbound({ modemId: 'm2', from: '+8613900139002', text: '请问几点关门？', sentAt: t.clock.now(), partial: false, key: 'k1' }));
    const { items } = await messaging().inbox.conversations({ page: 1, pageSize: 10 });
    expect(items[0]).toMatchObject({ number: '+8613900139002', unhandled: 1, lastModemId: 'm2' });
    for (let i = 0; i < 5; i += 1) {
      await messaging().inbox.reply(actor, items[0]!.id, `晚上十点关门 ${i}`);
    }
    await until(async () => (await countWhere({ status: 'delivered' })) === 5);
    expect(new Set(modems.accepted.map((p) => p.modemId))).toEqual(new Set(['m2']));
    const { conversation, entries } = await messaging().inbox.conversation(items[0]!.id);
    expect(conversation.unhandled).toBe(0);
    expect(entries.map((e) => e.direction)).toEqual(['in', 'out', 'out', 'out', 'out', 'out']);
  });

  it('opts a sender out on TD: blacklisted for marketing at once, one confirmation through the same modem', async () => {
    await startWith(['m1', 'm2']);
    const td = { modemId: 'm1', from: '8613900139003', text: ' td ', sentAt: t.clock.now(), partial: false };
    await messaging().sink.storeInbound(inbound({ ...td, key: 'a' }));
    await messaging().sink.storeInbound(inbound({ ...td, key: 'b', sentAt: t.clock.now() + 1 })); // a second TD: no second confirmation
    await until(async () => (await countWhere({ status: 'delivered' })) === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(modems.accepted).toHaveLength(1);
    expect(modems.accepted[0]).toMatchObject({ modemId: 'm1', recipient: '+8613900139003' });
    const confirmation = await db()('outbox_messages').first();
    expect(confirmation.text).toContain(POLICY_DEFAULTS.optOutConfirmation);
    const status = await t.core.services.lists.statusOf('+8613900139003');
    expect(status.blacklist).toMatchObject({ scope: 'marketing', source: 'opt-out' });
    const later = await messaging().outbox.enqueue([{ number: '13900139003' }], { text: '周末大促', category: 'marketing', source: 'test' }, actor);
    expect(later.blocked).toEqual({ 'opt-out': 1 });
    const handled = await db()('inbox_messages').select('handled_by_rule');
    expect(handled.map((h: { handled_by_rule: string }) => h.handled_by_rule)).toEqual(['opt-out', 'opt-out']);
  });

  it('stops automatic answers after the hourly limit (loops with other auto-responders) and gives inbound-blacklisted numbers none', async () => {
    await startWith(['m1']);
    const echo: InboundHandler = {
      name: 'echo',
      async handle(message, tools) {
        if (tools.mayAutoAnswer) await tools.autoReply('收到', 'echo');
        return 'handled';
      },
    };
    messaging().inbox.use(echo);
    for (let i = 0; i < 8; i += 1) {
      const stored = await messaging().inbox.write({ modemId: 'm1', sender: '+8613900139004', text: `自动回复 ${i}`, key: `x${i}` });
      await messaging().inbox.process(stored.id);
    }
    expect(await countWhere({ automatic: true, status: 'blocked', blocked_rule: 'auto-reply-limit' })).toBe(3);
    await t.core.services.lists.add(actor, 'black', { mobile: '13900139005', scope: 'inbound', reason: '另一台自动应答机' });
    const stored = await messaging().inbox.write({ modemId: 'm1', sender: '+8613900139005', text: '你好', key: 'y' });
    await messaging().inbox.process(stored.id);
    expect(await countWhere({ recipient: '+8613900139005' })).toBe(0);
    expect(await db()('inbox_messages').where('sender', '+8613900139005').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('stores an inbound text once even when the modem hands it over twice', async () => {
    await startWith(['m1']);
    const message = { modemId: 'm1', from: '13900139006', text: '在吗', sentAt: 1, partial: false, key: 'SM:3' };
    await messaging().sink.storeInbound(inbound(message));
    await messaging().sink.storeInbound(inbound(message));
    expect(await db()('inbox_messages').count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});

function i18nLong(): string {
  // Two UCS2 parts: 67 characters per part.
  return '尊敬的会员，本周六会员日全场生鲜八折，积分双倍，欢迎光临好又多超市人民路店。'.repeat(2);
}
