import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../main/api/server.js';
import { ManualClock, type Clock } from '../../main/clock.js';
import { defaultConfig, type ApplianceConfig } from '../../main/config.js';
import { openCore, type OpenedCore } from '../../main/index.js';
import type { ApplianceServices } from '../../main/services.js';
import type { Role } from '../../main/auth/permissions.js';

/** A fresh temp directory removed by the returned function. */
export function tempDir(prefix = 'storemas-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Config for tests: temp data dir, cheap scrypt, quiet logs. */
export function testConfig(dataDir: string, overrides: Partial<ApplianceConfig> = {}): ApplianceConfig {
  return defaultConfig({
    dataDir,
    port: 0,
    logLevel: 'warn',
    logToConsole: false,
    ...overrides,
    auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 2 ** 10, ...overrides.auth },
  });
}

export interface ApiClient {
  token: string;
  csrfToken: string;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

export interface TestAppliance {
  core: OpenedCore;
  services: ApplianceServices;
  server: FastifyInstance;
  clock: Clock;
  dataDir: string;
  /** Signs in (creating the user with that role first when needed); password already changed. */
  client(role: Role, username?: string): Promise<ApiClient>;
  login(username: string, password: string): Promise<ApiClient>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'Passw0rd-test';

/**
 * The real core on a temp SQLite file with real migrations, and the real
 * Fastify server driven through inject(). Clients authenticate with the
 * session cookie + CSRF header, as the browser does.
 */
export async function createTestAppliance(
  options: { clock?: Clock; config?: Partial<ApplianceConfig> } = {},
): Promise<TestAppliance> {
  const temp = tempDir();
  const clock = options.clock ?? new ManualClock(Date.now());
  const core = await openCore(testConfig(temp.dir, options.config), { clock, lock: true });
  const server = await buildServer(core.services);
  await server.ready();

  const login = async (username: string, password: string): Promise<ApiClient> => {
    const response = await server.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    if (response.statusCode !== 200) throw new Error(`login ${username} failed: ${response.body}`);
    const body = response.json() as { token: string; csrfToken: string };
    return makeClient(server, body.token, body.csrfToken);
  };

  const client = async (role: Role, username = `test-${role}`): Promise<ApiClient> => {
    if (!(await core.services.users.findByUsername(username))) {
      await core.services.users.create(
        { userId: null, username: 'test', ip: 'local' },
        { username, role, password: TEST_PASSWORD, mustChangePassword: false },
      );
    }
    return login(username, TEST_PASSWORD);
  };

  return {
    core,
    services: core.services,
    server,
    clock,
    dataDir: temp.dir,
    client,
    login,
    close: async () => {
      await server.close();
      await core.close();
      temp.remove();
    },
  };
}

function makeClient(server: FastifyInstance, token: string, csrfToken: string): ApiClient {
  const request = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    server.inject({
      method: method as 'GET',
      url,
      headers: { cookie: `storemas_session=${token}`, 'x-csrf-token': csrfToken, ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
  return {
    token,
    csrfToken,
    request,
    get: (url) => request('GET', url),
    post: (url, body) => request('POST', url, body ?? {}),
    put: (url, body) => request('PUT', url, body ?? {}),
    patch: (url, body) => request('PATCH', url, body ?? {}),
    delete: (url) => request('DELETE', url),
  };
}
