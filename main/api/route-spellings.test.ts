import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, tempDir, type TestAppliance } from '../../tests/support/appliance.js';
import { isApiPath } from './server.js';

/**
 * The gate belongs to the matched route, not to the request line's spelling: every documented
 * route, asked for in each spelling a router or proxy may resolve to it, answers 401 or a JSON
 * 404 — never data, never the UI's HTML — and the process serves on afterwards.
 */
const UI_MARKER = 'storemas-ui-index-marker';

const concreteUrl = (url: string) => url.replace(/:[A-Za-z]+/g, '1').replace(/\*$/, 'x');

/** Spellings of /api/<rest> that name the same route for some router, proxy or browser. */
export function spellingsOf(url: string): string[] {
  const rest = url.replace(/^\/api/, '');
  return [
    `/%61pi${rest}`,
    `/ap%69${rest}`,
    `/%61%70%69${rest}`,
    `/%2561pi${rest}`,
    `//api${rest}`,
    `/api/${rest}`,
    `/./api${rest}`,
    `/x/../api${rest}`,
    `/api/./${rest.replace(/^\//, '')}`,
    `/API${rest}`,
    `/Api${rest}`,
    `/aPi${rest}`,
    `\\api${rest}`,
  ];
}

describe('the API gate whatever the spelling', () => {
  let app: TestAppliance;
  let ui: { dir: string; remove: () => void };

  beforeAll(async () => {
    ui = tempDir('storemas-ui-');
    fs.writeFileSync(path.join(ui.dir, 'index.html'), `<!doctype html><title>${UI_MARKER}</title>`);
    app = await createTestAppliance({ config: { rendererDir: ui.dir } });
  });
  afterAll(async () => {
    await app.close();
    ui.remove();
  });

  it('knows every spelling of /api as the API', () => {
    for (const spelling of spellingsOf('/api/users')) expect(isApiPath(spelling), spelling).toBe(true);
    expect(isApiPath('/members')).toBe(false);
    expect(isApiPath('/apiary')).toBe(false);
    expect(isApiPath('/%E0%A4%A')).toBe(true); // malformed escapes never get the UI
  });

  it('answers 401 or a JSON 404 to every spelling of every non-public route, for every method', async () => {
    const routes = app.server.registeredRoutes.filter((r) => r.url.startsWith('/api') && !r.public);
    expect(routes.length).toBeGreaterThan(40);
    let tried = 0;
    for (const route of routes) {
      for (const url of spellingsOf(concreteUrl(route.url))) {
        const response = await app.server.inject({
          method: route.method as 'GET',
          url,
          headers: { 'content-type': 'application/json' },
          payload: route.method === 'GET' ? undefined : JSON.stringify({ username: 'x', role: 'admin', password: 'Secret123x', to: '13800138000', text: 'x' }),
        });
        const label = `${route.method} ${url}`;
        expect([401, 404], label).toContain(response.statusCode);
        expect(response.headers['content-type'], label).toMatch(/^application\/json/);
        expect(response.body, label).not.toContain(UI_MARKER);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(500);
    // Nothing was created on the way: only the test's own users exist.
    expect((await app.services.users.list()).map((u) => u.username)).not.toContain('x');
  });

  it('serves the UI for its own paths, never for an unknown API path', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/members' })).body).toContain(UI_MARKER);
    for (const url of ['/api/nothing-here', '/%61pi/nothing-here', '//api/x', '/API/x', '/x/../api/x']) {
      const response = await app.server.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain(UI_MARKER);
    }
  });

  it('refuses a held-open event stream without a session and keeps serving (real socket)', async () => {
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.server.address() as AddressInfo;
    const get = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port, path: url, headers: { accept: 'text/event-stream' } }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.setTimeout(5_000, () => request.destroy(new Error(`no answer to ${url}`)));
        request.on('error', reject);
      });
    for (const url of ['/%61pi/events/', '/ap%69/events/', '/api/events', '/%61pi/events']) {
      const { status } = await get(url);
      expect([401, 404], url).toContain(status);
    }
    expect((await get('/api/health')).status).toBe(200);
  });
});
