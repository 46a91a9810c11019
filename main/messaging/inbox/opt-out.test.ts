import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actor, addMember, openMessagingCore, type MessagingCore } from '../outbox/testing.js';

let t: MessagingCore;
const messaging = () => t.core.services.messaging;
const db = () => t.core.services.db;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await t.close();
});

async function textIn(sender: string, text: string, key: string): Promise<void> {
  const stored = await messaging().inbox.write({ modemId: 'm1', sender, text, key });
  await messaging().inbox.process(stored.id);
}

describe('an SMS opt-out (TD)', () => {
  it('shows at once on the member (营销 = 否, 短信退订, when) and on the waiting messages to the number, which the claim then blocks', async () => {
    const memberId = await addMember(t.core, { mobile: '+8613900139301', name: '赵敏', gender: 'F', points: 50 });
    const later = t.clock.now() + 3_600_000;
    const queued = await messaging().outbox.enqueue(
      [{ number: '13900139301' }],
      { text: '{称呼}，您的积分即将到期', category: 'care', source: 'ui', notBefore: later },
      actor,
    );
    const notice = await messaging().outbox.enqueue([{ number: '13900139301' }], { text: '您的订单已到货', category: 'transactional', source: 'ui', notBefore: later }, actor);
    expect((await messaging().outbox.search({ page: 1, pageSize: 10 })).items.every((m) => !m.willBlock)).toBe(true);

    t.clock.advance(60_000);
    await textIn('+8613900139301', 'TD', 'td-1');

    const member = await t.core.services.members.get(memberId, { revealIdNumber: false });
    expect(member).toMatchObject({ marketingConsent: false, marketingConsentSource: 'sms-opt-out', marketingConsentAt: t.clock.now() });
    const { items } = await messaging().outbox.search({ page: 1, pageSize: 10 });
    const byId = new Map(items.map((m) => [m.id, m]));
    expect(byId.get(queued.messageIds[0]!)?.willBlock).toMatchObject({ rule: 'opt-out' });
    // A transactional notice is not commercial: it still goes.
    expect(byId.get(notice.messageIds[0]!)?.willBlock).toBeFalsy();
    // The confirmation says what stops, and is itself not blocked.
    const confirmation = items.find((m) => m.automatic);
    expect(confirmation).toMatchObject({ status: 'queued', text: expect.stringContaining('营销及关怀短信') });

    t.clock.set(later);
    while (await messaging().outbox.claim('m1', ['m1'])) {
      // Claims the confirmation and the notice; the care message is blocked on its way.
    }
    expect(await messaging().outbox.get(queued.messageIds[0]!)).toMatchObject({ status: 'blocked', blockedRule: 'opt-out' });
    expect(await messaging().outbox.get(notice.messageIds[0]!)).toMatchObject({ status: 'sending' });
  });

  it('a staff change of consent records staff and the time; a second TD changes nothing', async () => {
    const memberId = await addMember(t.core, { mobile: '+8613900139302', name: '周芷若', gender: 'F' });
    await t.core.services.members.update(actor, memberId, { marketingConsent: false });
    expect(await t.core.services.members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsentSource: 'staff', marketingConsentAt: t.clock.now() });
    await textIn('+8613900139302', '退订', 'a');
    const at = t.clock.now();
    t.clock.advance(1_000);
    await textIn('+8613900139302', 'TD', 'b');
    expect(await t.core.services.members.get(memberId, { revealIdNumber: false })).toMatchObject({ marketingConsentSource: 'sms-opt-out', marketingConsentAt: at });
    expect(await db()('outbox_messages').where({ recipient: '+8613900139302', automatic: true }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });
});
