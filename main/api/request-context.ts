import type { AuditActor } from '../auth/audit.js';
import { can, type Permission } from '../auth/permissions.js';
import type { SessionInfo } from '../auth/users.js';
import { keyActorName, type ApiKeyIdentity } from '../integrations/api-keys.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route needs no session (health, login). */
    public?: boolean;
    /** Permission the route requires; omitted: any signed-in user. */
    permission?: Permission;
    /** Allowed while the user still has to change the first-login password. */
    allowDuringPasswordChange?: boolean;
    /** A 云MAS interface route: public to the session gate, protected by its own account, address and mac checks. */
    cloudMas?: boolean;
  }
  interface FastifyRequest {
    session: SessionInfo | undefined;
    /** How the request authenticated: cookie (needs CSRF header) or bearer token. */
    authMethod: 'cookie' | 'bearer' | 'api-key' | undefined;
    /** Set when a program called with an API key (then `session` is undefined). */
    apiKey: ApiKeyIdentity | undefined;
  }
}

export const SESSION_COOKIE = 'storemas_session';

export function actorOf(request: { session: SessionInfo | undefined; apiKey?: ApiKeyIdentity | undefined; ip: string }): AuditActor {
  if (request.apiKey) return { userId: null, username: keyActorName(request.apiKey.name), ip: request.ip };
  return {
    userId: request.session?.user.id ?? null,
    username: request.session?.user.username ?? 'anonymous',
    ip: request.ip,
  };
}

/** Whether the caller (a person's session or an API key) holds `permission`. */
export function allows(request: { session: SessionInfo | undefined; apiKey?: ApiKeyIdentity | undefined }, permission: Permission): boolean {
  if (request.apiKey) return request.apiKey.permissions.has(permission);
  return request.session !== undefined && can(request.session.user.role, permission);
}

/** Minimal cookie header parser: we read exactly one cookie. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A browser-session cookie: gone when the browser closes; the server ends it sooner when idle.
 * Set over HTTPS (LAN access) it is also Secure: the browser never sends it over plain HTTP.
 */
export function sessionCookie(token: string, secure = false): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
