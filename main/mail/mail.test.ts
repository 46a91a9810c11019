import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mailSettingsFor, startSmtpServer, type TestSmtpServer } from '../../tests/support/smtp.js';
import { actor, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { retryDelay } from './mail.js';

const PASSWORD = 'smtp-secret-42';
let t: MessagingCore;
let smtp: TestSmtpServer;
const mail = () => t.core.services.mail;

beforeEach(async () => {
  t = await openMessagingCore();
  smtp = await startSmtpServer({ password: PASSWORD });
});
afterEach(async () => {
  await smtp.close();
  await t.close();
});

async function configure(overrides: Record<string, unknown> = {}): Promise<void> {
  await mail().updateSettings(
    actor,
    mailSettingsFor(smtp, PASSWORD, {
      fromName: '好又多超市',
      recipients: { complaints: ['manager@example.com', 'boss@example.com'], 'survey-reports': ['reports@example.com'] },
      ...overrides,
    }),
  );
}

describe('the mail queue against a real SMTP server (STARTTLS, login, a pinned self-signed certificate)', () => {
  it('sends a queued mail with its attachment to the purpose’s recipients; the password is stored sealed, never in clear', async () => {
    await configure();
    const stored = await t.core.services.db('settings').where('key', 'mail').first();
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect((await mail().settingsView()) as unknown as Record<string, unknown>).toMatchObject({ passwordSet: true });
    expect(await mail().settingsView()).not.toHaveProperty('passwordSealed');

    const { id } = await mail().enqueue({
      purpose: 'survey-reports',
      subject: '满意度调查报告 12月',
      html: '<p>本月满意度 4.6</p>',
      text: '本月满意度 4.6',
      attachments: [{ filename: '满意度.xlsx', content: Buffer.from('PK-xlsx-bytes'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }],
    });
    expect(await mail().tick()).toBe(1);
    const [received] = await smtp.waitFor(1);
    expect(received).toMatchObject({ to: ['reports@example.com'], from: 'store@example.com', user: 'store', secure: true, subject: '满意度调查报告 12月' });
    expect(received!.html).toContain('本月满意度 4.6');
    expect(received!.attachments).toEqual([expect.objectContaining({ filename: '满意度.xlsx', content: Buffer.from('PK-xlsx-bytes') })]);
    expect(await mail().get(id)).toMatchObject({ status: 'sent', attempts: 1, sentAt: t.clock.now(), lastErrorCode: null });
    expect(await mail().status()).toMatchObject({ configured: true, queued: 0, failed: 0, lastError: null, lastSentAt: t.clock.now() });
  });

  it('a server that is down: the mail waits with the error shown and is retried with backoff until it goes', async () => {
    const port = smtp.port;
    await configure();
    await smtp.close();
    const { id } = await mail().enqueue({ purpose: 'complaints', subject: '【投诉】FK20261122-0001', html: '<p>收银员态度差</p>' });
    await mail().tick();
    const first = await mail().get(id);
    expect(first).toMatchObject({ status: 'queued', attempts: 1, lastErrorCode: 'MAIL_CONNECT_FAILED', nextAttemptAt: t.clock.now() + retryDelay(1) });
    expect(await mail().status()).toMatchObject({ queued: 1, failing: 1, lastError: { code: 'MAIL_CONNECT_FAILED', mailId: id } });

    // Not due yet: nothing is attempted.
    expect(await mail().tick()).toBe(0);
    t.clock.advance(retryDelay(1));
    await mail().tick();
    expect(await mail().get(id)).toMatchObject({ attempts: 2, nextAttemptAt: t.clock.now() + retryDelay(2) });
    expect(retryDelay(2)).toBe(2 * retryDelay(1));

    smtp = await startSmtpServer({ password: PASSWORD, port });
    await mail().updateSettings(actor, { trusted: { kind: 'server', pem: smtp.certificate } }); // the restarted server made a new certificate
    expect(await mail().tick()).toBe(1); // a settings change makes waiting mail due at once
    const [received] = await smtp.waitFor(1);
    expect(received!.to).toEqual(['manager@example.com', 'boss@example.com']);
    expect(await mail().get(id)).toMatchObject({ status: 'sent', attempts: 3 });
    expect((await mail().status()).lastError).toBeNull();
  });

  it('a refused login and an untrusted certificate are named; after the last attempt the mail is failed until retried by hand', async () => {
    await configure({ password: 'wrong' });
    await expect(mail().sendTest(actor, 'it@example.com')).rejects.toMatchObject({ code: 'MAIL_AUTH_FAILED' });

    await configure({ trusted: null });
    await expect(mail().sendTest(actor)).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });

    await configure();
    const test = await mail().sendTest(actor, 'it@example.com');
    expect(test.recipients).toEqual(['it@example.com']);
    expect((await smtp.waitFor(1))[0]).toMatchObject({ to: ['it@example.com'], secure: true });

    smtp.refuseLogins(true);
    const { id } = await mail().enqueue({ purpose: 'complaints', subject: 'x', html: '<p>x</p>' });
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await mail().tick();
      t.clock.advance(retryDelay(attempt));
    }
    expect(await mail().get(id)).toMatchObject({ status: 'failed', attempts: 10, lastErrorCode: 'MAIL_AUTH_FAILED' });
    expect(await mail().status()).toMatchObject({ failed: 1, queued: 0, lastError: { code: 'MAIL_AUTH_FAILED' } });

    smtp.refuseLogins(false);
    await expect(mail().retryFailed(actor, id + 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await mail().retryFailed(actor, 'all')).toEqual({ retried: 1 });
    await mail().tick();
    expect(await mail().get(id)).toMatchObject({ status: 'sent' });
    expect((await smtp.waitFor(2))[1]!.subject).toBe('x');
  });

  it('with mail off or nobody receiving the purpose a mail is recorded as skipped, saying why, and never sent later', async () => {
    const off = await mail().enqueue({ purpose: 'complaints', subject: 'off', html: '' });
    expect(await mail().get(off.id)).toMatchObject({ status: 'skipped', lastErrorCode: 'MAIL_NOT_CONFIGURED' });
    await configure();
    const nobody = await mail().enqueue({ purpose: 'modem-alerts', subject: 'nobody', html: '' });
    expect(await mail().get(nobody.id)).toMatchObject({ status: 'skipped', lastErrorCode: 'MAIL_NO_RECIPIENTS' });
    expect(await mail().tick()).toBe(0);
    expect(smtp.mails).toHaveLength(0);
    // The same key queues one mail only (one digest a day).
    const a = await mail().enqueue({ purpose: 'complaints', subject: 'once', html: '' }, { key: 'digest:2026-11-22' });
    const b = await mail().enqueue({ purpose: 'complaints', subject: 'once', html: '' }, { key: 'digest:2026-11-22' });
    expect(b.id).toBe(a.id);
  });

  it('refuses bad settings with a message saying what to do', async () => {
    await expect(mail().updateSettings(actor, { enabled: true, host: 'smtp://x', fromAddress: 'a@b.cn' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'mail.host' } });
    await expect(mail().updateSettings(actor, { recipients: { complaints: ['not-an-address'] } })).rejects.toMatchObject({ message: expect.stringContaining('not an e-mail address') });
    await expect(mail().updateSettings(actor, { enabled: true, host: 'smtp.example.com' })).rejects.toMatchObject({ details: { field: 'mail.fromAddress' } });
  });
});
