import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { createTestAppliance, type TestAppliance } from '../../../tests/support/appliance.js';

let app: TestAppliance;
beforeEach(async () => {
  app = await createTestAppliance();
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
    expect(list.items[0]).toMatchObject({ recipient: '+8613800138001', text: '尊敬的会员，本周会员日全场八折【好又多超市】', createdBy: 'test-operator' });
    const blocked = (await operator.get('/api/messages?status=blocked&q=138002')).json();
    expect(blocked.items[0]).toMatchObject({ blockedRule: 'blacklist' });
    const detail = (await operator.get(`/api/messages/${list.items[0].id}`)).json();
    expect(detail).toMatchObject({ message: { id: list.items[0].id }, parts: [], reports: [] });
    const status = (await operator.get('/api/messages/status')).json();
    expect(status.counts).toMatchObject({ queued: 1, blocked: 2 });
  });

  it('asks for exactly one source of recipients and names what is wrong', async () => {
    const operator = await app.client('operator');
    const none = await operator.post('/api/messages/check', { text: 'hi', category: 'care' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('VALIDATION_FAILED');
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
});
