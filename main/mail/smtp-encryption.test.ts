import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../tests/support/smtp.js';
import { actor, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import type { MailSettingsInput } from './mail.js';

/**
 * The encryption modes other than STARTTLS (mail.test.ts), each against a real SMTP server on
 * loopback speaking that mode: TLS from the first byte (port 465 style) with a throwaway
 * certificate trusted by pinning, and a relay without encryption — where the password must not
 * cross in clear unless the administrator said so.
 */
const PASSWORD = 'smtp-secret-465';
let t: MessagingCore;
const servers: TestSmtpServer[] = [];
const mail = () => t.core.services.mail;

beforeAll(async () => {
  t = await openMessagingCore();
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  // Each test starts from an empty queue.
  await t.core.services.db('mail_attachments').delete();
  await t.core.services.db('mail_messages').delete();
});

async function server(security: 'starttls' | 'tls' | 'none', loginRequired = true): Promise<TestSmtpServer> {
  const started = await startSmtpServer({ password: PASSWORD, security, loginRequired });
  servers.push(started);
  return started;
}

async function configure(smtp: TestSmtpServer, settings: MailSettingsInput): Promise<void> {
  await mail().updateSettings(actor, {
    enabled: true,
    host: '127.0.0.1',
    port: smtp.port,
    fromAddress: 'store@example.com',
    recipients: { complaints: ['manager@example.com'] },
    ...settings,
  });
}

const complaint = () => mail().enqueue({ purpose: 'complaints', subject: '【投诉】FK20261122-0001', html: '<p>冷冻水饺已解冻</p>', text: '冷冻水饺已解冻' });

describe('implicit TLS (port 465 style, TLS from the first byte)', () => {
  it('checks the server’s certificate, pins it, logs in and delivers over TLS', async () => {
    const smtp = await server('tls');
    const report = await mail().checkCertificate({ host: '127.0.0.1', port: smtp.port, security: 'tls' });
    expect(report.verified).toBe(false); // self-signed: the administrator compares and trusts it
    expect(report.chain[0]!.pem.replace(/\s+/g, '')).toBe(smtp.certificate.replace(/\s+/g, ''));

    await configure(smtp, { security: 'tls', username: 'store', password: PASSWORD, trusted: { kind: 'server', pem: report.chain[0]!.pem } });
    const { id } = await complaint();
    expect(await mail().tick()).toBe(1);
    const [received] = await smtp.waitFor(1);
    expect(received).toMatchObject({ to: ['manager@example.com'], user: 'store', secure: true, subject: '【投诉】FK20261122-0001' });
    expect(received!.text).toContain('冷冻水饺已解冻');
    expect(smtp.logins).toEqual([{ username: 'store', secure: true, accepted: true }]);
    expect(await mail().get(id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('refuses a certificate nobody trusted, or another server’s pinned one, before any password is sent', async () => {
    const smtp = await server('tls');
    const other = await server('tls');
    await configure(smtp, { security: 'tls', username: 'store', password: PASSWORD, trusted: null });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
    // Another server's self-signed certificate does not vouch for this one.
    await configure(smtp, { trusted: { kind: 'server', pem: other.certificate } });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });

  it('names the mistake when TLS is chosen for a port that speaks STARTTLS', async () => {
    const smtp = await server('starttls');
    await configure(smtp, { security: 'tls', username: 'store', password: PASSWORD, trusted: { kind: 'server', pem: smtp.certificate } });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_TLS_MODE_WRONG', message: expect.stringContaining('Port 465 usually needs TLS') });
    expect(smtp.logins).toEqual([]);
  });
});

describe('a relay without encryption', () => {
  it('delivers without a login when the settings say no encryption and give no user name', async () => {
    const smtp = await server('none', false);
    await configure(smtp, { security: 'none', username: '', password: '' });
    await complaint();
    expect(await mail().tick()).toBe(1);
    const [received] = await smtp.waitFor(1);
    expect(received).toMatchObject({ to: ['manager@example.com'], user: null, secure: false });
    expect(smtp.logins).toEqual([]);
  });

  it('a relay that wants a login the settings do not give: the mail waits for the settings, it is not refused for good', async () => {
    const smtp = await server('none');
    await configure(smtp, { security: 'none', username: '', password: '' });
    const { id } = await complaint();
    await mail().tick();
    expect(await mail().get(id)).toMatchObject({ status: 'queued', attempts: 1, lastErrorCode: 'MAIL_AUTH_REQUIRED' });
    expect((await mail().get(id)).lastError).toContain('Give the user name and password');
  });

  it('refuses to save a password for an unencrypted connection unless that is explicitly allowed, then logs in as told', async () => {
    const smtp = await server('none');
    await configure(smtp, { security: 'none', username: '', password: '' });
    expect(await mail().settingsView()).toMatchObject({ allowPlainLogin: false });
    const refused = configure(smtp, { security: 'none', username: 'store', password: PASSWORD });
    await expect(refused).rejects.toMatchObject({ code: 'MAIL_LOGIN_UNENCRYPTED', status: 400, details: { field: 'mail.allowPlainLogin' } });
    await expect(refused).rejects.toThrow(/Choose STARTTLS or TLS/);
    expect(await mail().settingsView()).toMatchObject({ username: '', passwordSet: false, allowPlainLogin: false }); // nothing of it was saved

    await configure(smtp, { security: 'none', username: 'store', password: PASSWORD, allowPlainLogin: true });
    await complaint();
    expect(await mail().tick()).toBe(1);
    expect((await smtp.waitFor(1))[0]).toMatchObject({ user: 'store', secure: false });
    expect(smtp.logins).toEqual([{ username: 'store', secure: false, accepted: true }]);
  });

  it('settings saved before the rule never send the password in clear: the mail waits, saying why', async () => {
    const smtp = await server('none');
    await configure(smtp, { security: 'none', username: '', password: '' });
    // As an older StoreMAS stored them: a login over no encryption, nothing chosen.
    const sealed = t.core.services.secrets.seal(PASSWORD, 'mail.smtp.password');
    await t.core.services.settings.update(actor, { mail: { ...(await t.core.services.settings.get('mail')), username: 'store', passwordSealed: sealed, allowPlainLogin: false } });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_LOGIN_UNENCRYPTED' });
    const { id } = await complaint();
    await mail().tick();
    expect(await mail().get(id)).toMatchObject({ status: 'queued', attempts: 1, lastErrorCode: 'MAIL_LOGIN_UNENCRYPTED' });
    expect(await mail().status()).toMatchObject({ queued: 1, failing: 1, lastError: { code: 'MAIL_LOGIN_UNENCRYPTED', mailId: id } });
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toEqual([]);

    // Choosing is what lets it go: saving pokes the waiting mail.
    await mail().updateSettings(actor, { allowPlainLogin: true });
    expect(await mail().tick()).toBe(1);
    expect((await smtp.waitFor(1))[0]).toMatchObject({ user: 'store', secure: false });
    expect(await mail().get(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('STARTTLS chosen but not offered: the connection is refused rather than continued in clear', async () => {
    const smtp = await server('none');
    await configure(smtp, { security: 'starttls', username: 'store', password: PASSWORD, trusted: { kind: 'server', pem: smtp.certificate } });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_TLS_UNSUPPORTED' });
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });
});
