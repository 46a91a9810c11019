import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';

/**
 * API keys as a program uses them: created by an administrator, shown once, stored as a
 * hash, limited to their own permissions, addresses and dates, revocable, audited by name.
 */
let app: TestAppliance;
let admin: ApiClient;
let clock: ManualClock;

beforeAll(async () => {
  app = await createTestAppliance();
  clock = app.clock as ManualClock;
  admin = await app.client('admin');
});
afterAll(() => app.close());

async function createKey(body: Record<string, unknown>, by: ApiClient = admin): Promise<{ id: number; token: string }> {
  const response = await by.post('/api/integrations/api-keys', body);
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().key.id, token: response.json().token };
}

function withKey(token: string, method: string, url: string, payload?: object, remoteAddress?: string) {
  return app.server.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

describe('API keys', () => {
  it('a key with messages.send sends, is audited under its name, and cannot read users', async () => {
    const { id, token } = await createKey({ name: 'ERP 订单通知', permissions: ['messages.send'] });
    expect(token).toMatch(/^smk_[A-Za-z0-9_-]{40,}$/);
    // Shown once: the list has a prefix to recognise it, never the key, and the database only its hash.
    const list = await admin.get('/api/integrations/api-keys');
    expect(list.body).not.toContain(token);
    expect(list.json().items[0]).toMatchObject({ id, name: 'ERP 订单通知', prefix: token.slice(0, 10), state: 'active', permissions: ['messages.send'] });
    expect(JSON.stringify(await app.services.db('api_keys').select('*'))).not.toContain(token.slice(4));

    const sent = await withKey(token, 'POST', '/api/messages', { numbers: '13900139201', text: '您的订单已发货', category: 'transactional' });
    expect(sent.statusCode, sent.body).toBe(201);
    const again = await withKey(token, 'POST', '/api/messages', { numbers: '13900139202', text: '您的订单已发货', category: 'transactional' });
    expect(again.statusCode).toBe(201);
    const users = await withKey(token, 'GET', '/api/users');
    expect(users.statusCode).toBe(403);
    expect(users.json().error.message).toContain('users.manage');
    // Routes for people signed in (no named permission) are closed to keys.
    expect((await withKey(token, 'GET', '/api/auth/me')).statusCode).toBe(403);

    const queued = await app.services.db('outbox_messages').whereIn('recipient', ['+8613900139201', '+8613900139202']);
    expect(queued.map((m: { created_by: string }) => m.created_by)).toEqual(['key:ERP 订单通知', 'key:ERP 订单通知']);
    const uses = await app.services.audit.search({ action: 'integrations.key.use', page: 1, pageSize: 10 });
    // Two sends in the same minute: one use row for that route (the refused call is not a use).
    expect(uses.items.map((u) => u.target)).toEqual(['POST /api/messages']);
    expect(uses.items[0]).toMatchObject({ username: 'key:ERP 订单通知', ip: '127.0.0.1' });
    const enqueues = await app.services.audit.search({ action: 'messages.enqueue', username: 'key:ERP 订单通知', page: 1, pageSize: 10 });
    expect(enqueues.total).toBe(2);
    clock.advance(61_000);
    await withKey(token, 'POST', '/api/messages', { numbers: '13900139203', text: '您的订单已发货', category: 'transactional' });
    expect((await app.services.audit.search({ action: 'integrations.key.use', page: 1, pageSize: 10 })).total).toBe(2);
    expect((await admin.get('/api/integrations/api-keys')).json().items[0].lastUsedAt).toBe(clock.now());
  });

  it('a revoked or expired key is refused with 401; an unknown one too', async () => {
    const revoked = await createKey({ name: 'old-till', permissions: ['messages.read'] });
    expect((await withKey(revoked.token, 'GET', '/api/messages')).statusCode).toBe(200);
    expect((await admin.post(`/api/integrations/api-keys/${revoked.id}/revoke`)).json().state).toBe('revoked');
    const afterRevoke = await withKey(revoked.token, 'GET', '/api/messages');
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.code).toBe('API_KEY_REVOKED');

    const expiring = await createKey({ name: 'trial', permissions: ['messages.read'], expiresAt: clock.now() + 3_600_000 });
    expect((await withKey(expiring.token, 'GET', '/api/messages')).statusCode).toBe(200);
    clock.advance(3_600_001);
    admin = await app.client('admin');
    const expired = await withKey(expiring.token, 'GET', '/api/messages');
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('API_KEY_EXPIRED');
    expect((await withKey(`${revoked.token.slice(0, -2)}xx`, 'GET', '/api/messages')).json().error.code).toBe('API_KEY_UNKNOWN');
  });

  it('allowed addresses are enforced on the socket address', async () => {
    const { token } = await createKey({ name: 'pos-lan', permissions: ['messages.read'], allowedAddresses: ['192.168.8.0/24', '10.0.0.5'] });
    const denied = await withKey(token, 'GET', '/api/messages');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('API_KEY_ADDRESS_DENIED');
    expect((await withKey(token, 'GET', '/api/messages', undefined, '192.168.8.31')).statusCode).toBe(200);
    expect((await withKey(token, 'GET', '/api/messages', undefined, '10.0.0.5')).statusCode).toBe(200);
    expect((await withKey(token, 'GET', '/api/messages', undefined, '10.0.0.6')).statusCode).toBe(403);
    // A forwarded-for header claims nothing (trustProxy is off).
    const forged = await app.server.inject({ method: 'GET', url: '/api/messages', headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '192.168.8.31' } });
    expect(forged.statusCode).toBe(403);
  });

  it('no key holds users.manage or key management, nor more than its creator holds', async () => {
    for (const permission of ['users.manage', 'integrations.manage']) {
      const refused = await admin.post('/api/integrations/api-keys', { name: `k-${permission}`, permissions: [permission] });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('API_KEY_PERMISSION_NOT_GRANTABLE');
    }
    expect((await admin.get('/api/integrations/api-keys')).json().grantable).not.toContain('users.manage');
    const manager = await app.client('manager');
    expect((await manager.post('/api/integrations/api-keys', { name: 'by-manager', permissions: ['messages.read'] })).statusCode).toBe(403);
    expect((await manager.get('/api/integrations/api-keys')).statusCode).toBe(200);
    // An administrator's key follows the administrator: moved to manager, it loses settings.manage.
    const second = await app.client('admin', 'second-admin');
    const { token } = await createKey({ name: 'settings-sync', permissions: ['settings.manage', 'settings.read'] }, second);
    expect((await withKey(token, 'PUT', '/api/settings', { storeName: '好又多(人民路店)' })).statusCode).toBe(200);
    const secondUser = await app.services.users.findByUsername('second-admin');
    expect((await admin.patch(`/api/users/${secondUser!.id}`, { role: 'manager' })).statusCode).toBe(200);
    expect((await withKey(token, 'PUT', '/api/settings', { storeName: '好又多' })).statusCode).toBe(403);
    expect((await withKey(token, 'GET', '/api/settings')).statusCode).toBe(200);
    // Names are never reused (the audit log names keys).
    expect((await admin.post('/api/integrations/api-keys', { name: 'trial', permissions: ['messages.read'] })).json().error.code).toBe('API_KEY_NAME_TAKEN');
    expect((await admin.post('/api/integrations/api-keys', { name: 'bad', permissions: ['messages.read'], allowedAddresses: ['192.168.1.300'] })).json().error.code).toBe('VALIDATION_FAILED');
  });
});
