import type { Knex } from 'knex';
import type { Clock } from '../clock.js';

/**
 * Every action the audit log records. The UI labels each in both languages (a
 * test checks it), so a capability adds its actions here before recording them.
 */
export const AUDIT_ACTIONS = [
  'login',
  'login.failed',
  'logout',
  'user.create',
  'user.update',
  'user.disable',
  'user.enable',
  'user.locked',
  'user.reset-password',
  'user.change-password',
  'settings.update',
  'settings.lan-certificate.upload',
  'settings.lan-certificate.reset',
  'members.create',
  'members.update',
  'members.import',
  'members.export',
  'messages.check',
  'messages.enqueue',
  'messages.resolve.mark-sent',
  'messages.resolve.mark-failed',
  'messages.resolve.resend',
  'messages.cancel',
  'batches.pause',
  'batches.resume',
  'batches.cancel',
  'messages.resolve.by-report',
  'inbox.handled',
  'lists.black.add',
  'lists.black.update',
  'lists.black.remove',
  'lists.black.import',
  'lists.black.opt-out',
  'lists.export',
  'lists.white.add',
  'lists.white.update',
  'lists.white.remove',
  'lists.white.import',
  'templates.create',
  'templates.update',
  'templates.archive',
  'templates.restore',
  'modems.add',
  'modems.update',
  'modems.remove',
  'modems.test-send',
  'store.connection.create',
  'store.connection.update',
  'store.connection.delete',
  'store.mapping.update',
  'store.schedule.update',
  'store.sync.start',
  'store.sync.cancel',
  'services.update',
  'services.settings',
  'services.lockout',
  'staff.create',
  'staff.update',
  'staff.activate',
  'staff.deactivate',
  'staff.import',
  'strategies.recompute',
  'strategies.recompute.cancel',
  'strategies.approve',
  'strategies.reject',
  'strategies.reschedule',
  'strategies.end',
  'strategies.promotion.create',
  'strategies.push',
  'strategies.rule.create',
  'strategies.rule.update',
  'strategies.rule.delete',
  'mail.test',
  'mail.retry',
  'feedback.create',
  'feedback.update',
  'feedback.note',
  'feedback.resolve',
  'feedback.close',
  'feedback.blacklist',
  'subscriptions.topic.create',
  'subscriptions.topic.update',
  'subscriptions.member.update',
  'subscriptions.import',
  'magazine.issue.create',
  'magazine.issue.update',
  'magazine.issue.delete',
  'magazine.send',
  'masdb.connection.update',
  'masdb.code.create',
  'masdb.code.update',
  'masdb.code.pause',
  'masdb.code.resume',
  'masdb.code.delete',
  'masdb.login.reset',
  'integrations.key.create',
  'integrations.key.revoke',
  'integrations.key.use',
  'integrations.cloudmas.create',
  'integrations.cloudmas.update',
  'integrations.cloudmas.delete',
  'integrations.cloudmas.rotate-secret',
  'integrations.cloudmas.test-push',
  'integrations.webhook.create',
  'integrations.webhook.update',
  'integrations.webhook.delete',
  'integrations.webhook.rotate-secret',
  'integrations.webhook.test',
  'integrations.delivery.retry',
  'segments.create',
  'segments.update',
  'segments.delete',
  'campaigns.create',
  'campaigns.update',
  'campaigns.submit',
  'campaigns.approve',
  'campaigns.reject',
  'campaigns.schedule',
  'campaigns.run',
  'campaigns.pause',
  'campaigns.resume',
  'campaigns.cancel',
  'campaigns.complete',
  'members.tag',
  'surveys.create',
  'surveys.update',
  'surveys.delete',
  'surveys.invite',
  'surveys.close',
  'surveys.incentive.given',
  'surveys.export',
  'reports.export',
  'reports.schedule.create',
  'reports.schedule.update',
  'reports.schedule.delete',
  'care.automation.create',
  'care.automation.update',
  'care.automation.enable',
  'care.automation.disable',
  'care.automation.delete',
  'care.rsvps.export',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  userId: number | null;
  username: string;
  ip: string;
}

export interface AuditEntry {
  id: number;
  at: number;
  userId: number | null;
  username: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
  ip: string;
}

export interface AuditQuery {
  username?: string | undefined;
  action?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  page: number;
  pageSize: number;
}

/** Actor for changes made from the command line on the appliance's own machine. */
export const CLI_ACTOR: AuditActor = { userId: null, username: 'cli', ip: 'local' };
export const SYSTEM_ACTOR: AuditActor = { userId: null, username: 'system', ip: 'local' };
/** Names that sign StoreMAS's own changes in the audit log and elsewhere: no user may take them. */
export const PSEUDO_ACTOR_NAMES: readonly string[] = [CLI_ACTOR.username, SYSTEM_ACTOR.username];

interface AuditRow {
  id: number;
  at: number | string;
  user_id: number | null;
  username: string;
  action: string;
  target: string;
  detail: string | null;
  ip: string;
}

/**
 * The audit log: who did what to which target, when, from where. Append-only;
 * nothing in the appliance updates or deletes a row.
 */
export class AuditLog {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
  ) {}

  async record(
    actor: AuditActor,
    action: AuditAction,
    target = '',
    detail: Record<string, unknown> | null = null,
    trx: Knex = this.db,
  ): Promise<void> {
    await trx('audit_log').insert({
      at: this.clock.now(),
      user_id: actor.userId,
      username: actor.username,
      action,
      target: target.slice(0, 255),
      detail: detail ? JSON.stringify(detail) : null,
      ip: actor.ip.slice(0, 64),
    });
  }

  async search(query: AuditQuery): Promise<{ items: AuditEntry[]; total: number }> {
    const base = this.db('audit_log');
    if (query.username) base.where('username', query.username);
    if (query.action) base.where('action', query.action);
    if (query.from !== undefined) base.where('at', '>=', query.from);
    if (query.to !== undefined) base.where('at', '<=', query.to);
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: AuditRow[] = await base
      .clone()
      .select('*')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toEntry), total: Number(countRow?.n ?? 0) };
  }

  /** Distinct action names and user names, for the filter drop-downs. */
  async facets(): Promise<{ actions: string[]; usernames: string[] }> {
    const actions = await this.db('audit_log').distinct('action').orderBy('action');
    const usernames = await this.db('audit_log').distinct('username').orderBy('username');
    return {
      actions: actions.map((r: { action: string }) => r.action),
      usernames: usernames.map((r: { username: string }) => r.username),
    };
  }
}

function toEntry(row: AuditRow): AuditEntry {
  let detail: Record<string, unknown> | null = null;
  if (row.detail) {
    try {
      detail = JSON.parse(row.detail) as Record<string, unknown>;
    } catch {
      detail = { raw: row.detail };
    }
  }
  return {
    id: Number(row.id),
    at: Number(row.at),
    userId: row.user_id,
    username: row.username,
    action: row.action,
    target: row.target,
    detail,
    ip: row.ip,
  };
}
