import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES, type Permission } from '../auth/permissions.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';

/**
 * Every registered route is reached without a session (401) and, where it
 * declares a permission, with a role that lacks it (403). New routes are
 * covered automatically: the list comes from the server itself.
 */
describe('route authorisation, enumerated from the server', () => {
  let app: TestAppliance;
  const clients = new Map<string, ApiClient>();

  beforeAll(async () => {
    app = await createTestAppliance();
    for (const role of ROLES) clients.set(role, await app.client(role));
  });
  afterAll(() => app.close());

  const concreteUrl = (url: string) => url.replace(/:[A-Za-z]+/g, '1').replace(/\*$/, 'x');

  it('has only health and login as public API routes', () => {
    const publicRoutes = app.server.registeredRoutes.filter((r) => r.url.startsWith('/api') && r.public);
    expect(publicRoutes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(['GET /api/health', 'POST /api/auth/login']);
  });

  it('has only the 云MAS submits as public routes outside /api, each carrying its own protection', () => {
    const outside = app.server.registeredRoutes.filter((r) => !r.url.startsWith('/api'));
    expect(outside.map((r) => `${r.method} ${r.url}`).sort()).toEqual(['POST /sms/norsubmit', 'POST /sms/submit', 'POST /sms/tmpsubmit']);
    expect(outside.every((r) => r.public && r.cloudMas)).toBe(true);
  });

  it('answers 403 to an API key on every route whose permission the key does not hold, and on routes for people', async () => {
    const created = await clients.get('admin')!.post('/api/integrations/api-keys', { name: 'route-enumeration', permissions: ['messages.send'] });
    expect(created.statusCode, created.body).toBe(201);
    const token = created.json().token as string;
    let checked = 0;
    for (const route of app.server.registeredRoutes) {
      if (!route.url.startsWith('/api') || route.public || route.permission === 'messages.send') continue;
      const response = await app.server.inject({
        method: route.method as 'GET',
        url: concreteUrl(route.url),
        headers: { authorization: `Bearer ${token}` },
        ...(route.method === 'GET' ? {} : { payload: {} }),
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('answers 401 on every non-public API route without a session', async () => {
    const routes = app.server.registeredRoutes.filter((r) => r.url.startsWith('/api') && !r.public);
    expect(routes.length).toBeGreaterThan(10);
    for (const route of routes) {
      const response = await app.server.inject({ method: route.method as 'GET', url: concreteUrl(route.url), payload: route.method === 'GET' ? undefined : {} });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().error.code).toBe('AUTH_REQUIRED');
    }
  });

  it('answers 401 for a forged or expired token', async () => {
    const response = await app.server.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Bearer not-a-token' } });
    expect(response.statusCode).toBe(401);
  });

  it('answers 403 on every route whose permission a role lacks', async () => {
    let checked = 0;
    for (const route of app.server.registeredRoutes) {
      if (!route.url.startsWith('/api') || !route.permission) continue;
      for (const role of ROLES) {
        if (can(role, route.permission as Permission)) continue;
        const client = clients.get(role)!;
        const response = await client.request(route.method, concreteUrl(route.url), route.method === 'GET' ? undefined : {});
        expect(response.statusCode, `${role} ${route.method} ${route.url}`).toBe(403);
        expect(response.json().error.code).toBe('FORBIDDEN');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('every API route that changes state declares a permission or is a personal auth action', () => {
    const personal = new Set(['/api/auth/login', '/api/auth/logout', '/api/auth/change-password']);
    for (const route of app.server.registeredRoutes) {
      if (!route.url.startsWith('/api') || route.method === 'GET') continue;
      if (personal.has(route.url)) continue;
      expect(route.permission, `${route.method} ${route.url} needs config.permission`).toBeDefined();
    }
  });

  it('refuses a cookie session without the CSRF header on state-changing requests', async () => {
    const admin = clients.get('admin')!;
    const response = await app.server.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: { cookie: `storemas_session=${admin.token}` },
      payload: { storeName: '新店' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('CSRF_FAILED');
  });

  it('accepts a bearer token without CSRF (programs, not browsers)', async () => {
    const admin = clients.get('admin')!;
    const response = await app.server.inject({
      method: 'PUT',
      url: '/api/settings',
      headers: { authorization: `Bearer ${admin.token}` },
      payload: { storeName: '新店' },
    });
    expect(response.statusCode).toBe(200);
  });
});
