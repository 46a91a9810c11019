import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePdu } from '../../modem/pdu/index.js';
import { preview, renderOptionsFrom } from '../render/render.js';
import { membersAudience } from './recipients.js';
import { actor, addMember, MORNING, openMessagingCore, type MessagingCore } from './testing.js';

let t: MessagingCore;
const outbox = () => t.core.services.messaging.outbox;
const db = () => t.core.services.db;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await t.close();
});

describe('enqueue', () => {
  it('personalises per member, adds signature and opt-out hint, and writes one row per recipient', async () => {
    await addMember(t.core, { mobile: '+8613800138001', name: '欧阳娜', gender: 'F', points: 320 });
    const result = await outbox().enqueue(
      [{ number: '138 0013 8001' }, { number: '13800138002' }],
      { text: '{称呼}:您有{积分}积分待兑换。', category: 'care', source: 'ui' },
      actor,
    );
    expect(result).toMatchObject({ total: 2, queued: 1, blocked: { render: 1 } });
    const rows = await db()('outbox_messages').orderBy('id');
    expect(rows[0]).toMatchObject({ recipient: '+8613800138001', status: 'queued', text: '尊敬的欧阳女士:您有320积分待兑换。回T退订【好又多超市】' });
    // The pasted number is no member: {积分} has no value, so that recipient is blocked with the reason, not sent a broken text.
    expect(rows[1]).toMatchObject({ recipient: '+8613800138002', status: 'blocked', blocked_rule: 'render', error_code: 'PLACEHOLDER_VALUE_MISSING' });
  });

  it('{门店} is the member’s own store in the real message, exactly as the preview shows it; others get the store name', async () => {
    const now = t.clock.now();
    await db()('stores').insert({ code: 'S07', name: '好又多(人民路店)', created_at: now, updated_at: now });
    const id = await addMember(t.core, { mobile: '+8613800138005', name: '王芳', gender: 'F', points: 10 });
    await db()('members').where({ id }).update({ store_code: 'S07' });
    await db()('member_tags').insert({ member_id: id, tag: '人民路' });
    const text = '{称呼}，{门店}新到草莓。';
    const settings = await t.core.services.settings.all();
    const shown = preview(text, { name: '王芳', gender: 'F', points: 10, storeName: '好又多(人民路店)' }, renderOptionsFrom(settings, settings.policy, 'transactional'));
    const byNumber = await outbox().enqueue([{ number: '13800138005' }, { number: '13800138006' }], { text, category: 'transactional', source: 'ui' }, actor);
    const byGroup = await outbox().enqueue(membersAudience(db(), { tag: '人民路' }), { text, category: 'transactional', source: 'ui' }, actor);
    const rows = await db()('outbox_messages').whereIn('id', [...byNumber.messageIds, ...byGroup.messageIds]).orderBy('id');
    expect(rows.map((r: { text: string }) => r.text)).toEqual([
      '尊敬的王女士，好又多(人民路店)新到草莓。【好又多超市】',
      '尊敬的会员，好又多超市新到草莓。【好又多超市】',
      '尊敬的王女士，好又多(人民路店)新到草莓。【好又多超市】',
    ]);
    expect(rows[0].text).toBe(shown.text);
  });

  it('refuses an empty text or an unknown placeholder before writing anything', async () => {
    await expect(outbox().enqueue([{ number: '13800138000' }], { text: '  ', category: 'care', source: 'ui' }, actor)).rejects.toMatchObject({ code: 'EMPTY_TEXT' });
    await expect(outbox().enqueue([{ number: '13800138000' }], { text: '{优惠码}', category: 'care', source: 'ui' }, actor)).rejects.toMatchObject({
      code: 'UNKNOWN_PLACEHOLDER',
    });
    expect(await db()('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('never texts the same member twice for one campaign, however often it is started', async () => {
    const audience = Array.from({ length: 30 }, (_, i) => ({ number: `1380013${String(8100 + i)}` }));
    const request = { text: '周末大促，全场8折', category: 'marketing' as const, source: 'campaign', idempotencyPrefix: 'campaign:7' };
    const first = await outbox().enqueue(audience, request, actor);
    const second = await outbox().enqueue(audience, request, actor);
    expect(first.queued + first.deferred).toBe(30);
    expect(second).toMatchObject({ queued: 0, deferred: 0, duplicates: 30 });
    expect(await db()('outbox_messages').count({ n: '*' })).toEqual([{ n: 30 }]);
  });

  it('blocks by policy rule, and a dry run counts the same without writing', async () => {
    await t.core.services.lists.add(actor, 'black', { mobile: '13800138011', reason: '投诉' });
    await addMember(t.core, { mobile: '+8613800138012', name: '李雷', gender: 'M', marketingConsent: false });
    const recipients = [{ number: '13800138011' }, { number: '13800138012' }, { number: '13800138013' }, { number: '12345' }];
    const request = { text: '新品上市', category: 'marketing' as const, source: 'ui' };
    const dry = await outbox().enqueue(recipients, request, actor, { dryRun: true });
    expect(dry.blocked).toEqual({ blacklist: 1, consent: 1, 'invalid-number': 1 });
    expect(await db()('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
    const real = await outbox().enqueue(recipients, request, actor);
    expect(real.blocked).toEqual(dry.blocked);
    expect(real.queued).toBe(1);
  });

  it('defers marketing queued during quiet hours to their end, never dropping it', async () => {
    t.clock.set(Date.UTC(2026, 10, 22, 14, 0, 0)); // 22:00 in Shanghai
    const result = await outbox().enqueue([{ number: '13800138021' }], { text: '早安特价', category: 'marketing', source: 'ui' }, actor);
    expect(result).toMatchObject({ queued: 0, deferred: 1 });
    const row = await db()('outbox_messages').first();
    expect(Number(row.due_at)).toBe(Date.UTC(2026, 10, 23, 0, 0, 0)); // 08:00 next morning
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
    t.clock.set(Date.UTC(2026, 10, 23, 0, 0, 0));
    expect(await outbox().claim('m1', ['m1'])).toMatchObject({ recipient: '+8613800138021' });
  });
});

describe('claim and parts', () => {
  it('claims replies first, then care and transactional, then marketing, oldest first', async () => {
    const send = (n: string, category: 'reply' | 'care' | 'transactional' | 'marketing') =>
      outbox().enqueue([{ number: n }], { text: `${category} text`, category, source: 'ui' }, actor);
    await send('13800138031', 'marketing');
    await send('13800138032', 'transactional');
    await send('13800138033', 'care');
    await send('13800138034', 'reply');
    const order: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const claimed = await outbox().claim('m1', ['m1']);
      order.push(claimed!.category);
      await outbox().beginPart(claimed!.parts[0]!.id, 'm1');
      await outbox().partAccepted(claimed!.parts[0]!.id, i + 1);
      await outbox().messageSent(claimed!);
    }
    expect(order).toEqual(['reply', 'transactional', 'care', 'marketing']);
  });

  it('encodes long messages into parts once, with a concatenation reference', async () => {
    await outbox().enqueue([{ number: '13800138041' }], { text: '会员日'.repeat(30), category: 'care', source: 'ui' }, actor);
    const claimed = (await outbox().claim('m1', ['m1']))!;
    expect(claimed.parts.length).toBe(2);
    const decoded = claimed.parts.map((p) => decodePdu(p.pdu));
    expect(decoded.map((d) => (d.type === 'submit' ? d.concat : undefined))).toEqual([
      expect.objectContaining({ sequence: 1, total: 2, reference: claimed.id % 256 }),
      expect.objectContaining({ sequence: 2, total: 2, reference: claimed.id % 256 }),
    ]);
  });

  it('retries a refused part with backoff, then fails it when the attempts are used up', async () => {
    await outbox().enqueue([{ number: '13800138051' }], { text: '取货通知', category: 'transactional', source: 'ui' }, actor);
    const retry = outbox().retry;
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt += 1) {
      const claimed = await outbox().claim('m1', ['m1']);
      expect(claimed).toBeDefined();
      await outbox().beginPart(claimed!.parts[0]!.id, 'm1');
      const status = await outbox().partFailed(claimed!.id, claimed!.parts[0]!.id, { kind: 'refused', retryable: true, code: 'CMS_42', message: 'congestion' });
      if (attempt < retry.maxAttempts) {
        expect(status).toBe('queued');
        const row = await db()('outbox_messages').first();
        expect(Number(row.due_at) - t.clock.now()).toBe(retry.baseDelayMs * 2 ** (attempt - 1) > retry.maxDelayMs ? retry.maxDelayMs : retry.baseDelayMs * 2 ** (attempt - 1));
        expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
        t.clock.advance(retry.maxDelayMs);
      } else {
        expect(status).toBe('failed');
      }
    }
  });

  it('fails at once on a permanent error', async () => {
    await outbox().enqueue([{ number: '13800138052' }], { text: '取货通知', category: 'transactional', source: 'ui' }, actor);
    const claimed = (await outbox().claim('m1', ['m1']))!;
    await outbox().beginPart(claimed.parts[0]!.id, 'm1');
    expect(await outbox().partFailed(claimed.id, claimed.parts[0]!.id, { kind: 'refused', retryable: false, code: 'CMS_1', message: 'unassigned number' })).toBe('failed');
  });

  it('turns parts found sending after a restart into unknown, never resends them, and lets an operator decide', async () => {
    await outbox().enqueue([{ number: '13800138061' }, { number: '13800138062' }], { text: '会员通知', category: 'care', source: 'ui' }, actor);
    const first = (await outbox().claim('m1', ['m1']))!;
    await outbox().beginPart(first.parts[0]!.id, 'm1'); // the appliance dies here
    const second = (await outbox().claim('m1', ['m1']))!; // claimed but no part sent yet
    const recovered = await outbox().recoverAfterRestart();
    expect(recovered).toEqual({ unknown: 1, requeued: 1 });
    expect((await outbox().get(first.id)).status).toBe('unknown');
    expect((await outbox().claim('m1', ['m1']))!.id).toBe(second.id);
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();

    const resolved = await outbox().resolveUnknown(actor, first.id, 'resend');
    expect(resolved).toMatchObject({ status: 'failed', resolution: 'resend' });
    const again = await outbox().get(resolved.resentAs!);
    expect(again).toMatchObject({ status: 'queued', recipient: '+8613800138061' });
    await expect(outbox().resolveUnknown(actor, first.id, 'mark-sent')).rejects.toMatchObject({ code: 'MESSAGE_NOT_UNKNOWN' });
    const audit = await db()('audit_log').where('action', 'messages.resolve.resend');
    expect(audit).toHaveLength(1);
  });

  it('re-checks the policy when dispatching: a number blacklisted after queueing is blocked', async () => {
    await outbox().enqueue([{ number: '13800138071' }], { text: '周末特价', category: 'marketing', source: 'ui' }, actor);
    await t.core.services.lists.add(actor, 'black', { mobile: '13800138071', scope: 'marketing', reason: '电话投诉' });
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
    expect(await db()('outbox_messages').first()).toMatchObject({ status: 'blocked', blocked_rule: 'blacklist' });
  });

  it('expires a message whose not-after passed before it was sent', async () => {
    await outbox().enqueue([{ number: '13800138081' }], { text: '今日限时', category: 'care', source: 'ui', notAfter: MORNING + 60_000 }, actor);
    t.clock.advance(120_000);
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
    expect(await db()('outbox_messages').first()).toMatchObject({ status: 'expired' });
  });

  it('matches a status report by modem, MR and recipient in any number format', async () => {
    await outbox().enqueue([{ number: '13800138091' }], { text: '到货提醒', category: 'care', source: 'ui' }, actor);
    const claimed = (await outbox().claim('m1', ['m1']))!;
    await outbox().beginPart(claimed.parts[0]!.id, 'm1');
    await outbox().partAccepted(claimed.parts[0]!.id, 77);
    await outbox().messageSent(claimed);
    expect(await outbox().storeStatusReport({ modemId: 'm2', mr: 77, recipient: '13800138091', status: 0, outcome: 'delivered' })).toEqual({
      partId: null,
      messageStatus: null,
    });
    expect(await outbox().storeStatusReport({ modemId: 'm1', mr: 77, recipient: '8613800138091', status: 0, outcome: 'delivered' })).toMatchObject({
      messageStatus: 'delivered',
    });
    const detail = await outbox().detail(claimed.id);
    expect(detail.parts[0]).toMatchObject({ status: 'delivered', mr: 77, modemId: 'm1', reportStatus: 0 });
    expect(detail.reports).toHaveLength(1);
  });
});
