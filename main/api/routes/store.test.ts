import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, tempDir, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';
import { writeDemoSqlite } from '../../store/demo/sinks.js';
import type { ConnectionDto, MappingDto, PreviewDto, RunDto, StockHistoryDto, StoreStatusDto } from '../schemas/store.js';

describe('/api/store', () => {
  const temp = tempDir('storemas-store-api-');
  const file = path.join(temp.dir, 'pos.sqlite');
  let app: TestAppliance;
  let admin: ApiClient;
  let connection: ConnectionDto;

  beforeAll(async () => {
    await writeDemoSqlite(file, { members: 200, products: 100, stores: 2, receipts: 400, days: 30 });
    app = await createTestAppliance();
    admin = await app.client('admin');
  });

  afterAll(async () => {
    await app.close();
    temp.remove();
  });

  async function waitForRun(runId: number): Promise<RunDto> {
    for (;;) {
      const run = (await admin.get(`/api/store/runs/${runId}`)).json() as RunDto;
      if (run.state !== 'running') return run;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('adds connections; passwords are sealed and never sent back', async () => {
    const test = await admin.post('/api/store/connections/test', { name: 'pos', client: 'sqlite', settings: { file } });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ serverVersion: expect.stringContaining('SQLite'), readOnlySession: true, tables: expect.arrayContaining(['t_member']) });

    const created = await admin.post('/api/store/connections', { name: 'pos', client: 'sqlite', settings: { file } });
    expect(created.statusCode).toBe(201);
    connection = created.json() as ConnectionDto;
    expect(connection).toMatchObject({ name: 'pos', client: 'sqlite', hasPassword: false, keyPrefix: '', scheduleMinutes: 15 });

    const duplicate = await admin.post('/api/store/connections', { name: 'pos', client: 'sqlite', settings: { file } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('CONNECTION_EXISTS');

    const server = await admin.post('/api/store/connections', { name: 'hq', client: 'mysql', settings: { host: '127.0.0.1', port: 3306, database: 'pos', user: 'reader' }, password: 's3cret-pw' });
    expect(server.statusCode).toBe(201);
    const hq = server.json() as ConnectionDto;
    expect(hq.hasPassword).toBe(true);
    expect(hq.keyPrefix).toBe(`${hq.id}:`);
    expect(JSON.stringify((await admin.get('/api/store/connections')).json())).not.toContain('s3cret-pw');
    const row = await app.services.db('store_connections').where('id', hq.id).first();
    expect(row.password_enc).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain('s3cret-pw');

    const invalid = await admin.post('/api/store/connections', { name: 'bad', client: 'pg', settings: { host: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({ code: 'CONNECTION_INVALID', message: expect.stringContaining('database') });

    const unreachable = await admin.post(`/api/store/connections/${hq.id}/test`);
    expect(unreachable.statusCode).toBe(502);
    expect(unreachable.json().error.code).toMatch(/SOURCE_UNREACHABLE|SOURCE_CONNECTION_LOST/);
    expect((await admin.delete(`/api/store/connections/${hq.id}`)).statusCode).toBe(200);
    expect((await app.services.audit.search({ action: 'store.connection.create', page: 1, pageSize: 10 })).total).toBe(2);
  });

  it('applies a preset, refuses a writing mapping, and previews as a dry run', async () => {
    const preset = await admin.post(`/api/store/connections/${connection.id}/mappings/preset`, { preset: 'demo-pos' });
    expect(preset.statusCode).toBe(200);
    expect((preset.json().items as MappingDto[]).map((m) => m.entity)).toEqual(['stores', 'members', 'products', 'inventory', 'sales', 'sale_lines']);

    const members = (preset.json().items as MappingDto[]).find((m) => m.entity === 'members')!;
    const writing = await admin.put(`/api/store/connections/${connection.id}/mappings/members`, {
      definition: { ...members.definition, source: { kind: 'query', sql: 'SELECT * FROM t_member; DELETE FROM t_member' } },
    });
    expect(writing.statusCode).toBe(400);
    expect(writing.json().error.code).toBe('SQL_NOT_READ_ONLY');

    const preview = await admin.post(`/api/store/connections/${connection.id}/mappings/members/preview`, { limit: 3 });
    expect(preview.statusCode).toBe(200);
    const body = preview.json() as PreviewDto;
    expect(body.rows).toHaveLength(3);
    expect(body.rows[0]!.values).toMatchObject({ source_key: 'V00000001', gender: expect.stringMatching(/^[MFU]$/) });

    const edited = await admin.post(`/api/store/connections/${connection.id}/mappings/members/preview`, {
      definition: { ...members.definition, fields: { ...members.definition.fields, gender: { column: 'vip_sex', male: ['M'], female: ['F'] } } },
      limit: 5,
    });
    expect((edited.json() as PreviewDto).rows.some((r) => r.errors.some((e) => e.field === 'gender' && e.problem.includes('unknown gender code')))).toBe(true);
  });

  it('syncs on demand, reports the run, and answers stock questions', async () => {
    const started = await admin.post(`/api/store/connections/${connection.id}/sync`, {});
    expect(started.statusCode).toBe(202);
    const run = await waitForRun(started.json().runId as number);
    expect(run).toMatchObject({ state: 'finished', mode: 'incremental', connectionName: 'pos' });
    expect(run.detail!.counts['members']!.written).toBe(200);

    const runs = (await admin.get(`/api/store/runs?connectionId=${connection.id}`)).json() as { items: RunDto[]; total: number };
    expect(runs.total).toBe(1);
    const status = (await admin.get('/api/store/status')).json() as StoreStatusDto;
    expect(status).toMatchObject({ running: null, counts: { members: 200, sales: 400, stores: 2, products: 100, inventory: 200 } });

    const cancel = await admin.post(`/api/store/runs/${run.id}/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().error.code).toBe('SYNC_NOT_RUNNING');

    const low = (await admin.get('/api/store/inventory?level=low&threshold=3')).json() as { items: Array<{ quantity: number; productName: string | null }>; total: number };
    expect(low.total).toBeGreaterThan(0);
    expect(low.items.every((i) => i.quantity <= 3)).toBe(true);
    expect(low.items[0]!.productName).toBeTruthy();
    const high = (await admin.get('/api/store/inventory?level=high&threshold=400&pageSize=5')).json() as { items: Array<{ quantity: number }> };
    expect(high.items.every((i) => i.quantity >= 400)).toBe(true);
    expect(high.items.map((i) => i.quantity)).toEqual([...high.items.map((i) => i.quantity)].sort((a, b) => b - a));
    const product = low.items[0] as unknown as { productCode: string; storeCode: string };
    const history = (await admin.get(`/api/store/inventory/history?product=${product.productCode}&store=${product.storeCode}`)).json() as StockHistoryDto;
    expect(history.points.length).toBeGreaterThan(0);
    expect(history.current[0]!.productCode).toBe(product.productCode);
    const stores = (await admin.get('/api/store/stores')).json() as { items: Array<{ code: string; name: string }> };
    expect(stores.items.map((s) => s.code)).toEqual(['0001', '0002']);

    const schedule = await admin.put(`/api/store/connections/${connection.id}/schedule`, { scheduleMinutes: 5, fullCompareHours: 12 });
    expect(schedule.json()).toMatchObject({ scheduleMinutes: 5, fullCompareHours: 12 });
    const badSchedule = await admin.put(`/api/store/connections/${connection.id}/schedule`, { scheduleMinutes: -1, fullCompareHours: 12 });
    expect(badSchedule.statusCode).toBe(400);
  });

  it('lets operators and managers read, and only store.manage change or sync', async () => {
    for (const role of ['operator', 'manager'] as const) {
      const client = await app.client(role);
      expect((await client.get('/api/store/connections')).statusCode).toBe(200);
      expect((await client.get('/api/store/inventory')).statusCode).toBe(200);
      expect((await client.post(`/api/store/connections/${connection.id}/sync`, {})).statusCode).toBe(403);
      expect((await client.post(`/api/store/connections/${connection.id}/mappings/members/preview`, {})).statusCode).toBe(403);
      expect((await client.delete(`/api/store/connections/${connection.id}`)).statusCode).toBe(403);
    }
    expect((await app.server.inject({ method: 'GET', url: '/api/store/status' })).statusCode).toBe(401);
  });

  it('stores verified TLS unless told otherwise, derives what it keeps about a trusted certificate, and audits it', async () => {
    const pem = (await generate([{ name: 'commonName', value: 'pos-hq' }], { keyType: 'ec', algorithm: 'sha256' })).cert;
    const fingerprint = new X509Certificate(pem).fingerprint256;
    const settings = { host: '127.0.0.1', port: 9, database: 'pos', user: 'reader' };
    const plain = (await admin.post('/api/store/connections', { name: 'tls-default', client: 'pg', settings })).json() as ConnectionDto;
    expect(plain.settings.tls).toEqual({ mode: 'verify' });

    const confirmedOther = await admin.post('/api/store/connections', { name: 'tls-pinned', client: 'pg', settings: { ...settings, tls: { mode: 'verify', trusted: { kind: 'server', pem, fingerprint256: 'AA:BB' } } } });
    expect(confirmedOther.statusCode).toBe(400);
    expect(confirmedOther.json().error).toMatchObject({ code: 'CONNECTION_INVALID', message: expect.stringContaining('not the one confirmed') });
    const pinned = await admin.put(`/api/store/connections/${plain.id}`, { name: 'tls-default', client: 'pg', settings: { ...settings, tls: { mode: 'verify', trusted: { kind: 'server', pem, fingerprint256: fingerprint } } } });
    expect((pinned.json() as ConnectionDto).settings.tls).toMatchObject({ mode: 'verify', trusted: { kind: 'server', fingerprint256: fingerprint, subject: 'CN=pos-hq' } });
    const [update] = (await app.services.audit.search({ action: 'store.connection.update', page: 1, pageSize: 1 })).items;
    expect(update!.detail).toMatchObject({ tls: { mode: 'verify', trusted: `server ${fingerprint}` } });

    // A saved connection is tried with other encryption settings, or as saved when the request has no body.
    const off = await admin.post(`/api/store/connections/${plain.id}/test`, { tls: { mode: 'off' } });
    expect(off.json().error.code).toBe('SOURCE_UNREACHABLE');
    const asSaved = await app.server.inject({ method: 'POST', url: `/api/store/connections/${plain.id}/test`, headers: { cookie: `storemas_session=${admin.token}`, 'x-csrf-token': admin.csrfToken } });
    expect(asSaved.json().error.code).toBe('SOURCE_UNREACHABLE');
    // 检查证书 with nothing listening: the usual connection error.
    const inspect = await admin.post('/api/store/connections/inspect-certificate', { client: 'pg', host: '127.0.0.1', port: 9 });
    expect(inspect.statusCode).toBe(502);
    expect(inspect.json().error.code).toBe('SOURCE_UNREACHABLE');
    expect((await (await app.client('manager')).post('/api/store/connections/inspect-certificate', { client: 'pg', host: '127.0.0.1', port: 9 })).statusCode).toBe(403);
    expect((await admin.delete(`/api/store/connections/${plain.id}`)).statusCode).toBe(200);
  });
});

describe('/api/store/readonly-user-sql', () => {
  it('gives the installer SQL for a SELECT-only user per engine', async () => {
    const app = await createTestAppliance();
    try {
      const operator = await app.client('operator');
      const mysql = (await operator.get('/api/store/readonly-user-sql?client=mysql&database=pos&user=reader')).json() as { sql: string };
      expect(mysql.sql).toContain("GRANT SELECT ON `pos`.* TO 'reader'@'%'");
      expect(mysql.sql).not.toMatch(/GRANT (ALL|INSERT|UPDATE)/);
      expect(((await operator.get('/api/store/readonly-user-sql?client=pg')).json() as { sql: string }).sql).toContain('default_transaction_read_only = on');
      expect((await operator.get('/api/store/readonly-user-sql?client=pg&user=x;drop')).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
