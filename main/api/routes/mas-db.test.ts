import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

/** A loopback port nobody listens on: the MAS database server "is not there". */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('MAS database API', () => {
  let app: TestAppliance;
  let admin: ApiClient;
  let manager: ApiClient;
  let operator: ApiClient;

  beforeAll(async () => {
    app = await createTestAppliance();
    admin = await app.client('admin');
    manager = await app.client('manager');
    operator = await app.client('operator');
  });
  afterAll(() => app.close());

  it('managers read, only administrators change; operators see nothing', async () => {
    expect((await operator.get('/api/mas-db/status')).statusCode).toBe(403);
    expect((await manager.get('/api/mas-db/status')).json()).toEqual({ connection: null, state: 'off', lastError: null, retryAt: null, modemsReady: false, codes: [] });
    expect((await manager.post('/api/mas-db/codes', { code: '003' })).statusCode).toBe(403);
    expect((await manager.put('/api/mas-db/connection', { host: '127.0.0.1', user: 'storemas' })).statusCode).toBe(403);
  });

  it('saves a connection (password sealed, never sent back) and codes, audited; bad input is named', async () => {
    const port = await closedPort();
    const saved = await admin.put('/api/mas-db/connection', { host: '127.0.0.1', port, user: 'storemas', password: 'secret-pw', tls: { mode: 'off' } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ host: '127.0.0.1', port, user: 'storemas', hasPassword: true, database: 'mas', tls: { mode: 'off' }, enabled: true });
    expect(saved.body).not.toContain('secret-pw');
    const stored: { password_enc: string } = await app.services.db('mas_db_connection').first();
    expect(stored.password_enc).not.toContain('secret-pw');

    const bad = await admin.put('/api/mas-db/connection', { host: 'a b', user: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'host' } });
    expect((await admin.put('/api/mas-db/connection', { host: 'db', user: 'x', database: 'mas;drop' })).json().error.details).toEqual({ field: 'database' });

    const created = await admin.post('/api/mas-db/codes', { code: '003', label: 'ERP 订单', isDefault: true });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code: '003', category: 'transactional', isDefault: true, paused: false, pollIntervalMs: 1000, generation: 1 });
    expect((await admin.post('/api/mas-db/codes', { code: '003' })).json().error.code).toBe('MAS_DB_CODE_TAKEN');
    expect((await admin.post('/api/mas-db/codes', { code: 'api_mt;--' })).statusCode).toBe(400);
    const second = await admin.post('/api/mas-db/codes', { code: 'erp01', category: 'marketing', isDefault: true });
    expect(second.json()).toMatchObject({ isDefault: true });
    // One default code at a time.
    expect((await manager.get('/api/mas-db/status')).json().codes.map((c: { code: string; isDefault: boolean }) => [c.code, c.isDefault])).toEqual([
      ['003', false],
      ['erp01', true],
    ]);
    expect((await admin.post('/api/mas-db/codes/erp01/pause')).json()).toMatchObject({ paused: true });
    expect((await admin.put('/api/mas-db/codes/erp01', { pollIntervalMs: 50 })).statusCode).toBe(400);
    expect((await admin.delete('/api/mas-db/codes/nope')).statusCode).toBe(404);
    const sql = (await manager.get('/api/mas-db/codes/003/setup-sql')).json().sql as string;
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS `api_mt_003`');
    expect(sql).toContain("GRANT SELECT ON `mas`.tbl_api_info TO 'mas_003'@'%'");

    const actions: Array<{ action: string }> = await app.services.db('audit_log').whereLike('action', 'masdb.%').select('action').orderBy('id');
    expect(actions.map((a) => a.action)).toEqual(['masdb.connection.update', 'masdb.code.create', 'masdb.code.create', 'masdb.code.pause']);
  });

  it('a server that is not there: the test says so, the status shows it and when it retries', async () => {
    const port = await closedPort();
    const tested = await admin.post('/api/mas-db/connection/test', { host: '127.0.0.1', port, user: 'storemas', password: 'x', tls: { mode: 'off' } });
    expect(tested.statusCode).toBe(502);
    expect(tested.json().error.code).toBe('MAS_DB_UNREACHABLE');
    await app.services.masDb.start();
    const deadline = Date.now() + 10_000;
    let status = (await manager.get('/api/mas-db/status')).json();
    while (status.state !== 'disconnected' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await manager.get('/api/mas-db/status')).json();
    }
    expect(status).toMatchObject({ state: 'disconnected', lastError: { code: 'MAS_DB_UNREACHABLE' } });
    expect(status.retryAt).toBeGreaterThan(Date.now() - 1_000);
    const login = await admin.post('/api/mas-db/codes/003/login');
    expect(login.statusCode).toBe(502);
    expect(login.json().error.code).toBe('MAS_DB_UNREACHABLE');
    await app.services.masDb.stop();
  });
});
