import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { createTestAppliance, type TestAppliance } from '../../../tests/support/appliance.js';
import { ManualClock } from '../../clock.js';
import { addMember, MORNING } from '../../messaging/outbox/testing.js';

let app: TestAppliance;
beforeEach(async () => {
  // 10:00 in Shanghai: commercial texts are not held for quiet hours.
  app = await createTestAppliance({ clock: new ManualClock(MORNING) });
});
afterEach(async () => {
  await app.close();
});

describe('/api/messages', () => {
  it('checks a send with counts per policy rule, then queues it; the sent log and timeline show it', async () => {
    const operator = await app.client('operator');
    await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13800138002', reason: '投诉' });
    const body = { text: '{称呼}，本周会员日全场八折', category: 'care', numbers: '13800138001\n13800138002, 13800138001\n12345' };
    const check = await operator.post('/api/messages/check', body);
    expect(check.statusCode).toBe(200);
    expect(check.json()).toMatchObject({ total: 3, queued: 1, blocked: { blacklist: 1, 'invalid-number': 1 } });
    expect(check.json().problems.map((p: { code: string }) => p.code)).toEqual(['DUPLICATE_NUMBER', 'INVALID_NUMBER']);
    expect((await operator.get('/api/messages')).json().total).toBe(0);

    const sent = await operator.post('/api/messages', body);
    expect(sent.statusCode).toBe(201);
    const list = (await operator.get('/api/messages?status=queued')).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ recipient: '+8613800138001', text: '尊敬的会员，本周会员日全场八折，回T退订【好又多超市】', createdBy: 'test-operator' });
    const blocked = (await operator.get('/api/messages?status=blocked&q=138002')).json();
    expect(blocked.items[0]).toMatchObject({ blockedRule: 'blacklist' });
    const detail = (await operator.get(`/api/messages/${list.items[0].id}`)).json();
    expect(detail).toMatchObject({ message: { id: list.items[0].id }, parts: [], reports: [] });
    const status = (await operator.get('/api/messages/status')).json();
    expect(status.counts).toMatchObject({ queued: 1, blocked: 2 });
  });

  it('the check says what the confirmation shows: category, total parts, send time, duration at the modems’ pace, three real texts', async () => {
    await app.services.modems.add({ name: '收银台', kind: 'simulator', limits: { minGapMs: 3_000, perHour: 200, perDay: 1_000 } }, SYSTEM_ACTOR);
    await addMember(app.core, { mobile: '+8613800138061', name: '张伟', gender: 'M' });
    const operator = await app.client('operator');
    const numbers = Array.from({ length: 5 }, (_, i) => `1380013806${i + 1}`).join('\n');
    const check = (await operator.post('/api/messages/check', { text: '{称呼}，本周六会员日', category: 'marketing', numbers })).json();
    expect(check).toMatchObject({ category: 'marketing', total: 5, queued: 5, parts: 5, sendAt: app.clock.now(), estimate: { seconds: 15, modems: 1, partsPerHour: 200 } });
    expect(check.samples).toEqual([
      { recipient: '138****8061', text: '尊敬的张先生，本周六会员日，回T退订【好又多超市】', parts: 1 },
      { recipient: '138****8062', text: '尊敬的会员，本周六会员日，回T退订【好又多超市】', parts: 1 },
      { recipient: '138****8063', text: '尊敬的会员，本周六会员日，回T退订【好又多超市】', parts: 1 },
    ]);
    expect((await operator.get('/api/batches/estimate?parts=400')).json()).toEqual({ seconds: 3600 + 600, modems: 1, partsPerHour: 200 });
  });

  it('refuses a scheduled time in the past (a minute of grace for the form), with a code the UI words', async () => {
    const operator = await app.client('operator');
    const body = { text: '到货通知', category: 'transactional', numbers: '13800138071' };
    const past = await operator.post('/api/messages/check', { ...body, notBefore: app.clock.now() - 5 * 60_000 });
    expect(past.statusCode).toBe(400);
    expect(past.json().error).toMatchObject({ code: 'SCHEDULE_IN_PAST' });
    expect((await operator.post('/api/messages', { ...body, notBefore: app.clock.now() - 30_000 })).statusCode).toBe(201);
    // The form sends null for "now".
    expect((await operator.post('/api/messages/check', { ...body, notBefore: null })).statusCode).toBe(200);
  });

  it('cancels a scheduled batch and a single waiting message', async () => {
    const operator = await app.client('operator');
    const later = app.clock.now() + 86_400_000;
    const sent = (await operator.post('/api/messages', { text: '明日特价', category: 'marketing', numbers: '13800138081\n13800138082', notBefore: later })).json();
    const listed = (await operator.get('/api/batches?page=1&pageSize=5')).json();
    expect(listed).toMatchObject({ total: 1, items: [{ id: sent.batchId, name: '明日特价', createdBy: 'test-operator', state: 'active', waiting: 2, nextDueAt: later }] });
    const one = await operator.post(`/api/messages/${sent.messageIds[0]}/cancel`, {});
    expect(one.json()).toMatchObject({ status: 'cancelled' });
    const again = await operator.post(`/api/messages/${sent.messageIds[0]}/cancel`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('MESSAGE_NOT_CANCELLABLE');
    expect((await operator.post(`/api/batches/${sent.batchId}/pause`, {})).json()).toMatchObject({ state: 'paused', counts: { paused: 1 } });
    expect((await operator.post(`/api/batches/${sent.batchId}/cancel`, {})).json()).toMatchObject({ state: 'cancelled', counts: { cancelled: 2 } });
    expect((await operator.get('/api/batches/nope')).statusCode).toBe(404);
    expect((await operator.get('/api/batches?pageSize=501')).statusCode).toBe(400);
  });

  it('asks for exactly one source of recipients and names what is wrong', async () => {
    const operator = await app.client('operator');
    const none = await operator.post('/api/messages/check', { text: 'hi', category: 'care' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('RECIPIENTS_ONE_WAY');
    const badPlaceholder = await operator.post('/api/messages/check', { text: '{优惠}', category: 'care', numbers: '13800138001' });
    expect(badPlaceholder.json().error.code).toBe('UNKNOWN_PLACEHOLDER');
  });

  it('reads numbers from an uploaded CSV', async () => {
    const manager = await app.client('manager');
    const csv = Buffer.from('手机号,姓名\n13800138011,张三\n13800138012,李四\n13800138011,张三\n', 'utf8').toString('base64');
    const res = await manager.post('/api/messages/check', { text: '到货通知', category: 'transactional', file: { fileName: 'list.csv', contentBase64: csv } });
    expect(res.json()).toMatchObject({ total: 2, queued: 2 });
    expect(res.json().problems).toHaveLength(1);
  });

  it('pins a send to the chosen modem and refuses an unknown or disabled modem before queueing', async () => {
    const till = await app.services.modems.add({ name: '收银台短信猫', kind: 'simulator' }, SYSTEM_ACTOR);
    const spare = await app.services.modems.add({ name: '备用短信猫', kind: 'simulator', enabled: false }, SYSTEM_ACTOR);
    const operator = await app.client('operator');
    const choices = (await operator.get('/api/messages/modems')).json().items;
    expect(choices).toEqual([
      { id: till.config.id, name: '收银台短信猫', enabled: true, ready: false },
      { id: spare.config.id, name: '备用短信猫', enabled: false, ready: false },
    ]);
    const body = { text: '您的快递已到服务台', category: 'transactional', numbers: '13800138041' };

    const unknown = await operator.post('/api/messages/check', { ...body, modemId: '999' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_MODEM' });
    expect(unknown.json().error.message).toContain('收银台短信猫');
    const disabled = await operator.post('/api/messages', { ...body, modemId: spare.config.id });
    expect(disabled.json().error).toMatchObject({ code: 'MODEM_DISABLED' });
    expect(await app.services.db('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);

    const sent = await operator.post('/api/messages', { ...body, modemId: till.config.id });
    expect(sent.statusCode).toBe(201);
    const automatic = await operator.post('/api/messages', { ...body, numbers: '13800138042', modemId: null });
    expect(automatic.statusCode).toBe(201);
    const rows = await app.services.db('outbox_messages').select('recipient', 'pinned_modem').orderBy('id');
    expect(rows).toEqual([
      { recipient: '+8613800138041', pinned_modem: till.config.id },
      { recipient: '+8613800138042', pinned_modem: null },
    ]);
    const listed = (await operator.get('/api/messages?q=138041')).json().items[0];
    expect(listed).toMatchObject({ pinnedModem: till.config.id, pinnedModemName: '收银台短信猫' });
  });

  it('sends to a contact group: tags with their recipient counts, resolved to members, personalised and policy-filtered', async () => {
    const tag = async (memberId: number, ...tags: string[]) => app.services.db('member_tags').insert(tags.map((t) => ({ member_id: memberId, tag: t })));
    const zhang = await addMember(app.core, { mobile: '+8613800138051', name: '张伟', gender: 'M' });
    const ouyang = await addMember(app.core, { mobile: '+8613800138052', name: '欧阳娜', gender: 'F' });
    const blacklisted = await addMember(app.core, { mobile: '+8613800138053', name: '李强', gender: 'M' });
    const gone = await addMember(app.core, { mobile: '+8613800138054', name: '王芳', gender: 'F' });
    await app.services.db('members').where('id', gone).update({ deleted_at: 1 });
    const noMobile = await addMember(app.core, { mobile: '+8613800138055', name: '赵敏', gender: 'F' });
    await app.services.db('members').where('id', noMobile).update({ mobile: null });
    await tag(zhang, 'VIP', '员工');
    await tag(ouyang, 'VIP');
    await tag(blacklisted, 'VIP');
    await tag(gone, 'VIP', '已注销');
    await tag(noMobile, 'VIP');
    await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13800138053', reason: '投诉' });

    const operator = await app.client('operator');
    expect((await operator.get('/api/messages/groups')).json().items).toEqual([
      { tag: 'VIP', recipients: 3 },
      { tag: '员工', recipients: 1 },
    ]);
    const body = { text: '{称呼}，VIP 专享周六八折', category: 'care', tag: 'VIP' };
    const check = await operator.post('/api/messages/check', body);
    expect(check.json()).toMatchObject({ total: 3, queued: 2, blocked: { blacklist: 1 } });
    const sent = await operator.post('/api/messages', body);
    expect(sent.statusCode).toBe(201);
    const rows = await app.services.db('outbox_messages').select('recipient', 'member_id', 'status', 'text').orderBy('recipient');
    expect(rows).toEqual([
      { recipient: '+8613800138051', member_id: zhang, status: 'queued', text: '尊敬的张先生，VIP 专享周六八折，回T退订【好又多超市】' },
      { recipient: '+8613800138052', member_id: ouyang, status: 'queued', text: '尊敬的欧阳女士，VIP 专享周六八折，回T退订【好又多超市】' },
      { recipient: '+8613800138053', member_id: blacklisted, status: 'blocked', text: body.text },
    ]);

    const unknown = await operator.post('/api/messages/check', { ...body, tag: '不存在' });
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_CONTACT_GROUP' });
    const empty = await operator.post('/api/messages/check', { ...body, tag: '已注销' });
    expect(empty.json().error).toMatchObject({ code: 'CONTACT_GROUP_EMPTY' });
  });

  it('lets a manager resolve an unknown message but not an operator', async () => {
    const outbox = app.services.messaging.outbox;
    await outbox.enqueue([{ number: '13800138021' }], { text: '通知', category: 'care', source: 'test' }, SYSTEM_ACTOR);
    const claimed = (await outbox.claim('m1', ['m1']))!;
    await outbox.beginPart(claimed.parts[0]!.id, 'm1');
    await outbox.recoverAfterRestart();
    const operator = await app.client('operator');
    expect((await operator.post(`/api/messages/${claimed.id}/resolve`, { action: 'mark-sent' })).statusCode).toBe(403);
    const manager = await app.client('manager');
    const resolved = await manager.post(`/api/messages/${claimed.id}/resolve`, { action: 'mark-sent' });
    expect(resolved.json()).toMatchObject({ status: 'sent', resolution: 'mark-sent', resolvedBy: 'test-manager' });
    expect((await manager.post(`/api/messages/${claimed.id}/resolve`, { action: 'mark-sent' })).json().error.code).toBe('MESSAGE_NOT_UNKNOWN');
  });
});

describe('/api/inbox', () => {
  it('lists conversations and replies through the receiving modem', async () => {
    await app.services.messaging.inbox.write({ modemId: 'sim-2', sender: '13800138031', text: '几点开门？', key: 'k' });
    const operator = await app.client('operator');
    const list = (await operator.get('/api/inbox?unhandledOnly=true')).json();
    expect(list.items[0]).toMatchObject({ number: '+8613800138031', unhandled: 1, lastModemId: 'sim-2' });
    const reply = await operator.post(`/api/inbox/${list.items[0].id}/reply`, { text: '早上八点' });
    expect(reply.statusCode).toBe(201);
    const detail = (await operator.get(`/api/inbox/${list.items[0].id}`)).json();
    expect(detail.conversation.unhandled).toBe(0);
    expect(detail.entries.map((e: { direction: string }) => e.direction)).toEqual(['in', 'out']);
    const queued = await app.services.db('outbox_messages').first();
    expect(queued).toMatchObject({ reply_modem: 'sim-2', category: 'reply', priority: 0 });
  });

  it('names the modem a conversation came in on (not its id); the reply goes back through that modem', async () => {
    const front = await app.services.modems.add({ name: '前台短信猫', kind: 'simulator' }, SYSTEM_ACTOR);
    await app.services.modems.add({ name: '后仓短信猫', kind: 'simulator' }, SYSTEM_ACTOR);
    await app.services.messaging.inbox.write({ modemId: front.config.id, sender: '13800138061', text: '有鸡蛋吗？', key: 'k61' });
    const operator = await app.client('operator');
    const [conversation] = (await operator.get('/api/inbox')).json().items;
    expect(conversation).toMatchObject({ lastModemId: front.config.id, lastModemName: '前台短信猫' });
    await operator.post(`/api/inbox/${conversation.id}/reply`, { text: '有，今天到货' });
    const detail = (await operator.get(`/api/inbox/${conversation.id}`)).json();
    expect(detail.conversation.lastModemName).toBe('前台短信猫');
    expect(detail.entries[0]).toMatchObject({ direction: 'in', modemId: front.config.id, modemName: '前台短信猫' });
    expect(await app.services.db('outbox_messages').select('reply_modem')).toEqual([{ reply_modem: front.config.id }]);
  });
});
