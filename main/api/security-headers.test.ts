import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, tempDir, type TestAppliance } from '../../tests/support/appliance.js';

/** Every response — API JSON, errors, the UI's HTML and its files — carries the same security headers. */
describe('security headers', () => {
  let app: TestAppliance;
  let ui: { dir: string; remove: () => void };
  beforeAll(async () => {
    ui = tempDir('storemas-ui-');
    fs.writeFileSync(path.join(ui.dir, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
    fs.mkdirSync(path.join(ui.dir, 'assets'));
    fs.writeFileSync(path.join(ui.dir, 'assets', 'app.js'), 'console.log(1)');
    app = await createTestAppliance({ config: { rendererDir: ui.dir } });
  });
  afterAll(async () => {
    await app.close();
    ui.remove();
  });

  it('on the API, its errors, the UI and its assets', async () => {
    const admin = await app.client('admin');
    const responses = {
      health: await app.server.inject({ method: 'GET', url: '/api/health' }),
      unauthorised: await app.server.inject({ method: 'GET', url: '/api/users' }),
      apiData: await admin.get('/api/users'),
      notFound: await app.server.inject({ method: 'GET', url: '/api/nothing' }),
      ui: await app.server.inject({ method: 'GET', url: '/members' }),
      asset: await app.server.inject({ method: 'GET', url: '/assets/app.js' }),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.statusCode, name).toBeLessThan(500);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, name).toMatch(/(^|;)script-src 'self'(;|$)/);
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).toContain("object-src 'none'");
      expect(csp, name).not.toContain('unsafe-eval');
      expect(csp, name).not.toContain('upgrade-insecure-requests'); // the desktop window is plain HTTP on loopback
      expect(response.headers['x-content-type-options'], name).toBe('nosniff');
      expect(response.headers['referrer-policy'], name).toBe('no-referrer');
      expect(response.headers['x-frame-options'], name).toBe('SAMEORIGIN');
    }
  });
});
