import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';
import { startSmtpServer, type TestSmtpServer } from '../../../tests/support/smtp.js';

let app: TestAppliance;
let smtp: TestSmtpServer;
let admin: ApiClient;
let manager: ApiClient;
let operator: ApiClient;

beforeAll(async () => {
  app = await createTestAppliance();
  smtp = await startSmtpServer({ password: 'pw-123' });
  admin = await app.client('admin');
  manager = await app.client('manager');
  operator = await app.client('operator');
});
afterAll(async () => {
  await smtp.close();
  await app.close();
});

async function textIn(sender: string, text: string, key: string): Promise<void> {
  const stored = await app.services.messaging.inbox.write({ modemId: 'm1', sender, text, key });
  await app.services.messaging.inbox.process(stored.id);
}

describe('the mail API', () => {
  it('only mail.manage changes the SMTP settings; the password never comes back, not even in the audit log; the test mail arrives', async () => {
    const settings = {
      enabled: true,
      host: '127.0.0.1',
      port: smtp.port,
      security: 'starttls',
      username: 'store',
      password: 'pw-123',
      fromAddress: 'store@example.com',
      trusted: { kind: 'server', pem: smtp.certificate },
      recipients: { complaints: ['manager@example.com'] },
    };
    expect((await operator.put('/api/mail/settings', settings)).statusCode).toBe(403);
    expect((await manager.put('/api/mail/settings', settings)).statusCode).toBe(403);
    const saved = await admin.put('/api/mail/settings', settings);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ enabled: true, passwordSet: true, recipients: { complaints: ['manager@example.com'] } });
    expect(saved.body).not.toContain('pw-123');
    const read = await manager.get('/api/mail/settings');
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('pw-123');
    expect(read.body).not.toContain('passwordSealed');

    const test = await admin.post('/api/mail/test', { to: 'it@example.com' });
    expect(test.statusCode).toBe(200);
    expect((await smtp.waitFor(1))[0]).toMatchObject({ to: ['it@example.com'], secure: true });

    const audit = await app.services.db('audit_log').whereIn('action', ['settings.update', 'mail.test']).select('action', 'detail');
    expect(audit.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['settings.update', 'mail.test']));
    expect(JSON.stringify(audit)).not.toContain('pw-123');
    expect(JSON.stringify(audit)).not.toMatch(/v1:/);

    const bad = await admin.put('/api/mail/settings', { recipients: { complaints: ['no-at-sign'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('not an e-mail address');
    expect((await manager.get('/api/mail/status')).json()).toMatchObject({ configured: true, failed: 0 });
  });
});

describe('the feedback API', () => {
  it('an operator works a ticket through its states; each change is audited; the counts follow', async () => {
    await textIn('+8613900139601', '投诉 停车场收费不合理', 'api-1');
    const list = await operator.get('/api/feedback?state=open&page=1&pageSize=20');
    expect(list.statusCode).toBe(200);
    const [ticket] = list.json().items;
    expect(ticket).toMatchObject({ kind: 'complaint', state: 'new', mobile: '+8613900139601' });
    expect((await operator.get('/api/feedback/counts')).json()).toMatchObject({ open: 1, new: 1, newToday: 1, openByKind: { complaint: 1 } });

    const detail = await operator.get(`/api/feedback/${ticket.id}`);
    expect(detail.json().thread.some((e: { direction: string; text?: string }) => e.direction === 'in' && e.text === '投诉 停车场收费不合理')).toBe(true);

    expect((await operator.post(`/api/feedback/${ticket.id}/state`, { to: 'in-progress' })).json()).toMatchObject({ state: 'in-progress', assignee: { username: 'test-operator' } });
    expect((await operator.post(`/api/feedback/${ticket.id}/notes`, { text: '已转物业' })).statusCode).toBe(200);
    const wrong = await operator.post(`/api/feedback/${ticket.id}/state`, { to: 'resolved' });
    expect(wrong.statusCode).toBe(400);
    const resolved = await operator.post(`/api/feedback/${ticket.id}/resolve`, { resolution: '会员停车2小时免费' });
    expect(resolved.json().ticket).toMatchObject({ state: 'resolved', resolution: '会员停车2小时免费' });
    const again = await operator.post(`/api/feedback/${ticket.id}/resolve`, { resolution: 'x' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('FEEDBACK_STATE');
    expect((await operator.post(`/api/feedback/${ticket.id}/blacklist`)).json()).toMatchObject({ change: 'added' });

    const actions = (await app.services.db('audit_log').where('target', `feedback:${ticket.id}`).select('action')).map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['feedback.update', 'feedback.note', 'feedback.resolve', 'feedback.blacklist']));
    expect((await operator.get('/api/feedback/counts')).json()).toMatchObject({ open: 0 });
    expect((await operator.get('/api/feedback/999999')).statusCode).toBe(404);
  });
});
