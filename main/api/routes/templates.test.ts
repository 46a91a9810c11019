import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

describe('templates and policy API', () => {
  let app: TestAppliance;
  let manager: ApiClient;
  let operator: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    app = await createTestAppliance();
    manager = await app.client('manager');
    operator = await app.client('operator');
    admin = await app.client('admin');
  });
  afterAll(() => app.close());

  it('ships a seeded library in every category', async () => {
    const page = (await operator.get('/api/templates?pageSize=100')).json();
    const categories = new Set(page.items.map((t: { category: string }) => t.category));
    expect([...categories].sort()).toEqual(
      ['auto-reply', 'birthday', 'e-coupon', 'holiday', 'member-offer', 'non-member-offer', 'notice', 'points', 'survey'].sort(),
    );
    expect((await operator.get('/api/templates?category=birthday')).json().total).toBe(2);
    expect((await operator.get('/api/templates?q=积分')).json().items.length).toBeGreaterThan(0);
    // A points reminder invites the customer back: commercial (care), never a transactional notice.
    const points = (await operator.get('/api/templates?category=points')).json().items;
    expect(points.map((t: { messageCategory: string }) => t.messageCategory)).toEqual(['care']);
    const notices = (await operator.get('/api/templates?category=notice')).json().items;
    expect(new Set(notices.map((t: { messageCategory: string }) => t.messageCategory))).toEqual(new Set(['transactional']));
  });

  it('creates, edits, archives and restores a template; operators may not', async () => {
    const created = await manager.post('/api/templates', { name: '周末特惠', category: 'member-offer', body: '{称呼}：本周末鸡蛋特价。' });
    expect(created.statusCode).toBe(201);
    const template = created.json();
    expect(template).toMatchObject({ messageCategory: 'marketing', archived: false, createdBy: 'test-manager' });

    expect((await operator.post('/api/templates', { name: 'x', category: 'notice', body: 'x' })).statusCode).toBe(403);

    const edited = (await manager.patch(`/api/templates/${template.id}`, { body: '{称呼}：本周末鸡蛋4.99元一斤。' })).json();
    expect(edited.body).toBe('{称呼}：本周末鸡蛋4.99元一斤。');

    await manager.patch(`/api/templates/${template.id}`, { archived: true });
    expect((await operator.get('/api/templates?q=周末特惠')).json().total).toBe(0);
    expect((await operator.get('/api/templates?q=周末特惠&archived=true')).json().total).toBe(1);
    await manager.patch(`/api/templates/${template.id}`, { archived: false });
    expect((await operator.get('/api/templates?q=周末特惠')).json().total).toBe(1);

    const actions = (await app.services.audit.search({ page: 1, pageSize: 20 })).items.map((a) => a.action);
    expect(actions.slice(0, 4)).toEqual(['templates.restore', 'templates.archive', 'templates.update', 'templates.create']);
  });

  it('refuses unknown placeholders and empty texts when saving', async () => {
    const unknown = await manager.post('/api/templates', { name: '坏模板', category: 'notice', body: '您好{会员等级}' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'UNKNOWN_PLACEHOLDER', message: expect.stringContaining('{会员等级}') });
    const empty = await manager.post('/api/templates', { name: '空', category: 'notice', body: '  ' });
    expect(empty.json().error.code).toBe('EMPTY_TEXT');
  });

  it('previews for the sample member, a custom sample and a real member', async () => {
    const sample = (await operator.post('/api/templates/preview', { body: '{称呼}：您有{积分}积分。', messageCategory: 'marketing' })).json();
    expect(sample).toMatchObject({ text: '尊敬的张先生：您有1280积分。回T退订【好又多超市】', parts: 1, withinLimit: true, error: null });
    expect(sample.characters).toBe([...sample.text].length);

    const custom = (
      await operator.post('/api/templates/preview', { body: '{称呼}好', messageCategory: 'care', sample: { name: '欧阳娜娜', gender: 'F' } })
    ).json();
    // Care is commercial: it carries the opt-out hint too.
    expect(custom.text).toBe('尊敬的欧阳女士好，回T退订【好又多超市】');

    const unknown = (
      await operator.post('/api/templates/preview', { body: '{称呼}：积分{积分}', messageCategory: 'care', sample: { name: null, gender: 'U', points: null } })
    ).json();
    expect(unknown.error).toMatchObject({ code: 'PLACEHOLDER_VALUE_MISSING' });
    const noName = (await operator.post('/api/templates/preview', { body: '{称呼}好', messageCategory: 'care', sample: { name: null, points: null } })).json();
    expect(noName.text).toBe('尊敬的会员好，回T退订【好又多超市】');

    const now = Date.now();
    await app.services.db('stores').insert({ code: 'S01', name: '人民路店', created_at: now, updated_at: now });
    const [memberId] = await app.services.db('members').insert({
      source: 'manual', name: '司马光', gender: 'M', points: 42, store_code: 'S01', created_at: now, updated_at: now,
    });
    const real = (await operator.post('/api/templates/preview', { body: '{称呼}，{门店}积分{积分}', messageCategory: 'care', memberId })).json();
    expect(real.text).toBe('尊敬的司马先生，人民路店积分42，回T退订【好又多超市】');
    expect((await operator.post('/api/templates/preview', { body: 'x', messageCategory: 'care', memberId: 999999 })).statusCode).toBe(404);

    const long = (await operator.post('/api/templates/preview', { body: '好'.repeat(250), messageCategory: 'care' })).json();
    expect(long).toMatchObject({ withinLimit: false, parts: 4, error: { code: 'TEXT_TOO_LONG' } });
  });

  it('reads and changes the policy; the preview follows it', async () => {
    const initial = (await operator.get('/api/policy')).statusCode;
    expect(initial).toBe(403); // operators have no settings.read
    const current = (await manager.get('/api/policy')).json();
    expect(current).toMatchObject({ smsSignature: '【好又多超市】', policy: { quietHours: { start: '21:00', end: '08:00' }, partLimit: 3 } });

    expect((await manager.put('/api/policy', { policy: { partLimit: 5 } })).statusCode).toBe(403);

    const changed = await admin.put('/api/policy', {
      policy: { quietHours: { start: '22:00' }, optOutHint: '回TD退订', salutationFallback: '亲爱的顾客', partLimit: 5 },
      smsSignature: '【好又多】',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      smsSignature: '【好又多】',
      policy: { quietHours: { enabled: true, start: '22:00', end: '08:00' }, optOutHint: '回TD退订', partLimit: 5 },
    });
    const preview = (
      await operator.post('/api/templates/preview', { body: '{称呼}：周末特价', messageCategory: 'marketing', sample: { gender: 'U' } })
    ).json();
    expect(preview.text).toBe('亲爱的顾客：周末特价，回TD退订【好又多】');
    expect(preview.partLimit).toBe(5);

    const bad = await admin.put('/api/policy', { policy: { quietHours: { start: '9pm' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('HH:MM');
    const badSignature = await admin.put('/api/policy', { smsSignature: '好又多' });
    expect(badSignature.json().error.message).toContain('【店名】');
    expect((await manager.get('/api/policy')).json().policy.quietHours.start).toBe('22:00');
    const audit = (await app.services.audit.search({ action: 'settings.update', page: 1, pageSize: 5 })).items[0];
    expect(audit).toMatchObject({ username: 'test-admin', target: 'policy,smsSignature' });
  });
});
