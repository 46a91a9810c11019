import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AppError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Settings } from '../settings/settings.js';
import type { TlsSettings } from '../store/tls.js';
import { fetchMailServerCertificate, type MailServerCertificateReport } from './server-certificate.js';
import { MAIL_PURPOSES, isMailAddress, loginProtection, validateMailSettings, type MailPurpose, type MailSecurity, type MailSettings } from './settings.js';
import { classifyMailError, MailError, smtpOptions } from './transport.js';

export type { MailPurpose } from './settings.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** The mail queue changed (a mail queued, sent, failed): the settings page and the dashboard refresh their figures. */
    'mail.status': MailStatus;
  }
}

/** What a capability hands over to be mailed (the contract every sender uses). */
export interface MailMessage {
  purpose: MailPurpose;
  subject: string;
  html: string;
  text?: string | undefined;
  attachments?: Array<{ filename: string; content: Buffer; contentType?: string | undefined }> | undefined;
}

export interface EnqueueMailOptions {
  /** The caller's transaction: the inbound chain queues a complaint's forward with the ticket, in one commit. */
  trx?: Knex | undefined;
  /** A second mail with the same key is not queued (one digest per day, one alert per modem and hour). */
  key?: string | undefined;
}

export const MAIL_STATUSES = ['queued', 'sending', 'sent', 'failed', 'skipped'] as const;
export type MailQueueStatus = (typeof MAIL_STATUSES)[number];

export interface MailStatus {
  /** Switched on with a server and a sender. */
  configured: boolean;
  queued: number;
  /** Queued mails that have failed at least once and wait for their next attempt. */
  failing: number;
  /** Mails StoreMAS gave up on (attempts used up, or refused for good). */
  failed: number;
  lastError: { code: string; message: string; at: number; mailId: number } | null;
  lastSentAt: number | null;
}

export interface MailQueueEntry {
  id: number;
  purpose: MailPurpose;
  recipients: string[];
  subject: string;
  status: MailQueueStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastErrorCode: string | null;
  lastError: string | null;
  attachments: number;
  createdAt: number;
  sentAt: number | null;
}

/** The settings as shown and edited: the password is write-only. */
export interface MailSettingsView extends Omit<MailSettings, 'passwordSealed'> {
  passwordSet: boolean;
}

export interface MailSettingsInput extends Partial<Omit<MailSettings, 'passwordSealed' | 'trusted' | 'recipients'>> {
  /** Omitted: keep the stored one; empty: remove it. */
  password?: string | undefined;
  /** The PEM and its kind; fingerprint, subject and expiry are derived again (a fingerprint sent must match). */
  trusted?: TlsSettings['trusted'] | null | undefined;
  recipients?: Partial<Record<MailPurpose, string[]>> | undefined;
}

export interface RetryPolicy {
  /** First retry after this long; each further one waits twice as long … */
  baseDelayMs: number;
  /** … up to this. */
  maxDelayMs: number;
  /** Attempts before a mail is given up (failed, shown with its error; it can be retried by hand). */
  maxAttempts: number;
}

/** 1, 2, 4 … 60 minutes: ten attempts cover about five hours of a mail server being down. */
export const DEFAULT_MAIL_RETRY: RetryPolicy = { baseDelayMs: 60_000, maxDelayMs: 3_600_000, maxAttempts: 10 };

/** The wait before attempt `attempts + 1`. */
export function retryDelay(attempts: number, policy: RetryPolicy = DEFAULT_MAIL_RETRY): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

type Transport = { sendMail(message: Record<string, unknown>): Promise<{ messageId?: string; response?: string }>; close(): void };

export interface MailDeps {
  db: Knex;
  clock: Clock;
  settings: Settings;
  secrets: SecretBox;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  retry?: RetryPolicy;
  /** How often the worker looks for due mails besides being poked. */
  pollMs?: number;
  /** nodemailer.createTransport unless a test says otherwise. */
  createTransport?: (options: ReturnType<typeof smtpOptions>) => Transport;
}

interface MailRow {
  id: number;
  purpose: MailPurpose;
  recipients: string;
  subject: string;
  html: string;
  text_body: string | null;
  status: MailQueueStatus;
  attempts: number;
  next_attempt_at: number | string | null;
  last_attempt_at: number | string | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: number | string;
  sent_at: number | string | null;
  attachment_count?: number | string;
}

const PASSWORD_AD = 'mail.smtp.password';
/** Mails per worker round: a long outage's backlog goes out in steps, between which new ones queue. */
const ROUND = 20;
const KEEP_SENT_MS = 30 * 86_400_000;
const KEEP_FAILED_MS = 90 * 86_400_000;
const MAX_SUBJECT = 300;
const MAX_BODY = 2_000_000;
const MAX_ATTACHMENTS_BYTES = 20 * 1024 * 1024;

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toEntry(row: MailRow): MailQueueEntry {
  return {
    id: Number(row.id),
    purpose: row.purpose,
    recipients: JSON.parse(row.recipients) as string[],
    subject: row.subject,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
    lastAttemptAt: num(row.last_attempt_at),
    lastErrorCode: row.last_error_code,
    lastError: row.last_error,
    attachments: Number(row.attachment_count ?? 0),
    createdAt: Number(row.created_at),
    sentAt: num(row.sent_at),
  };
}

/**
 * E-mail (转发至邮箱): a persistent queue and the worker that sends it through the store's
 * SMTP server. `enqueue` only writes rows — in the caller's transaction when it has one (the
 * inbound chain) — so a slow or broken mail server never holds up SMS handling. The worker
 * sends what is due; a failure is recorded on the row (attempts, code, message) and retried
 * with exponential backoff; a server that is down or refuses the login counts one attempt
 * against every mail waiting for it. After the last attempt a mail is failed, shown on the
 * dashboard and the settings page, and can be retried by hand.
 */
export class Mail {
  private readonly retry: RetryPolicy;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  private lastSweepAt = 0;

  constructor(private readonly deps: MailDeps) {
    this.retry = deps.retry ?? DEFAULT_MAIL_RETRY;
  }

  // ---- the contract ------------------------------------------------------

  /**
   * Queues a mail for its purpose's recipients (copied from the settings now). With mail off
   * or nobody receiving the purpose, the mail is recorded as skipped, saying why, and never
   * sent later by surprise.
   */
  async enqueue(message: MailMessage, options: EnqueueMailOptions = {}): Promise<{ id: number; status: MailQueueStatus }> {
    if (!(MAIL_PURPOSES as readonly string[]).includes(message.purpose)) throw new ValidationError(`A mail's purpose must be one of ${MAIL_PURPOSES.join(', ')}.`);
    const subject = message.subject.replace(/[\r\n]+/g, ' ').trim().slice(0, MAX_SUBJECT);
    if (!subject) throw new ValidationError('A mail needs a subject.');
    if (message.html.length > MAX_BODY || (message.text?.length ?? 0) > MAX_BODY) throw new ValidationError('A mail body may be at most 2 MB; attach large content as a file.');
    const attachmentBytes = (message.attachments ?? []).reduce((sum, a) => sum + a.content.length, 0);
    if (attachmentBytes > MAX_ATTACHMENTS_BYTES) throw new ValidationError('Attachments may be at most 20 MB per mail.');
    const settings = await this.deps.settings.get('mail');
    const now = this.deps.clock.now();
    const recipients = settings.recipients[message.purpose] ?? [];
    let status: MailQueueStatus = 'queued';
    let skipped: { code: string; message: string } | null = null;
    if (!isConfigured(settings)) {
      status = 'skipped';
      skipped = { code: 'MAIL_NOT_CONFIGURED', message: 'E-mail is switched off or has no server: this mail was not sent. Set it up in 设置 › 邮件.' };
    } else if (recipients.length === 0) {
      status = 'skipped';
      skipped = { code: 'MAIL_NO_RECIPIENTS', message: `Nobody receives ${message.purpose} mails: this one was not sent. Add recipients in 设置 › 邮件.` };
    }
    const write = async (trx: Knex): Promise<{ id: number; status: MailQueueStatus }> => {
      if (options.key) {
        const existing: { id: number; status: MailQueueStatus } | undefined = await trx('mail_messages').select('id', 'status').where('dedupe_key', options.key).first();
        if (existing) return { id: Number(existing.id), status: existing.status };
      }
      const [inserted] = await trx('mail_messages')
        .insert({
          purpose: message.purpose,
          recipients: JSON.stringify(recipients),
          subject,
          html: message.html,
          text_body: message.text ?? null,
          status,
          attempts: 0,
          next_attempt_at: status === 'queued' ? now : null,
          last_error_code: skipped?.code ?? null,
          last_error: skipped?.message ?? null,
          dedupe_key: options.key ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      for (const attachment of message.attachments ?? []) {
        await trx('mail_attachments').insert({
          mail_id: id,
          filename: attachment.filename.replace(/[\r\n/\\]+/g, '_').slice(0, 200),
          content_type: (attachment.contentType ?? 'application/octet-stream').slice(0, 100),
          content: attachment.content,
        });
      }
      return { id, status };
    };
    const written = options.trx ? await write(options.trx) : await this.deps.db.transaction(write);
    // Inside a caller's transaction the row is not visible yet: the next poll finds it if this poke is early.
    if (written.status === 'queued') this.poke(options.trx ? 200 : 0);
    return written;
  }

  /** Figures for the dashboard and the settings page. */
  async status(): Promise<MailStatus> {
    const settings = await this.deps.settings.get('mail');
    const counts = (await this.deps.db('mail_messages')
      .select('status')
      .select(this.deps.db.raw('SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) as retried'))
      .count({ n: '*' })
      .whereIn('status', ['queued', 'sending', 'failed'])
      .whereNot('purpose', 'test') // a failed test mail was answered on the page at once; it is not the queue's problem
      .groupBy('status')) as Array<{ status: MailQueueStatus; n: number | string; retried: number | string | null }>;
    let queued = 0;
    let failing = 0;
    let failed = 0;
    for (const row of counts) {
      if (row.status === 'failed') failed += Number(row.n);
      else {
        queued += Number(row.n);
        failing += Number(row.retried ?? 0);
      }
    }
    // The problem that is current: the latest error of a mail still waiting or given up.
    const problem: { id: number; last_error_code: string; last_error: string | null; last_attempt_at: number | string | null } | undefined = await this.deps
      .db('mail_messages')
      .select('id', 'last_error_code', 'last_error', 'last_attempt_at')
      .whereIn('status', ['queued', 'failed'])
      .whereNot('purpose', 'test')
      .whereNotNull('last_attempt_at')
      .whereNotNull('last_error_code')
      .orderBy('last_attempt_at', 'desc')
      .orderBy('id', 'desc')
      .first();
    const sent = (await this.deps.db('mail_messages').max({ at: 'sent_at' }).where('status', 'sent').first()) as { at: number | string | null } | undefined;
    return {
      configured: isConfigured(settings),
      queued,
      failing,
      failed,
      lastError: problem
        ? { code: problem.last_error_code, message: problem.last_error ?? '', at: Number(problem.last_attempt_at), mailId: Number(problem.id) }
        : null,
      lastSentAt: sent?.at === null || sent?.at === undefined ? null : Number(sent.at),
    };
  }

  // ---- the worker --------------------------------------------------------

  /** Starts the worker (the served appliance does); returns the stop function for the composition root. */
  start(): () => Promise<void> {
    this.stopped = false;
    // A mail caught sending when StoreMAS stopped is sent again: the server may have taken it (a rare duplicate beats a lost complaint).
    void this.deps.db('mail_messages')
      .where('status', 'sending')
      .update({ status: 'queued', next_attempt_at: this.deps.clock.now(), updated_at: this.deps.clock.now() })
      .then(() => this.poke())
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'mail queue recovery failed'));
    this.timer = setInterval(() => this.poke(), this.deps.pollMs ?? 15_000);
    this.timer.unref();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Wakes the worker (after `delayMs`): new mail, or settings that may let waiting mail through. */
  poke(delayMs = 0): void {
    if (this.stopped || !this.timer) return;
    if (this.soon) clearTimeout(this.soon);
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.tick().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'mail worker round failed'));
    }, delayMs);
    this.soon.unref();
  }

  /**
   * One round: sends the mails that are due, oldest first, through one connection. Returns
   * how many were attempted. Rounds never overlap; tests call this with a ManualClock.
   */
  async tick(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<number> {
    const settings = await this.deps.settings.get('mail');
    const now = this.deps.clock.now();
    await this.sweep(now);
    if (!isConfigured(settings)) return 0;
    const due: MailRow[] = await this.deps.db('mail_messages').where('status', 'queued').andWhere('next_attempt_at', '<=', now).orderBy('next_attempt_at').orderBy('id').limit(ROUND);
    if (due.length === 0) return 0;
    const unprotected = loginProtection(settings);
    if (unprotected) {
      // Settings saved before the rule: nothing connects until they are fixed (saving them pokes the queue).
      const error = new MailError(unprotected.code, unprotected.message, false);
      await this.holdForServer(due, error);
      this.deps.logger.warn({ code: error.code }, 'mail settings would send the password in clear; queued mail waits');
      await this.publishStatus();
      return due.length;
    }
    const transport = this.transportFor(settings);
    let attempted = 0;
    try {
      for (let i = 0; i < due.length; i += 1) {
        if (this.stopped) break; // stopping: the mail in hand was finished, the rest waits for the next start
        const row = due[i]!;
        const claimed = await this.deps.db('mail_messages')
          .where({ id: row.id, status: 'queued' })
          .update({ status: 'sending', attempts: Number(row.attempts) + 1, last_attempt_at: this.deps.clock.now(), updated_at: this.deps.clock.now() });
        if (Number(claimed) === 0) continue;
        attempted += 1;
        try {
          const info = await transport.sendMail(await this.composed(row, settings));
          const at = this.deps.clock.now();
          await this.deps.db('mail_messages')
            .where('id', row.id)
            .update({ status: 'sent', sent_at: at, next_attempt_at: null, last_error_code: null, last_error: null, smtp_message_id: (info.messageId ?? '').slice(0, 255) || null, updated_at: at });
        } catch (cause) {
          const error = classifyMailError(cause, `${settings.host}:${settings.port}`);
          await this.recordFailure(row, Number(row.attempts) + 1, error);
          // The server, not this mail, is the problem: every other mail waiting for it counts the same attempt.
          if (serverLevel(error)) {
            await this.holdForServer(due.slice(i + 1), error);
            this.deps.logger.warn({ code: error.code, err: cause }, 'mail server unavailable; queued mail waits for the next attempt');
            break;
          }
          this.deps.logger.warn({ code: error.code, mailId: row.id }, 'a mail was not sent');
        }
      }
    } finally {
      transport.close();
      if (attempted > 0) await this.publishStatus();
    }
    return attempted;
  }

  /** Mails that could not be tried because of the server or the settings: each counts the attempt and waits. */
  private async holdForServer(rows: readonly MailRow[], error: MailError): Promise<void> {
    for (const row of rows) {
      const held = await this.deps.db('mail_messages')
        .where({ id: row.id, status: 'queued' })
        .update({ attempts: Number(row.attempts) + 1, last_attempt_at: this.deps.clock.now(), updated_at: this.deps.clock.now() });
      if (Number(held) > 0) await this.recordFailure(row, Number(row.attempts) + 1, error);
    }
  }

  private async recordFailure(row: MailRow, attempts: number, error: MailError): Promise<void> {
    const now = this.deps.clock.now();
    const giveUp = error.permanent || attempts >= this.retry.maxAttempts;
    await this.deps.db('mail_messages')
      .where('id', row.id)
      .update({
        status: giveUp ? 'failed' : 'queued',
        next_attempt_at: giveUp ? null : now + retryDelay(attempts, this.retry),
        last_error_code: error.code,
        last_error: error.message.slice(0, 2000),
        updated_at: now,
      });
  }

  private async composed(row: MailRow, settings: MailSettings): Promise<Record<string, unknown>> {
    const attachments: Array<{ filename: string; content_type: string; content: Buffer }> = await this.deps.db('mail_attachments').where('mail_id', row.id).orderBy('id');
    const fromName = settings.fromName || (await this.deps.settings.get('storeName'));
    return {
      from: { name: fromName, address: settings.fromAddress },
      to: JSON.parse(row.recipients) as string[],
      subject: row.subject,
      html: row.html,
      ...(row.text_body !== null ? { text: row.text_body } : {}),
      attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.content_type, content: Buffer.from(a.content) })),
    };
  }

  private transportFor(settings: MailSettings): Transport {
    const password = settings.passwordSealed ? this.deps.secrets.open(settings.passwordSealed, PASSWORD_AD) : null;
    const options = smtpOptions(settings, password);
    return this.deps.createTransport ? this.deps.createTransport(options) : (nodemailer.createTransport(options) as unknown as Transport);
  }

  /** Sent and skipped mails are kept a month, failed ones three, then removed with their attachments. */
  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweepAt < 3_600_000) return;
    this.lastSweepAt = now;
    const old = this.deps.db('mail_messages')
      .select('id')
      .where((w) => void w.whereIn('status', ['sent', 'skipped']).andWhere('created_at', '<', now - KEEP_SENT_MS))
      .orWhere((w) => void w.where('status', 'failed').andWhere('created_at', '<', now - KEEP_FAILED_MS));
    await this.deps.db('mail_attachments').whereIn('mail_id', old.clone()).delete();
    await this.deps.db('mail_messages').whereIn('id', old).delete();
  }

  private async publishStatus(): Promise<void> {
    this.deps.events.publish('mail.status', await this.status(), 'dashboard.read');
  }

  // ---- the queue page ----------------------------------------------------

  async list(query: { status?: MailQueueStatus | undefined; purpose?: MailPurpose | undefined; page: number; pageSize: number }): Promise<{ items: MailQueueEntry[]; total: number }> {
    const base = this.deps.db('mail_messages as m');
    if (query.status) base.where('m.status', query.status);
    if (query.purpose) base.where('m.purpose', query.purpose);
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: MailRow[] = await base
      .clone()
      .select('m.id', 'm.purpose', 'm.recipients', 'm.subject', 'm.status', 'm.attempts', 'm.next_attempt_at', 'm.last_attempt_at', 'm.last_error_code', 'm.last_error', 'm.created_at', 'm.sent_at')
      .select(this.deps.db('mail_attachments as a').count('*').whereRaw('a.mail_id = m.id').as('attachment_count'))
      .orderBy('m.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toEntry), total: Number(countRow?.n ?? 0) };
  }

  /** The stored mail itself (its body, for the settings page's preview and the tests). */
  async get(id: number): Promise<MailQueueEntry & { html: string; text: string | null; attachmentNames: string[] }> {
    const row: MailRow | undefined = await this.deps.db('mail_messages').where('id', id).first();
    if (!row) throw new NotFoundError(`Mail ${id}`);
    const attachments: Array<{ filename: string }> = await this.deps.db('mail_attachments').select('filename').where('mail_id', id).orderBy('id');
    return { ...toEntry({ ...row, attachment_count: attachments.length }), html: row.html, text: row.text_body, attachmentNames: attachments.map((a) => a.filename) };
  }

  /** Sends a failed mail again now (after the server or the settings were fixed); `all` retries every failed one. */
  async retryFailed(actor: AuditActor, id: number | 'all'): Promise<{ retried: number }> {
    const now = this.deps.clock.now();
    const retried = await this.deps.db.transaction(async (trx) => {
      const q = trx('mail_messages').where('status', 'failed').whereNot('purpose', 'test'); // a test mail is sent again with the button
      if (id !== 'all') {
        const row: { status: string } | undefined = await trx('mail_messages').select('status').where('id', id).first();
        if (!row) throw new NotFoundError(`Mail ${id}`);
        if (row.status !== 'failed') throw new AppError('MAIL_NOT_FAILED', `Mail ${id} has not failed (it is ${row.status}); only failed mails are retried by hand.`, 409);
        q.where('id', id);
      }
      const count = Number(await q.update({ status: 'queued', attempts: 0, next_attempt_at: now, updated_at: now }));
      await this.deps.audit.record(actor, 'mail.retry', id === 'all' ? 'all' : `mail:${id}`, { count }, trx);
      return count;
    });
    this.poke();
    await this.publishStatus();
    return { retried };
  }

  // ---- settings ------------------------------------------------------------

  async settingsView(): Promise<MailSettingsView> {
    const { passwordSealed, ...rest } = await this.deps.settings.get('mail');
    return { ...rest, passwordSet: passwordSealed !== null };
  }

  /**
   * Saves the settings (the password sealed here, and only here). Waiting mails are tried
   * again at once: the change may be what they were waiting for.
   */
  async updateSettings(actor: AuditActor, input: MailSettingsInput): Promise<MailSettingsView> {
    const current = await this.deps.settings.get('mail');
    const { password, ...rest } = input;
    const patch: Record<string, unknown> = { ...rest };
    if (password !== undefined) patch.passwordSealed = password === '' ? null : this.deps.secrets.seal(password, PASSWORD_AD);
    // A certificate trusted for one server is not trusted for another.
    if (rest.host !== undefined && rest.host.trim() !== current.host && rest.trusted === undefined) patch.trusted = null;
    const next = validateMailSettings(patch, current);
    const unprotected = loginProtection(next);
    if (unprotected) throw unprotected;
    await this.deps.settings.update(actor, { mail: next });
    await this.deps.db('mail_messages').where('status', 'queued').update({ next_attempt_at: this.deps.clock.now() });
    this.poke();
    return this.settingsView();
  }

  /**
   * 发送测试邮件: one mail now, through the saved settings, to `to` (or the test recipients, or
   * the sender itself). Recorded like any mail, never retried; the error comes back to the page.
   */
  async sendTest(actor: AuditActor, to?: string): Promise<{ id: number; recipients: string[]; response: string }> {
    const settings = await this.deps.settings.get('mail');
    if (!settings.host || !settings.fromAddress) {
      throw new AppError('MAIL_NOT_CONFIGURED', 'Give the mail server and the sender address, save, then send a test mail.', 400);
    }
    const recipients = to ? [to.trim()] : settings.recipients.test.length > 0 ? settings.recipients.test : [settings.fromAddress];
    for (const address of recipients) if (!isMailAddress(address)) throw new ValidationError(`"${address.slice(0, 60)}" is not an e-mail address.`, { field: 'to' });
    const unprotected = loginProtection(settings);
    if (unprotected) throw unprotected;
    const storeName = await this.deps.settings.get('storeName');
    const now = this.deps.clock.now();
    const subject = `StoreMAS 测试邮件 / test mail — ${storeName}`;
    const html = `<p>这是 ${escapeHtml(storeName)} 的 StoreMAS 发出的测试邮件：邮件设置可用。</p><p>This test mail from StoreMAS at ${escapeHtml(storeName)} shows the mail settings work.</p>`;
    const [inserted] = await this.deps.db('mail_messages')
      .insert({ purpose: 'test', recipients: JSON.stringify(recipients), subject, html, status: 'sending', attempts: 1, last_attempt_at: now, created_at: now, updated_at: now })
      .returning('id');
    const id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
    const transport = this.transportFor(settings);
    try {
      const info = await transport.sendMail({ from: { name: settings.fromName || storeName, address: settings.fromAddress }, to: recipients, subject, html });
      const at = this.deps.clock.now();
      await this.deps.db('mail_messages').where('id', id).update({ status: 'sent', sent_at: at, smtp_message_id: (info.messageId ?? '').slice(0, 255) || null, updated_at: at });
      await this.deps.audit.record(actor, 'mail.test', recipients.join(','), { ok: true });
      return { id, recipients, response: String(info.response ?? '') };
    } catch (cause) {
      const error = classifyMailError(cause, `${settings.host}:${settings.port}`);
      await this.deps.db('mail_messages').where('id', id).update({ status: 'failed', last_error_code: error.code, last_error: error.message.slice(0, 2000), updated_at: this.deps.clock.now() });
      await this.deps.audit.record(actor, 'mail.test', recipients.join(','), { ok: false, code: error.code });
      throw error;
    } finally {
      transport.close();
      await this.publishStatus();
    }
  }

  /** 检查证书: the certificate the mail server presents, for an administrator to compare and trust. */
  async checkCertificate(target: { host: string; port: number; security: MailSecurity }): Promise<MailServerCertificateReport> {
    if (target.security === 'none') throw new AppError('MAIL_TLS_NONE', 'Without encryption the server shows no certificate; choose STARTTLS or TLS.', 400);
    return fetchMailServerCertificate({ host: target.host, port: target.port, security: target.security });
  }
}

function isConfigured(settings: MailSettings): boolean {
  return settings.enabled && settings.host !== '' && settings.fromAddress !== '';
}

/** Failures of the connection or the login: no mail can pass until the server or the settings change. */
function serverLevel(error: MailError): boolean {
  return !error.permanent && error.code !== 'MAIL_SEND_FAILED';
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
