import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { createTestAppliance, TEST_PASSWORD, type TestAppliance } from '../../tests/support/appliance.js';
import { CLI_ACTOR } from './audit.js';

describe('users, sessions and lockout', () => {
  let app: TestAppliance;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 10, 22, 2, 0));
    app = await createTestAppliance({ clock });
  });
  afterEach(() => app.close());

  it('hashes passwords with scrypt and never stores them in clear', async () => {
    await app.services.users.create(CLI_ACTOR, { username: 'li.na', role: 'manager', password: 'Secret123x' });
    const row = await app.services.db('users').where({ username: 'li.na' }).first();
    expect(row.password_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(row.password_hash).not.toContain('Secret123x');
  });

  it('rejects weak passwords, bad user names, unknown roles and duplicates with clear messages', async () => {
    const users = app.services.users;
    await expect(users.create(CLI_ACTOR, { username: 'a', role: 'admin', password: 'Secret123x' })).rejects.toThrow(/user name/);
    await expect(users.create(CLI_ACTOR, { username: 'wang', role: 'boss', password: 'Secret123x' })).rejects.toThrow(/Unknown role/);
    await expect(users.create(CLI_ACTOR, { username: 'wang', role: 'admin', password: 'short1' })).rejects.toThrow(/at least 8/);
    await expect(users.create(CLI_ACTOR, { username: 'wang', role: 'admin', password: 'onlyletters' })).rejects.toThrow(/letters and digits/);
    await users.create(CLI_ACTOR, { username: 'wang', role: 'admin', password: 'Secret123x' });
    await expect(users.create(CLI_ACTOR, { username: 'wang', role: 'admin', password: 'Secret123x' })).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    // The names StoreMAS signs its own changes with cannot be taken, in any case.
    for (const username of ['system', 'CLI']) {
      await expect(users.create(CLI_ACTOR, { username, role: 'admin', password: 'Secret123x' })).rejects.toMatchObject({ code: 'USERNAME_RESERVED' });
    }
  });

  it('locks the account after 5 wrong passwords for 15 minutes, then lets it in again', async () => {
    await app.services.users.create(CLI_ACTOR, { username: 'zhao', role: 'operator', password: TEST_PASSWORD });
    const from = { ip: '127.0.0.1', userAgent: 'test' };
    for (let i = 0; i < 4; i++) {
      await expect(app.services.users.login('zhao', 'wrong-1', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    }
    // The fifth wrong password locks the account, but a caller without the password is told
    // only what an unknown user is told: the lockout never reveals that the account exists.
    await expect(app.services.users.login('zhao', 'wrong-1', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(app.services.users.login('zhao', 'wrong-2', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    // The right password is refused while locked, and only its holder learns why.
    await expect(app.services.users.login('zhao', TEST_PASSWORD, from)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { minutes: 15 } });
    clock.advance(14 * 60_000);
    // The UI reads the minutes left from the details, not from the English message.
    await expect(app.services.users.login('zhao', TEST_PASSWORD, from)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { minutes: 1 } });
    clock.advance(61_000);
    const { session } = await app.services.users.login('zhao', TEST_PASSWORD, from);
    expect(session.user.username).toBe('zhao');
    const actions = (await app.services.audit.search({ username: 'zhao', page: 1, pageSize: 50 })).items.map((e) => e.action);
    expect(actions).toContain('user.locked');
    expect(actions.filter((a) => a === 'login.failed').length).toBeGreaterThanOrEqual(4);
  });

  it('honours configured lockout thresholds', async () => {
    await app.close();
    app = await createTestAppliance({ clock, config: { auth: { maxFailedLogins: 2, lockoutMinutes: 1, sessionIdleMinutes: 30, scryptCost: 1024 } } });
    await app.services.users.create(CLI_ACTOR, { username: 'qian', role: 'operator', password: TEST_PASSWORD });
    const from = { ip: '127.0.0.1', userAgent: 'test' };
    await expect(app.services.users.login('qian', 'nope', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(app.services.users.login('qian', 'nope', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(app.services.users.login('qian', TEST_PASSWORD, from)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', details: { minutes: 1 } });
    clock.advance(61_000);
    await expect(app.services.users.login('qian', TEST_PASSWORD, from)).resolves.toBeDefined();
  });

  it('ends sessions after the idle time and refreshes them on use', async () => {
    await app.services.users.create(CLI_ACTOR, { username: 'sun', role: 'operator', password: TEST_PASSWORD });
    const { token } = await app.services.users.login('sun', TEST_PASSWORD, { ip: '::1', userAgent: '' });
    clock.advance(29 * 60_000);
    expect(await app.services.users.authenticate(token)).toBeDefined();
    clock.advance(29 * 60_000); // idle timer was refreshed by the previous use
    expect(await app.services.users.authenticate(token)).toBeDefined();
    clock.advance(31 * 60_000);
    expect(await app.services.users.authenticate(token)).toBeUndefined();
  });

  it('disabling a user ends their sessions at once and blocks login', async () => {
    const user = await app.services.users.create(CLI_ACTOR, { username: 'zhou', role: 'manager', password: TEST_PASSWORD });
    const { token } = await app.services.users.login('zhou', TEST_PASSWORD, { ip: '::1', userAgent: '' });
    await app.services.users.setDisabled(CLI_ACTOR, user.id, true);
    expect(await app.services.users.authenticate(token)).toBeUndefined();
    await expect(app.services.users.login('zhou', TEST_PASSWORD, { ip: '::1', userAgent: '' })).rejects.toMatchObject({
      code: 'ACCOUNT_DISABLED',
    });
  });

  it('keeps at least one active administrator', async () => {
    const admin = await app.services.users.create(CLI_ACTOR, { username: 'boss', role: 'admin', password: TEST_PASSWORD });
    await expect(app.services.users.setDisabled(CLI_ACTOR, admin.id, true)).rejects.toThrow(/last active administrator/);
    await expect(app.services.users.update(CLI_ACTOR, admin.id, { role: 'operator' })).rejects.toThrow(/last active administrator/);
  });

  it('first run creates admin once, with a password that must be changed', async () => {
    const password = await app.services.users.ensureInitialAdmin();
    expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(await app.services.users.ensureInitialAdmin()).toBeUndefined();
    const { session } = await app.services.users.login('admin', password!, { ip: '::1', userAgent: '' });
    expect(session.user.mustChangePassword).toBe(true);
  });

  it('a password reset ends sessions and forces a change', async () => {
    const user = await app.services.users.create(CLI_ACTOR, { username: 'wu', role: 'operator', password: TEST_PASSWORD, mustChangePassword: false });
    const { token } = await app.services.users.login('wu', TEST_PASSWORD, { ip: '::1', userAgent: '' });
    const temporary = await app.services.users.resetPassword(CLI_ACTOR, user.id);
    expect(await app.services.users.authenticate(token)).toBeUndefined();
    const { session } = await app.services.users.login('wu', temporary, { ip: '::1', userAgent: '' });
    expect(session.user.mustChangePassword).toBe(true);
  });
});
