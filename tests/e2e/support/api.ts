import type { RunningAppliance } from './appliance';

export type Role = 'admin' | 'manager' | 'operator';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

/** A signed-in API session, as a program uses it: bearer token, no cookie, no CSRF. */
export class ApiSession {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return parse<T>(response);
  }

  get<T>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
}

async function parse<T>(response: Response): Promise<T> {
  const payload = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (!response.ok) {
    throw new ApiFailure(response.status, payload?.error?.code ?? 'HTTP', payload?.error?.message ?? response.statusText);
  }
  return payload as T;
}

export async function apiLogin(appliance: RunningAppliance, username: string, password: string): Promise<ApiSession> {
  const response = await fetch(`${appliance.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const { token } = await parse<{ token: string }>(response);
  return new ApiSession(appliance.url, token);
}

/** Signs admin in over the API, doing the first-run password change when it is still due. */
export async function adminApi(appliance: RunningAppliance): Promise<ApiSession> {
  const session = await apiLogin(appliance, 'admin', appliance.admin.password);
  const me = await session.get<{ user: { mustChangePassword: boolean } }>('/auth/me');
  if (me.user.mustChangePassword) {
    const next = 'Admin-e2e-2468';
    await session.post('/auth/change-password', { currentPassword: appliance.admin.password, newPassword: next });
    appliance.admin.password = next;
  }
  return session;
}

export interface CreatedUser {
  id: number;
  username: string;
  password: string;
  role: Role;
}

let counter = 0;
/** A user name no other test uses (the appliance is shared by the specs of one worker). */
export function uniqueUsername(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/**
 * Creates a user through the API. With `ready` (the default) the user has
 * also signed in once and set their own password, so they land on the
 * dashboard at the next sign-in instead of the password change.
 */
export async function createUser(
  appliance: RunningAppliance,
  options: { role?: Role; username?: string; displayName?: string; ready?: boolean } = {},
): Promise<CreatedUser> {
  const admin = await adminApi(appliance);
  const role = options.role ?? 'operator';
  const username = options.username ?? uniqueUsername(role.slice(0, 3));
  const initial = 'Initial-1357';
  const created = await admin.post<{ id: number }>('/users', {
    username,
    displayName: options.displayName ?? `E2E ${username}`,
    role,
    password: initial,
  });
  if (options.ready === false) return { id: created.id, username, password: initial, role };
  const password = 'Chosen-9753';
  const own = await apiLogin(appliance, username, initial);
  await own.post('/auth/change-password', { currentPassword: initial, newPassword: password });
  return { id: created.id, username, password, role };
}
