import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAppliance, TEST_PASSWORD, type TestAppliance } from '../../tests/support/appliance.js';

describe('serving the admin UI', () => {
  it('answers app paths with the index, existing files as files, and missing files with 404 (never HTML as a script)', async () => {
    const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-ui-'));
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>StoreMAS</title>');
    fs.mkdirSync(path.join(rendererDir, 'assets'));
    fs.writeFileSync(path.join(rendererDir, 'assets', 'index-new.js'), 'export {};');
    const app = await createTestAppliance({ config: { rendererDir } });
    try {
      const page = await app.server.inject({ method: 'GET', url: '/members/42?tab=purchases' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const script = await app.server.inject({ method: 'GET', url: '/assets/index-new.js' });
      expect(script.statusCode).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      const staleChunk = await app.server.inject({ method: 'GET', url: '/assets/StorePage-of-an-older-build.js' });
      expect(staleChunk.statusCode).toBe(404);
      expect(staleChunk.json().error.code).toBe('NOT_FOUND');
    } finally {
      await app.close();
      fs.rmSync(rendererDir, { recursive: true, force: true });
    }
  });
});

describe('API conventions', () => {
  let app: TestAppliance;
  beforeEach(async () => {
    app = await createTestAppliance();
  });
  afterEach(() => app.close());

  it('answers health without a session', async () => {
    const response = await app.server.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', version: app.services.version });
  });

  it('maps validation failures to VALIDATION_FAILED with the field named', async () => {
    const admin = await app.client('admin');
    const response = await admin.post('/api/users', { username: 'x1', role: 'king', password: 'abc' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(response.json().error.message).toMatch(/role/);
  });

  it('maps unknown API paths to NOT_FOUND in the error shape', async () => {
    const response = await app.server.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });

  it('limits body size', async () => {
    const admin = await app.client('admin');
    const response = await admin.put('/api/settings', { storeName: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('serves an OpenAPI document describing every API route, to signed-in users only', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/api/docs' })).statusCode).toBe(401);
    const operator = await app.client('operator');
    const response = await operator.get('/api/docs');
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const trim = (p: string) => p.replace(/\/+$/, '');
    const documented = new Map(Object.entries(doc.paths).map(([p, ops]) => [trim(p), ops]));
    for (const route of app.server.registeredRoutes) {
      if (!route.url.startsWith('/api') || trim(route.url) === '/api/docs') continue;
      const openApiPath = trim(route.url.replace(/:([A-Za-z]+)/g, '{$1}'));
      expect(documented.get(openApiPath)?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
    }
  });

  it('forces the first-login password change before anything else', async () => {
    const password = (await app.services.users.ensureInitialAdmin())!;
    const admin = await app.login('admin', password);
    const blocked = await admin.get('/api/users');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await admin.get('/api/auth/me')).json().user.mustChangePassword).toBe(true);
    const changed = await admin.post('/api/auth/change-password', { currentPassword: password, newPassword: 'NewAdmin2026' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().user.mustChangePassword).toBe(false);
    expect((await admin.get('/api/users')).statusCode).toBe(200);
  });

  it('users API: create, change role, reset password, disable — each audited with who and from where', async () => {
    const admin = await app.client('admin');
    const created = await admin.post('/api/users', { username: 'li.lei', displayName: '李雷', role: 'operator', password: 'Start2026x' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    expect((await admin.patch(`/api/users/${id}`, { role: 'manager' })).json().role).toBe('manager');
    const reset = await admin.post(`/api/users/${id}/reset-password`);
    expect(reset.json().password).toMatch(/^[A-Za-z2-9]{14}$/);
    const lilei = await app.login('li.lei', reset.json().password);
    expect((await admin.patch(`/api/users/${id}`, { disabled: true })).json().disabled).toBe(true);
    expect((await lilei.get('/api/auth/me')).statusCode).toBe(401);

    const audit = await admin.get('/api/audit?username=test-admin');
    const actions = (audit.json().items as Array<{ action: string; target: string; ip: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'user.reset-password', 'user.disable', 'login']));
    expect(audit.json().items[0].ip).toBe('127.0.0.1');
    const filtered = await admin.get('/api/audit?action=user.disable');
    expect(filtered.json().items).toHaveLength(1);
    expect(filtered.json().items[0].target).toBe('li.lei');
    const facets = (await admin.get('/api/audit/facets')).json();
    expect(facets.actions).toContain('user.disable');
  });

  it('audit filters by date range', async () => {
    const admin = await app.client('admin');
    const all = (await admin.get('/api/audit')).json().items as Array<{ at: number }>;
    expect(all.length).toBeGreaterThan(0);
    const future = app.clock.now() + 86_400_000;
    expect((await admin.get(`/api/audit?from=${future}`)).json().total).toBe(0);
    expect((await admin.get(`/api/audit?to=${future}`)).json().total).toBe(all.length);
  });

  it('settings: validated, saved, audited; LAN access flagged as needing a restart', async () => {
    const admin = await app.client('admin');
    const bad = await admin.put('/api/settings', { smsSignature: '好又多' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/【/);
    const saved = await admin.put('/api/settings', { storeName: '好又多超市(五一店)', smsSignature: '【好又多】', lanAccess: true });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().values).toMatchObject({ storeName: '好又多超市(五一店)', smsSignature: '【好又多】', lanAccess: true });
    expect(saved.json().listening.restartNeeded).toBe(true);
    const manager = await app.client('manager');
    expect((await manager.get('/api/settings')).json().values.storeName).toBe('好又多超市(五一店)');
    expect((await manager.put('/api/settings', { storeName: 'x' })).statusCode).toBe(403);
    // An operator may not read the settings, yet the header shows the store's name and language.
    const operator = await app.client('operator');
    expect((await operator.get('/api/settings')).statusCode).toBe(403);
    expect((await operator.get('/api/auth/me')).json().store).toEqual({ name: '好又多超市(五一店)', language: 'zh-CN' });
    const audit = (await admin.get('/api/audit?action=settings.update')).json().items;
    expect(audit[0].target).toContain('storeName');
  });

  it('dashboard shows real figures', async () => {
    const admin = await app.client('admin');
    const operator = await app.client('operator');
    const { system } = (await admin.get('/api/dashboard')).json();
    expect(system.users).toMatchObject({ total: 2, active: 2, byRole: { admin: 1, manager: 0, operator: 1 } });
    expect(system.databaseBytes).toBeGreaterThan(0);
    expect(system.activity).toHaveLength(14);
    expect(system.activity.at(-1).logins).toBe(2);
    // System figures (data directory, database size, who signs in) are for administrators only.
    for (const client of [operator, await app.client('manager')]) {
      const body = (await client.get('/api/dashboard')).json();
      expect(body.version).toBe(app.services.version);
      expect(body.system).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain(app.dataDir);
    }
  });

  it('login errors say what happened', async () => {
    const wrong = await app.server.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: TEST_PASSWORD } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toMatchObject({ code: 'LOGIN_FAILED', details: { maxFailedLogins: 5, lockoutMinutes: 15 } });
    await app.client('operator');
    for (let i = 0; i < 5; i++) await app.server.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'test-operator', password: 'wrong' } });
    // Locked and unknown accounts answer alike to a caller without the password: status, code and text.
    const lockedWrong = await app.server.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'test-operator', password: 'wrong' } });
    expect(lockedWrong.statusCode).toBe(wrong.statusCode);
    expect(lockedWrong.json()).toEqual(wrong.json());
    const locked = await app.server.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'test-operator', password: TEST_PASSWORD } });
    expect(locked.statusCode).toBe(423);
    // The minutes are structured so the UI can say them in the user's language.
    expect(locked.json().error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { minutes: 15 } });
  });

  it('logout ends the session', async () => {
    const operator = await app.client('operator');
    expect((await operator.post('/api/auth/logout')).statusCode).toBe(200);
    expect((await operator.get('/api/auth/me')).statusCode).toBe(401);
  });
});
