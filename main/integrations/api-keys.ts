import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { isRole, PERMISSIONS, permissionsOf, type Permission, type Role } from '../auth/permissions.js';
import { hashToken } from '../auth/users.js';
import type { Clock } from '../clock.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { addressAllowed, normalizeAddressList } from './addresses.js';

/** Keys start with this, so the API gate tells them from people's session tokens at a glance. */
export const API_KEY_PREFIX = 'smk_';

/**
 * What no key may hold, whoever creates it: managing people (a key must not make users)
 * and managing integrations (a key must not mint keys or read account secrets' rotations).
 */
export const NOT_GRANTABLE: readonly Permission[] = ['users.manage', 'integrations.manage'];

export type ApiKeyState = 'active' | 'expired' | 'revoked';

export interface ApiKey {
  id: number;
  name: string;
  /** The first characters of the key, to recognise it; the rest is never stored. */
  prefix: string;
  permissions: Permission[];
  allowedAddresses: string[];
  expiresAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  state: ApiKeyState;
}

export interface ApiKeyInput {
  name: string;
  permissions: Permission[];
  allowedAddresses: string[];
  expiresAt: number | null;
}

/** Who a request made with a key is: the key's name and what it may do now. */
export interface ApiKeyIdentity {
  id: number;
  name: string;
  permissions: ReadonlySet<Permission>;
}

interface ApiKeyRow {
  id: number;
  name: string;
  prefix: string;
  token_hash: string;
  permissions: string;
  allowed_addresses: string;
  expires_at: number | string | null;
  revoked_at: number | string | null;
  revoked_by: string | null;
  created_by_user_id: number | null;
  created_by: string;
  created_at: number | string;
  last_used_at: number | string | null;
  last_used_ip: string | null;
}

function jsonList(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value);

/** The audit log's name for whoever acts with a key; people's user names cannot contain ':'. */
export function keyActorName(name: string): string {
  return `key:${name}`;
}

/** One audit row per key and route per minute, and last-used written at most once a minute. */
const USE_RECORD_MS = 60_000;

/**
 * API keys for programs (a store's ERP, a till's add-on): created by an administrator with
 * a subset of the administrator's own permissions, shown once, kept only as a SHA-256 hash,
 * revocable, optionally limited to addresses and to a date. A key is never a role: the API
 * gate checks the key's own permission list.
 */
export class ApiKeys {
  private readonly usesRecorded = new Map<string, number>();
  private readonly lastUseWritten = new Map<number, number>();

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
  ) {}

  private toKey(row: ApiKeyRow): ApiKey {
    const now = this.clock.now();
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
    const revokedAt = row.revoked_at === null ? null : Number(row.revoked_at);
    return {
      id: Number(row.id),
      name: row.name,
      prefix: row.prefix,
      permissions: jsonList(row.permissions).filter(isPermission),
      allowedAddresses: jsonList(row.allowed_addresses),
      expiresAt,
      revokedAt,
      revokedBy: row.revoked_by,
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      lastUsedIp: row.last_used_ip,
      state: revokedAt !== null ? 'revoked' : expiresAt !== null && expiresAt <= now ? 'expired' : 'active',
    };
  }

  /** Permissions a key may be given by someone with `role`. */
  grantable(role: Role): Permission[] {
    return permissionsOf(role).filter((p) => !NOT_GRANTABLE.includes(p));
  }

  async list(): Promise<ApiKey[]> {
    const rows: ApiKeyRow[] = await this.db('api_keys').select('*').orderBy('id', 'desc');
    return rows.map((r) => this.toKey(r));
  }

  async get(id: number): Promise<ApiKey> {
    const row: ApiKeyRow | undefined = await this.db('api_keys').where('id', id).first();
    if (!row) throw new NotFoundError(`API key ${id}`);
    return this.toKey(row);
  }

  /** Creates a key; the token is in the answer once and nowhere else. */
  async create(actor: AuditActor, creatorRole: Role, input: ApiKeyInput): Promise<{ key: ApiKey; token: string }> {
    const name = input.name.trim();
    if (!/^[^\s:][^:]{0,47}$/u.test(name) || name.length > 48) {
      throw new ValidationError('Name the key after the program that uses it: 1 to 48 characters, no colon.');
    }
    const permissions = [...new Set(input.permissions)];
    if (permissions.length === 0) throw new ValidationError('Give the key at least one permission: only what the program needs.');
    const allowed = new Set(this.grantable(creatorRole));
    for (const permission of permissions) {
      if (!isPermission(permission)) throw new ValidationError(`Unknown permission "${String(permission)}".`);
      if (NOT_GRANTABLE.includes(permission)) {
        throw new AppError('API_KEY_PERMISSION_NOT_GRANTABLE', `No API key may hold ${permission}: it stays with people.`, 400, { permission });
      }
      if (!allowed.has(permission)) {
        throw new AppError('API_KEY_PERMISSION_BEYOND_CREATOR', `You cannot give a key ${permission}: you do not hold it yourself.`, 403, { permission });
      }
    }
    const allowedAddresses = normalizeAddressList(input.allowedAddresses);
    const now = this.clock.now();
    if (input.expiresAt !== null && input.expiresAt <= now) throw new ValidationError('The expiry date is in the past; choose a later date or none.');
    const token = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = await this.db.transaction(async (trx) => {
      const taken = await trx('api_keys').where('name', name).first('id');
      if (taken) throw new ConflictError('API_KEY_NAME_TAKEN', `A key named "${name}" exists (names are never reused, revoked keys included). Choose another name.`);
      const [inserted] = await trx('api_keys')
        .insert({
          name,
          prefix: token.slice(0, API_KEY_PREFIX.length + 6),
          token_hash: hashToken(token),
          permissions: JSON.stringify(PERMISSIONS.filter((p) => permissions.includes(p))),
          allowed_addresses: JSON.stringify(allowedAddresses),
          expires_at: input.expiresAt,
          created_by_user_id: actor.userId,
          created_by: actor.username,
          created_at: now,
        })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await this.audit.record(actor, 'integrations.key.create', name, { permissions, allowedAddresses, expiresAt: input.expiresAt }, trx);
      return newId;
    });
    this.events.publish('integrations.changed', { area: 'api-keys' }, 'integrations.read');
    return { key: await this.get(id), token };
  }

  async revoke(actor: AuditActor, id: number): Promise<ApiKey> {
    await this.db.transaction(async (trx) => {
      const row: ApiKeyRow | undefined = await trx('api_keys').where('id', id).first();
      if (!row) throw new NotFoundError(`API key ${id}`);
      if (row.revoked_at !== null) return;
      await trx('api_keys').where('id', id).update({ revoked_at: this.clock.now(), revoked_by: actor.username });
      await this.audit.record(actor, 'integrations.key.revoke', row.name, null, trx);
    });
    this.events.publish('integrations.changed', { area: 'api-keys' }, 'integrations.read');
    return this.get(id);
  }

  /**
   * The identity behind a key, or an error that says why not (unknown, revoked, expired:
   * 401; from an address the key does not allow: 403). The key holds at most what its
   * creator's role holds today: a creator moved to a smaller role takes the key down with them.
   */
  async authenticate(token: string, ip: string): Promise<ApiKeyIdentity> {
    const row = (await this.db('api_keys')
      .leftJoin('users', 'users.id', 'api_keys.created_by_user_id')
      .where('api_keys.token_hash', hashToken(token))
      .first('api_keys.*', 'users.role as creator_role')) as (ApiKeyRow & { creator_role: string | null }) | undefined;
    if (!row) throw new AppError('API_KEY_UNKNOWN', 'This API key is not known to StoreMAS. Check that it was copied whole, or ask an administrator for a new one.', 401);
    const key = this.toKey(row);
    if (key.state === 'revoked') throw new AppError('API_KEY_REVOKED', `The API key "${key.name}" was revoked. Ask an administrator for a new one.`, 401);
    if (key.state === 'expired') throw new AppError('API_KEY_EXPIRED', `The API key "${key.name}" has expired. Ask an administrator for a new one.`, 401);
    if (!addressAllowed(ip, key.allowedAddresses)) {
      throw new AppError('API_KEY_ADDRESS_DENIED', `The API key "${key.name}" may not be used from ${ip}. An administrator can add this address to the key.`, 403, { ip });
    }
    const creatorMay = row.creator_role && isRole(row.creator_role) ? new Set(this.grantable(row.creator_role)) : new Set<Permission>();
    return { id: key.id, name: key.name, permissions: new Set(key.permissions.filter((p) => creatorMay.has(p))) };
  }

  /** Audits a use (once per key, route and minute) and notes when and where the key was last used. */
  async recordUse(identity: ApiKeyIdentity, route: string, ip: string): Promise<void> {
    const now = this.clock.now();
    const minute = Math.floor(now / USE_RECORD_MS);
    const useKey = `${identity.id}|${route}`;
    if (this.usesRecorded.get(useKey) !== minute) {
      if (this.usesRecorded.size > 10_000) this.usesRecorded.clear();
      this.usesRecorded.set(useKey, minute);
      await this.audit.record({ userId: null, username: keyActorName(identity.name), ip }, 'integrations.key.use', route, { key: identity.name });
    }
    if (now - (this.lastUseWritten.get(identity.id) ?? 0) >= USE_RECORD_MS) {
      this.lastUseWritten.set(identity.id, now);
      await this.db('api_keys').where('id', identity.id).update({ last_used_at: now, last_used_ip: ip.slice(0, 64) });
    }
  }
}
