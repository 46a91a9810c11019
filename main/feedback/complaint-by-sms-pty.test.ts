import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { escapeHtml, retryDelay } from '../mail/mail.js';
import { MORNING } from '../messaging/outbox/testing.js';
import { decodePdu, type DecodedDeliver } from '../modem/pdu/index.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../modem/sim/standalone.js';
import type { BusinessDashboardDto } from '../api/schemas/reports.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';
import { tempPtyDir } from '../../tests/support/pty.js';
import { repliesTo, until } from '../../tests/support/sim-replies.js';
import { mailSettingsFor, startSmtpServer, type TestSmtpServer } from '../../tests/support/smtp.js';

/**
 * Complaints as they really arrive: texts from the simulated network, as SMS-DELIVER PDUs
 * through a modem simulator on a PTY (a long one in concatenated parts, out of order), read by
 * the real driver; the forward to the managers through a real SMTP server on loopback — which
 * is sometimes down or refuses the login, while the SMS side goes on.
 */
const PASSWORD = 'smtp-pw-fk';
let app: TestAppliance;
let clock: ManualClock;
let sim: StandaloneSimulator;
let ptyDir: { dir: string; dispose(): Promise<void> };
let smtp: TestSmtpServer;
const services = () => app.services;

beforeAll(async () => {
  clock = new ManualClock(MORNING);
  app = await createTestAppliance({ clock });
  ptyDir = await tempPtyDir();
  const link = path.join(ptyDir.dir, 'ttySIM0');
  sim = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  const pool = services().modems;
  await pool.add({ name: '短信猫 1', kind: 'serial', portPath: link, limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 } }, SYSTEM_ACTOR);
  await pool.start();
  await until(async () => ((await pool.list()).some((m) => m.status?.state === 'ready') ? true : undefined), 30_000);
  await services().messaging.start(pool);

  smtp = await startSmtpServer({ password: PASSWORD });
  await services().mail.updateSettings(SYSTEM_ACTOR, mailSettingsFor(smtp, PASSWORD, { recipients: { complaints: ['manager@example.com'] } }));
}, 60_000);

afterAll(async () => {
  await services().messaging.stop();
  await services().modems.stop();
  await sim.stop();
  await ptyDir.dispose();
  await smtp.close();
  await app.close();
});

/** The acknowledgement the simulated network took for `from` after `before` earlier texts to it. */
async function acknowledgement(from: string, before = 0): Promise<string> {
  return until(() => repliesTo(sim, from)[before]);
}

async function ticketsOf(mobile: string) {
  return (await services().feedback.list({ page: 1, pageSize: 10 })).items.filter((t) => t.mobile === mobile);
}

describe('complaints through the modem simulator on a PTY', { timeout: 60_000 }, () => {
  it('a complaint of 7 parts, arriving out of order, is one ticket with its whole text, and the forward mail carries it whole', async () => {
    const from = '+8613900139501';
    const long = `投诉：${'上周六在人民路店买的速冻水饺回家发现已经化开又冻上，包装也破了，收银员说不能退。'.repeat(10)}请店长给个说法，谢谢！A&B<门店>`;
    const { pdus } = sim.modem.injectInbound({ from, text: long, parts: [3, 1, 7, 5, 2, 6, 4] });
    // Real SMS-DELIVER PDUs, each a part of one concatenated message: the driver has to put them together.
    const decoded = pdus.map((pdu) => decodePdu(pdu) as DecodedDeliver);
    expect(decoded.map((d) => [d.type, d.concat?.total, d.concat?.sequence])).toEqual([3, 1, 7, 5, 2, 6, 4].map((n) => ['deliver', 7, n]));

    const ack = await acknowledgement(from);
    const [ticket, ...more] = await ticketsOf(from);
    expect(more).toEqual([]);
    expect(ticket).toMatchObject({ kind: 'complaint', state: 'new', source: 'sms' });
    expect(ticket!.text).toBe(long);
    expect(ack).toContain(ticket!.number);
    const inbound = await services().db('inbox_messages').where('sender', from);
    expect(inbound.map((m: { text: string }) => m.text)).toEqual([long]);

    expect(await services().mail.tick()).toBe(1);
    const [forward] = await smtp.waitFor(1);
    expect(forward).toMatchObject({ to: ['manager@example.com'], secure: true });
    expect(forward!.subject).toContain(ticket!.number);
    expect(forward!.text).toContain(long);
    expect(forward!.html).toContain(escapeHtml(long));
  });

  it('with the mail server down, then refusing the login: the ticket and its acknowledgement go on, the mail is retried with backoff and the dashboard says what is wrong', async () => {
    const from = '+8613900139502';
    const port = smtp.port;
    await smtp.close();
    sim.modem.injectInbound({ from, text: '投诉 生鲜区的鱼不新鲜' });
    const ack = await acknowledgement(from);
    const [ticket] = await ticketsOf(from);
    expect(ticket!.text).toBe('投诉 生鲜区的鱼不新鲜');
    expect(ack).toContain(ticket!.number);
    const forward = await services().db('mail_messages').where('subject', 'like', `%${ticket!.number}%`).first();
    const mailId = Number(forward.id);

    let manager: ApiClient = await app.client('manager');
    const dashboardMail = async () => ((await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto).mail;

    // Down: one attempt, then it waits 1, 2 … minutes; nothing is tried before its time.
    expect(await services().mail.tick()).toBe(1);
    expect(await services().mail.get(mailId)).toMatchObject({ status: 'queued', attempts: 1, lastErrorCode: 'MAIL_CONNECT_FAILED', nextAttemptAt: clock.now() + retryDelay(1) });
    expect(await dashboardMail()).toMatchObject({ configured: true, queued: 1, failedRecently: 1, lastError: expect.stringContaining('cannot be reached') });
    expect(await services().mail.tick()).toBe(0);
    clock.advance(retryDelay(1));
    expect(await services().mail.tick()).toBe(1);
    expect(await services().mail.get(mailId)).toMatchObject({ attempts: 2, nextAttemptAt: clock.now() + retryDelay(2) });
    expect(retryDelay(2)).toBe(2 * retryDelay(1));

    // Back, but the password was changed at the provider: the login is refused, said as such.
    smtp = await startSmtpServer({ password: PASSWORD, port });
    smtp.refuseLogins(true);
    await services().mail.updateSettings(SYSTEM_ACTOR, { trusted: { kind: 'server', pem: smtp.certificate } }); // a new throwaway certificate
    expect(await services().mail.tick()).toBe(1);
    expect(await services().mail.get(mailId)).toMatchObject({ status: 'queued', attempts: 3, lastErrorCode: 'MAIL_AUTH_FAILED', nextAttemptAt: clock.now() + retryDelay(3) });
    expect(smtp.logins).toEqual([{ username: 'store', secure: true, accepted: false }]);
    expect(await dashboardMail()).toMatchObject({ queued: 1, failedRecently: 1, lastError: expect.stringContaining('refused the user name or password') });

    // SMS handling never waited for any of it: another complaint in the meantime is answered at once.
    const other = '+8613900139503';
    sim.modem.injectInbound({ from: other, text: '建议 多开一个收银台' });
    expect(await acknowledgement(other)).toMatch(/FK\d{8}-\d{4}/);

    // Fixed: the forward goes at its next attempt, whole; the dashboard is clear again.
    smtp.refuseLogins(false);
    clock.advance(retryDelay(3));
    manager = await app.client('manager');
    expect(await services().mail.tick()).toBe(1);
    const received = await smtp.waitFor(1);
    expect(received.map((m) => m.subject)).toEqual([expect.stringContaining(ticket!.number)]); // suggestions are not forwarded by default
    expect(received[0]!.text).toContain('生鲜区的鱼不新鲜');
    expect(await services().mail.get(mailId)).toMatchObject({ status: 'sent', attempts: 4 });
    expect(await dashboardMail()).toMatchObject({ queued: 0, failedRecently: 0, lastError: null });
    // One acknowledgement per complaint reached each customer, nothing more.
    expect(repliesTo(sim, from)).toHaveLength(1);
    expect(repliesTo(sim, other)).toHaveLength(1);
  });
});
