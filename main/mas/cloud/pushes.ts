import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { ValidationError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import type { Deliveries, NewDelivery } from '../../integrations/deliveries.js';
import { PendingWork } from '../../integrations/pending-work.js';
import type { CloudMasAccount, CloudMasAccounts } from './accounts.js';
import { inboundPushOf, statusReportOf } from './protocol.js';

const FINAL = ['delivered', 'failed', 'expired', 'blocked'];

interface MessageFacts {
  id: number;
  status: string;
  recipient: string;
  batch_id: string | null;
  source: string;
  created_at: number | string;
  finished_at: number | string | null;
  error_code: string | null;
  blocked_rule: string | null;
}

interface InboundFacts {
  id: number;
  sender: string;
  text: string;
  sent_at: number | string | null;
  received_at: number | string;
}

export interface PushDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  logger: Logger;
  accounts: CloudMasAccounts;
  deliveries: Deliveries;
  timeZone: () => Promise<string>;
}

/**
 * What a 云MAS client expects back: one status report per recipient once its message is
 * final, and the texts people send in reply. Fed by the outbox's and inbox's events (their
 * code is not touched); every push is a delivery row first, sent and retried by the worker.
 * A report is keyed by its message and an inbound text by text and account, so a repeat
 * (an event and the start-up catch-up both seeing it) is queued once.
 */
export class CloudMasPushes {
  private readonly notCloudMas = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private readonly queueing: PendingWork;

  constructor(private readonly deps: PushDeps) {
    this.queueing = new PendingWork((error, context) => deps.logger.error({ err: error, ...context }, '云MAS push not queued'));
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.events.onDidPublish((event) => {
      if (event.type === 'outbox.message') {
        const data = event.data as { id: number; status: string; batchId: string | null };
        if (!data.batchId || !FINAL.includes(data.status) || this.notCloudMas.has(data.batchId)) return;
        this.queueing.add(this.reportMessages([data.id]), { messageId: data.id });
      } else if (event.type === 'inbox.message') {
        const data = event.data as { id: number };
        this.queueing.add(this.pushInbound(data.id), { inboxId: data.id });
      }
    });
  }

  /** Stops listening once what was heard is queued. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.settled();
  }

  /** Resolves when every event heard so far is in the delivery queue. */
  settled(): Promise<void> {
    return this.queueing.settled();
  }

  /** Reports for final messages of 云MAS batches (others are ignored and remembered as such). */
  async reportMessages(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows: MessageFacts[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      rows.push(
        ...(await this.deps.db('outbox_messages')
          .select('id', 'status', 'recipient', 'batch_id', 'source', 'created_at', 'finished_at', 'error_code', 'blocked_rule')
          .whereIn('id', ids.slice(i, i + 500))),
      );
    }
    const groups = new Map<string, MessageFacts[]>();
    for (const row of rows) {
      if (row.source !== 'cloud-mas' || row.batch_id === null || !FINAL.includes(row.status)) {
        if (row.batch_id !== null && row.source !== 'cloud-mas') this.rememberNotCloudMas(row.batch_id);
        continue;
      }
      groups.set(row.batch_id, [...(groups.get(row.batch_id) ?? []), row]);
    }
    const timeZone = await this.deps.timeZone();
    const deliveries: NewDelivery[] = [];
    for (const [msgGroup, messages] of groups) {
      const account = await this.accountOf(msgGroup);
      if (!account?.reportUrl) continue;
      for (const message of messages) {
        const report = statusReportOf(
          {
            status: message.status,
            recipient: message.recipient,
            createdAt: Number(message.created_at),
            finishedAt: message.finished_at === null ? null : Number(message.finished_at),
            errorCode: message.error_code,
            blockedRule: message.blocked_rule,
          },
          msgGroup,
          timeZone,
        );
        deliveries.push({ kind: 'cloud-mas.report', targetId: account.id, event: 'report', dedupeKey: `mas-report:${message.id}`, url: account.reportUrl, body: JSON.stringify(report) });
      }
    }
    return this.deps.deliveries.add(deliveries);
  }

  /** Reports for the recipients of a batch that were blocked as it was queued (no event tells of those). */
  async reportBlocked(msgGroup: string): Promise<number> {
    const ids: Array<{ id: number }> = await this.deps.db('outbox_messages').select('id').where({ batch_id: msgGroup, status: 'blocked' });
    return this.reportMessages(ids.map((r) => Number(r.id)));
  }

  private rememberNotCloudMas(batchId: string): void {
    if (this.notCloudMas.size > 5_000) this.notCloudMas.clear();
    this.notCloudMas.add(batchId);
  }

  private async accountOf(msgGroup: string): Promise<(CloudMasAccount & { addSerial: string }) | undefined> {
    const request: { account_id: number | null; add_serial: string } | undefined = await this.deps.db('cloud_mas_requests').where('msg_group', msgGroup).first('account_id', 'add_serial');
    if (!request || request.account_id === null) return undefined;
    try {
      const account = await this.deps.accounts.get(Number(request.account_id));
      return account.enabled ? { ...account, addSerial: request.add_serial } : undefined;
    } catch {
      return undefined; // the account was deleted: nobody to tell
    }
  }

  /**
   * An inbound text goes to the account whose message that number last got (with that
   * message's addSerial, as MAS routes replies by extension), and to every account that asked
   * for all inbound texts.
   */
  async pushInbound(inboxId: number): Promise<number> {
    const text: InboundFacts | undefined = await this.deps.db('inbox_messages').where('id', inboxId).first('id', 'sender', 'text', 'sent_at', 'received_at');
    if (!text) return 0;
    const targets = new Map<number, { account: CloudMasAccount; addSerial: string }>();
    const last: { batch_id: string | null } | undefined = await this.deps.db('outbox_messages')
      .where({ recipient: text.sender, source: 'cloud-mas' })
      .orderBy('created_at', 'desc')
      .first('batch_id');
    if (last?.batch_id) {
      const account = await this.accountOf(last.batch_id);
      if (account?.inboundUrl) targets.set(account.id, { account, addSerial: account.addSerial });
    }
    for (const account of await this.deps.accounts.list()) {
      if (account.enabled && account.inboundAll && account.inboundUrl && !targets.has(account.id)) targets.set(account.id, { account, addSerial: '' });
    }
    if (targets.size === 0) return 0;
    const timeZone = await this.deps.timeZone();
    const facts = { sender: text.sender, text: text.text, sentAt: text.sent_at === null ? null : Number(text.sent_at), receivedAt: Number(text.received_at) };
    return this.deps.deliveries.add(
      [...targets.values()].map(({ account, addSerial }) => ({
        kind: 'cloud-mas.inbound' as const,
        targetId: account.id,
        event: 'inbound',
        dedupeKey: `mas-inbound:${text.id}:${account.id}`,
        url: account.inboundUrl!,
        body: JSON.stringify(inboundPushOf(facts, addSerial, timeZone)),
      })),
    );
  }

  /**
   * After a start: reports and inbound texts that became final in the last `windowMs` but
   * were never queued (the appliance stopped between the change and its event).
   */
  async catchUp(windowMs: number): Promise<number> {
    const since = this.deps.clock.now() - windowMs;
    let queued = 0;
    let after = 0;
    for (;;) {
      const ids: Array<{ id: number }> = await this.deps.db('outbox_messages as m')
        .select('m.id')
        .where('m.source', 'cloud-mas')
        .whereIn('m.status', FINAL)
        .andWhere('m.finished_at', '>=', since)
        .andWhere('m.id', '>', after)
        .whereNotExists((q) => void q.select('d.id').from('deliveries as d').whereRaw("d.dedupe_key = 'mas-report:' || m.id"))
        .orderBy('m.id')
        .limit(1_000);
      if (ids.length === 0) break;
      after = Number(ids[ids.length - 1]!.id);
      queued += await this.reportMessages(ids.map((r) => Number(r.id)));
    }
    const anyInbound = (await this.deps.accounts.list()).some((a) => a.enabled && a.inboundUrl);
    if (anyInbound) {
      const inbound: Array<{ id: number }> = await this.deps.db('inbox_messages as i')
        .select('i.id')
        .where('i.received_at', '>=', since)
        .whereNotExists((q) => void q.select('d.id').from('deliveries as d').where('d.kind', 'cloud-mas.inbound').whereRaw("d.dedupe_key like 'mas-inbound:' || i.id || ':%'"))
        .orderBy('i.id')
        .limit(5_000);
      for (const row of inbound) queued += await this.pushInbound(Number(row.id));
    }
    return queued;
  }

  /** A sample report or inbound text to the account's URL, to check the software receives it. */
  async testPush(actor: AuditActor, accountId: number, kind: 'report' | 'inbound'): Promise<number> {
    const account = await this.deps.accounts.get(accountId);
    const url = kind === 'report' ? account.reportUrl : account.inboundUrl;
    if (!url) {
      throw new ValidationError(kind === 'report' ? 'This account has no status report URL to push to. Enter one first.' : 'This account has no inbound text URL to push to. Enter one first.');
    }
    const timeZone = await this.deps.timeZone();
    const now = this.deps.clock.now();
    const body =
      kind === 'report'
        ? statusReportOf({ status: 'delivered', recipient: '+8613800138000', createdAt: now - 5_000, finishedAt: now, errorCode: null, blockedRule: null }, 'TEST', timeZone)
        : inboundPushOf({ sender: '+8613800138000', text: 'StoreMAS 测试上行短信', sentAt: now, receivedAt: now }, '', timeZone);
    const dedupeKey = `mas-test:${randomUUID()}`;
    await this.deps.db.transaction(async (trx) => {
      await this.deps.deliveries.add(
        [{ kind: kind === 'report' ? 'cloud-mas.report' : 'cloud-mas.inbound', targetId: account.id, event: `test-${kind}`, dedupeKey, url, body: JSON.stringify(body) }],
        trx,
      );
      await this.deps.audit.record(actor, 'integrations.cloudmas.test-push', account.name, { kind, url }, trx);
    });
    this.deps.deliveries.poke();
    const row: { id: number } = await this.deps.db('deliveries').where('dedupe_key', dedupeKey).first('id');
    return Number(row.id);
  }
}
