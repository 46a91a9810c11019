import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { ApplianceConfig } from '../config.js';
import { AppError, AuthError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { PSEUDO_ACTOR_NAMES, type AuditActor, type AuditLog } from './audit.js';
import { checkPasswordStrength, generatePassword, hashPassword, verifyPassword } from './passwords.js';
import { isRole, permissionsOf, type Permission, type Role } from './permissions.js';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  mustChangePassword: boolean;
  disabled: boolean;
  lockedUntil: number | null;
  lastLoginAt: number | null;
  createdAt: number;
}

export interface SessionInfo {
  user: User;
  permissions: Permission[];
  csrfToken: string;
  tokenHash: string;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  must_change_password: number | boolean;
  disabled: number | boolean;
  failed_logins: number;
  locked_until: number | string | null;
  last_login_at: number | string | null;
  created_at: number | string;
}

const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{2,64}$/;

function toUser(row: UserRow): User {
  if (!isRole(row.role)) throw new AppError('USER_ROLE_UNKNOWN', `User ${row.username} has an unknown role ${row.role}.`);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    mustChangePassword: Boolean(row.must_change_password),
    disabled: Boolean(row.disabled),
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
    createdAt: Number(row.created_at),
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Users, their passwords and sessions. Sessions are rows, checked on every
 * request, so disabling a user or expiring a session takes effect at once in
 * the service and in any CLI process sharing the database.
 */
export class Users {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    private readonly authConfig: ApplianceConfig['auth'],
  ) {}

  async list(): Promise<User[]> {
    const rows: UserRow[] = await this.db('users').select('*').orderBy('id');
    return rows.map(toUser);
  }

  async get(id: number): Promise<User> {
    const row: UserRow | undefined = await this.db('users').where({ id }).first();
    if (!row) throw new NotFoundError(`User #${id}`);
    return toUser(row);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row: UserRow | undefined = await this.db('users').where({ username }).first();
    return row ? toUser(row) : undefined;
  }

  async count(): Promise<number> {
    const [row] = await this.db('users').count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async create(
    actor: AuditActor,
    input: { username: string; displayName?: string; role: string; password: string; mustChangePassword?: boolean },
  ): Promise<User> {
    const username = input.username.trim();
    if (!USERNAME_PATTERN.test(username)) {
      throw new ValidationError(
        'A user name is 2 to 64 letters, digits, dots, dashes or underscores (for example zhang.wei).',
      );
    }
    if (PSEUDO_ACTOR_NAMES.includes(username.toLowerCase())) {
      throw new ConflictError('USERNAME_RESERVED', `The user name "${username}" is reserved: StoreMAS signs its own changes with it. Choose another.`);
    }
    if (!isRole(input.role)) throw new ValidationError(`Unknown role "${input.role}": use admin, manager or operator.`);
    checkPasswordStrength(input.password, username);
    if (await this.findByUsername(username)) {
      throw new ConflictError('USERNAME_TAKEN', `The user name "${username}" is already in use; choose another.`);
    }
    const now = this.clock.now();
    const passwordHash = await hashPassword(input.password, this.authConfig.scryptCost);
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = await trx('users').insert(
        {
          username,
          display_name: (input.displayName ?? '').trim().slice(0, 128),
          role: input.role,
          password_hash: passwordHash,
          must_change_password: input.mustChangePassword ?? true,
          created_at: now,
          updated_at: now,
          password_changed_at: now,
        },
        ['id'],
      );
      const newId = typeof inserted === 'object' ? (inserted as { id: number }).id : (inserted as number);
      await this.audit.record(actor, 'user.create', username, { role: input.role }, trx);
      return newId;
    });
    this.events.publish('user.changed', { userId: id, username, change: 'created' }, 'users.manage');
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, patch: { displayName?: string; role?: string }): Promise<User> {
    const user = await this.get(id);
    const changes: Record<string, unknown> = {};
    if (patch.displayName !== undefined) changes['display_name'] = patch.displayName.trim().slice(0, 128);
    if (patch.role !== undefined) {
      if (!isRole(patch.role)) throw new ValidationError(`Unknown role "${patch.role}": use admin, manager or operator.`);
      if (user.role === 'admin' && patch.role !== 'admin') await this.assertAnotherActiveAdmin(id);
      changes['role'] = patch.role;
    }
    if (Object.keys(changes).length === 0) return user;
    await this.db.transaction(async (trx) => {
      await trx('users')
        .where({ id })
        .update({ ...changes, updated_at: this.clock.now() });
      await this.audit.record(actor, 'user.update', user.username, patch, trx);
    });
    this.events.publish('user.changed', { userId: id, username: user.username, change: 'updated' }, 'users.manage');
    return this.get(id);
  }

  /** Disabling ends the user's sessions in the same transaction (停用锁止). */
  async setDisabled(actor: AuditActor, id: number, disabled: boolean): Promise<User> {
    const user = await this.get(id);
    if (disabled && actor.userId === id) throw new ValidationError('You cannot disable your own account.');
    if (disabled && user.role === 'admin') await this.assertAnotherActiveAdmin(id);
    await this.db.transaction(async (trx) => {
      await trx('users').where({ id }).update({ disabled, failed_logins: 0, locked_until: null, updated_at: this.clock.now() });
      if (disabled) await trx('sessions').where({ user_id: id }).delete();
      await this.audit.record(actor, disabled ? 'user.disable' : 'user.enable', user.username, null, trx);
    });
    if (disabled) this.events.publish('session.ended', { userId: id, reason: 'disabled' });
    this.events.publish('user.changed', { userId: id, username: user.username, change: 'disabled' }, 'users.manage');
    return this.get(id);
  }

  /** Sets a new temporary password the user must change at next login; returns it once. */
  async resetPassword(actor: AuditActor, id: number, password = generatePassword()): Promise<string> {
    const user = await this.get(id);
    checkPasswordStrength(password, user.username);
    const passwordHash = await hashPassword(password, this.authConfig.scryptCost);
    await this.db.transaction(async (trx) => {
      await trx('users').where({ id }).update({
        password_hash: passwordHash,
        must_change_password: true,
        failed_logins: 0,
        locked_until: null,
        password_changed_at: this.clock.now(),
        updated_at: this.clock.now(),
      });
      await trx('sessions').where({ user_id: id }).delete();
      await this.audit.record(actor, 'user.reset-password', user.username, null, trx);
    });
    this.events.publish('session.ended', { userId: id, reason: 'password' });
    this.events.publish('user.changed', { userId: id, username: user.username, change: 'password' }, 'users.manage');
    return password;
  }

  /** The user's own change; other sessions of the user end, the current one stays. */
  async changeOwnPassword(
    actor: AuditActor,
    id: number,
    currentPassword: string,
    newPassword: string,
    keepTokenHash: string | undefined,
  ): Promise<User> {
    const row: UserRow | undefined = await this.db('users').where({ id }).first();
    if (!row) throw new NotFoundError(`User #${id}`);
    if (!(await verifyPassword(currentPassword, row.password_hash))) {
      throw new AuthError('PASSWORD_WRONG', 'The current password is wrong.', 400);
    }
    if (currentPassword === newPassword) throw new ValidationError('The new password must differ from the current one.');
    checkPasswordStrength(newPassword, row.username);
    const passwordHash = await hashPassword(newPassword, this.authConfig.scryptCost);
    await this.db.transaction(async (trx) => {
      await trx('users').where({ id }).update({
        password_hash: passwordHash,
        must_change_password: false,
        password_changed_at: this.clock.now(),
        updated_at: this.clock.now(),
      });
      const others = trx('sessions').where({ user_id: id });
      if (keepTokenHash) others.whereNot({ token_hash: keepTokenHash });
      await others.delete();
      await this.audit.record(actor, 'user.change-password', row.username, null, trx);
    });
    return this.get(id);
  }

  /**
   * Checks a login. Wrong passwords count towards the lockout; a locked, disabled
   * or unknown account answers with the same delay so timing tells nothing.
   */
  async login(
    username: string,
    password: string,
    from: { ip: string; userAgent: string },
  ): Promise<{ token: string; session: SessionInfo }> {
    const now = this.clock.now();
    const row: UserRow | undefined = await this.db('users').where({ username: username.trim() }).first();
    const actor: AuditActor = { userId: row?.id ?? null, username: username.trim().slice(0, 64), ip: from.ip };
    const invalid = new AuthError(
      'LOGIN_FAILED',
      `Wrong user name or password. After ${this.authConfig.maxFailedLogins} failed attempts an account is locked for ${this.authConfig.lockoutMinutes} minutes.`,
      401,
      { maxFailedLogins: this.authConfig.maxFailedLogins, lockoutMinutes: this.authConfig.lockoutMinutes },
    );
    if (!row) {
      await hashPassword(password, this.authConfig.scryptCost); // same cost as a real check: timing tells nothing
      await this.audit.record(actor, 'login.failed', username.trim(), { reason: 'unknown-user' });
      throw invalid;
    }
    const lockedUntil = row.locked_until === null ? 0 : Number(row.locked_until);
    const locked = lockedUntil > now;
    const ok = await verifyPassword(password, row.password_hash);
    // To a caller without the password a locked account looks like any wrong login (an unknown
    // user answers the same), so the lockout never tells an attacker which user names exist.
    if (!ok) {
      const failures = locked ? row.failed_logins : (lockedUntil && lockedUntil <= now ? 0 : row.failed_logins) + 1;
      const lock = !locked && failures >= this.authConfig.maxFailedLogins;
      if (!locked) {
        await this.db('users')
          .where({ id: row.id })
          .update({
            failed_logins: lock ? 0 : failures,
            locked_until: lock ? now + this.authConfig.lockoutMinutes * 60_000 : null,
          });
      }
      await this.audit.record(actor, lock ? 'user.locked' : 'login.failed', row.username, {
        reason: locked ? 'locked' : 'wrong-password',
        failures,
      });
      throw invalid;
    }
    if (locked) {
      const minutes = Math.ceil((lockedUntil - now) / 60_000);
      await this.audit.record(actor, 'login.failed', row.username, { reason: 'locked' });
      throw new AuthError(
        'ACCOUNT_LOCKED',
        `This account is locked after too many failed logins. Try again in ${minutes} minute(s), or ask an administrator to reset the password.`,
        423,
        { minutes },
      );
    }
    if (row.disabled) {
      await this.audit.record(actor, 'login.failed', row.username, { reason: 'disabled' });
      throw new AuthError('ACCOUNT_DISABLED', 'This account is disabled. Ask an administrator to enable it.', 403);
    }
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const tokenHash = hashToken(token);
    await this.db.transaction(async (trx) => {
      await trx('users').where({ id: row.id }).update({ failed_logins: 0, locked_until: null, last_login_at: now });
      await trx('sessions').insert({
        token_hash: tokenHash,
        user_id: row.id,
        csrf_token: csrfToken,
        ip: from.ip.slice(0, 64),
        user_agent: from.userAgent.slice(0, 255),
        created_at: now,
        last_seen_at: now,
      });
      await this.audit.record(actor, 'login', row.username, null, trx);
    });
    const user = toUser({ ...row, last_login_at: now });
    return { token, session: { user, permissions: permissionsOf(user.role), csrfToken, tokenHash } };
  }

  /** Resolves a session token; refreshes its idle timer. Undefined if unknown, expired or disabled. */
  async authenticate(token: string): Promise<SessionInfo | undefined> {
    const tokenHash = hashToken(token);
    const row = (await this.db('sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .where('sessions.token_hash', tokenHash)
      .first('users.*', 'sessions.csrf_token as session_csrf', 'sessions.last_seen_at as session_seen')) as
      | (UserRow & { session_csrf: string; session_seen: number | string })
      | undefined;
    if (!row) return undefined;
    const now = this.clock.now();
    if (Boolean(row.disabled) || now - Number(row.session_seen) > this.idleMs()) {
      await this.db('sessions').where({ token_hash: tokenHash }).delete();
      this.events.publish('session.ended', { userId: row.id, reason: row.disabled ? 'disabled' : 'expired' });
      return undefined;
    }
    // Write the idle timer at most every 15 s: reads stay cheap under polling.
    if (now - Number(row.session_seen) > 15_000) {
      await this.db('sessions').where({ token_hash: tokenHash }).update({ last_seen_at: now });
    }
    const user = toUser(row);
    return { user, permissions: permissionsOf(user.role), csrfToken: row.session_csrf, tokenHash };
  }

  async logout(actor: AuditActor, tokenHash: string): Promise<void> {
    const session = await this.db('sessions').where({ token_hash: tokenHash }).first('user_id');
    await this.db('sessions').where({ token_hash: tokenHash }).delete();
    await this.audit.record(actor, 'logout', actor.username);
    if (session) this.events.publish('session.ended', { userId: Number(session.user_id), reason: 'logout' });
  }

  /** Is this session still valid? Used by long-lived event streams. */
  async sessionAlive(tokenHash: string): Promise<boolean> {
    const row = await this.db('sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .where('sessions.token_hash', tokenHash)
      .first('users.disabled', 'sessions.last_seen_at');
    return Boolean(row) && !row.disabled && this.clock.now() - Number(row.last_seen_at) <= this.idleMs();
  }

  /** Removes expired sessions; returns how many. */
  async sweepExpiredSessions(): Promise<number> {
    return this.db('sessions').where('last_seen_at', '<', this.clock.now() - this.idleMs()).delete();
  }

  /** First run: creates `admin` with a random password the caller shows once. */
  async ensureInitialAdmin(): Promise<string | undefined> {
    if ((await this.count()) > 0) return undefined;
    const password = generatePassword(16);
    await this.create(
      { userId: null, username: 'system', ip: 'local' },
      { username: 'admin', displayName: '系统管理员', role: 'admin', password, mustChangePassword: true },
    );
    return password;
  }

  private idleMs(): number {
    return this.authConfig.sessionIdleMinutes * 60_000;
  }

  private async assertAnotherActiveAdmin(exceptId: number): Promise<void> {
    const [row] = await this.db('users')
      .where({ role: 'admin', disabled: false })
      .whereNot({ id: exceptId })
      .count<Array<{ n: number | string }>>({ n: '*' });
    if (Number(row?.n ?? 0) === 0) {
      throw new ValidationError('This is the last active administrator: make another user admin first.');
    }
  }
}

