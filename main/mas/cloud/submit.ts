import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { addressAllowed } from '../../integrations/addresses.js';
import { measureText } from '../../modem/pdu/length.js';
import { tryNormalizeMobile } from '../../messaging/numbers.js';
import type { Outbox } from '../../messaging/outbox/outbox.js';
import type { PolicySettings } from '../../messaging/policy/settings.js';
import type { CloudMasAccount, CloudMasAccounts } from './accounts.js';
import {
  answer,
  CloudMasRefusal,
  compactTime,
  decodeSubmitBody,
  fillTemplate,
  MAX_MOBILES,
  macMatches,
  parseParams,
  splitMobiles,
  submitFields,
  type Rspcod,
  type SubmitAnswer,
  type SubmitEndpoint,
  type SubmitFields,
} from './protocol.js';

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** A 云MAS submit was answered (accepted or refused): the integrations page lists it. */
    'integrations.cloud-mas.request': { accountId: number | null; rspcod: string; msgGroup: string | null };
  }
}

export interface SubmitRequest {
  endpoint: SubmitEndpoint;
  /** The socket address (trustProxy is off: no header can claim another). */
  ip: string;
  body: Buffer;
  contentType: string | undefined;
}

export interface CloudMasRequestRecord {
  id: number;
  msgGroup: string | null;
  accountId: number | null;
  endpoint: string;
  rspcod: string;
  mobiles: number;
  addSerial: string;
  clientIp: string;
  detail: string;
  createdAt: number;
}

export interface SubmitDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  accounts: CloudMasAccounts;
  outbox: Outbox;
  policy: () => Promise<PolicySettings>;
  /** Wakes the dispatcher after queueing. */
  poke: () => void;
  /** Called after an accepted submit is queued: recipients blocked at once get their reports. */
  onQueued: (msgGroup: string) => Promise<void>;
}

/** Who a 云MAS account acts as in the audit log and the outbox's created-by. */
export function accountActorName(account: Pick<CloudMasAccount, 'name'>): string {
  return `cloudmas:${account.name}`;
}

/**
 * One 云MAS submit from start to answer: decode, find the account, check address, secret and
 * mac, sign, numbers and text, then queue every recipient through the outbox (policy applies)
 * as one batch whose id is the msgGroup. Every answer, accepted or refused, is recorded.
 * Nothing is queued unless every check passed.
 */
export class CloudMasSubmits {
  constructor(private readonly deps: SubmitDeps) {}

  async submit(request: SubmitRequest): Promise<SubmitAnswer> {
    let account: CloudMasAccount | undefined;
    let fields: SubmitFields | undefined;
    let mobileCount = 0;
    try {
      fields = submitFields(decodeSubmitBody(request.body, request.contentType));
      const found = fields.ecName && fields.apId ? await this.deps.accounts.findByLogin(fields.ecName, fields.apId) : undefined;
      if (!found) throw new CloudMasRefusal('InvalidUsrOrPwd', `No account with ecName "${fields.ecName.slice(0, 60)}" and apId "${fields.apId.slice(0, 40)}".`);
      account = found.account;
      if (!account.enabled) throw new CloudMasRefusal('InvalidUsrOrPwd', 'The account is switched off.');
      if (!addressAllowed(request.ip, account.allowedAddresses)) throw new CloudMasRefusal('InvalidUsrOrPwd', `The account may not be used from ${request.ip}.`);
      if (fields.secretKey !== undefined && fields.secretKey !== found.secret) throw new CloudMasRefusal('InvalidUsrOrPwd', 'The secretKey is wrong.');
      const template = request.endpoint === 'tmpsubmit';
      if (!macMatches(fields, found.secret, template)) throw new CloudMasRefusal('IllegalMac', 'The mac does not match the fields and the secretKey.');
      if (!fields.sign.trim()) throw new CloudMasRefusal('NoSignId', 'The sign field is empty.');
      const sign = account.signs.find((s) => s.code === fields!.sign.trim());
      if (!sign) throw new CloudMasRefusal('IllegalSignId', `The sign code "${fields.sign.slice(0, 40)}" is not configured for this account.`);
      const numbers = recipientsOf(fields.mobiles);
      mobileCount = numbers.length;
      const text = template ? templateText(account, fields) : fields.content;
      if (!text.trim()) throw new CloudMasRefusal('InvalidMessage', 'The content is empty.');
      const policy = await this.deps.policy();
      const parts = measureText(`${text}${sign.text}`).parts;
      if (parts > policy.partLimit) {
        throw new CloudMasRefusal('InvalidMessage', `The text is ${parts} SMS parts with its signature; the limit is ${policy.partLimit}.`);
      }
      return await this.queue(request, account, fields, numbers, text, sign.text, policy.timeZone);
    } catch (error) {
      if (!(error instanceof CloudMasRefusal)) throw error;
      await this.record(request, account?.id ?? null, null, error.rspcod, mobileCount, fields?.addSerial ?? '', error.detail);
      this.deps.logger.info({ endpoint: request.endpoint, ip: request.ip, account: account?.name, rspcod: error.rspcod, detail: error.detail }, '云MAS submit refused');
      return answer(error.rspcod);
    }
  }

  private async queue(
    request: SubmitRequest,
    account: CloudMasAccount,
    fields: SubmitFields,
    numbers: string[],
    text: string,
    signature: string,
    timeZone: string,
  ): Promise<SubmitAnswer> {
    const now = this.deps.clock.now();
    // Shaped like the operator's msgGroup (a time and digits), unique by its index.
    const msgGroup = `${compactTime(now, timeZone)}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const addSerial = fields.addSerial.trim().slice(0, 20);
    // The account behind the msgGroup is written first: reports may come back before enqueue returns.
    const requestId = await this.record(request, account.id, msgGroup, 'success', numbers.length, addSerial, `${numbers.length} recipient(s)`, false);
    try {
      await this.deps.outbox.enqueue(
        numbers.map((number) => ({ number })),
        {
          text,
          literal: true,
          signature,
          category: account.category,
          source: 'cloud-mas',
          idempotencyPrefix: `cloud-mas:${msgGroup}`,
          batch: { id: msgGroup, label: `云MAS ${account.name}: ${text.slice(0, 60)}`, kind: 'cloud-mas' },
          // The text is literal: members are looked up only where their consent counts (marketing).
          matchMembers: account.category === 'marketing',
        },
        { userId: null, username: accountActorName(account), ip: request.ip },
      );
    } catch (error) {
      await this.deps.db('cloud_mas_requests').where('id', requestId).update({ rspcod: 'InvalidMessage', msg_group: null, detail: String((error as Error).message).slice(0, 200) });
      // The outbox refused the text itself (nothing was queued): the client's message is at fault.
      if (error instanceof AppError && error.status < 500) return answer('InvalidMessage');
      throw error;
    }
    this.deps.poke();
    this.publish(account.id, 'success', msgGroup);
    await this.deps.onQueued(msgGroup).catch((error: unknown) => this.deps.logger.error({ err: error, msgGroup }, 'reports for blocked recipients failed'));
    return answer('success', msgGroup);
  }

  private async record(
    request: SubmitRequest,
    accountId: number | null,
    msgGroup: string | null,
    rspcod: Rspcod,
    mobiles: number,
    addSerial: string,
    detail: string,
    publish = true,
  ): Promise<number> {
    const [inserted] = await this.deps.db('cloud_mas_requests')
      .insert({
        msg_group: msgGroup,
        account_id: accountId,
        endpoint: request.endpoint,
        rspcod,
        mobiles,
        add_serial: addSerial.slice(0, 20),
        client_ip: request.ip.slice(0, 64),
        detail: detail.slice(0, 200),
        created_at: this.deps.clock.now(),
      })
      .returning('id');
    if (publish) this.publish(accountId, rspcod, msgGroup);
    return Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
  }

  private publish(accountId: number | null, rspcod: Rspcod, msgGroup: string | null): void {
    this.deps.events.publish('integrations.cloud-mas.request', { accountId, rspcod, msgGroup }, 'integrations.read');
  }

  /** Recent submits, newest first (one account's, or all). */
  async recent(query: { accountId?: number | undefined; page: number; pageSize: number }): Promise<{ items: CloudMasRequestRecord[]; total: number }> {
    const base = this.deps.db('cloud_mas_requests');
    if (query.accountId !== undefined) base.where('account_id', query.accountId);
    const [count] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: Array<Record<string, unknown>> = await base
      .clone()
      .select('*')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return {
      total: Number(count?.n ?? 0),
      items: rows.map((r) => ({
        id: Number(r.id),
        msgGroup: (r.msg_group as string | null) ?? null,
        accountId: r.account_id === null ? null : Number(r.account_id),
        endpoint: String(r.endpoint),
        rspcod: String(r.rspcod),
        mobiles: Number(r.mobiles),
        addSerial: String(r.add_serial),
        clientIp: String(r.client_ip),
        detail: String(r.detail),
        createdAt: Number(r.created_at),
      })),
    };
  }

  /** Per account since `since`: submits, refused ones, and the last one's time. */
  async accountStats(since: number): Promise<Map<number, { requests: number; refused: number; lastAt: number | null }>> {
    const rows: Array<{ account_id: number; rspcod: string; n: number | string; last: number | string }> = await this.deps.db('cloud_mas_requests')
      .select('account_id', 'rspcod')
      .count({ n: '*' })
      .max({ last: 'created_at' })
      .whereNotNull('account_id')
      .andWhere('created_at', '>=', since)
      .groupBy('account_id', 'rspcod');
    const stats = new Map<number, { requests: number; refused: number; lastAt: number | null }>();
    for (const row of rows) {
      const id = Number(row.account_id);
      const entry = stats.get(id) ?? { requests: 0, refused: 0, lastAt: null };
      entry.requests += Number(row.n);
      if (row.rspcod !== 'success') entry.refused += Number(row.n);
      entry.lastAt = Math.max(entry.lastAt ?? 0, Number(row.last));
      stats.set(id, entry);
    }
    return stats;
  }

  /** Drops the request log older than `retentionMs` (the outbox keeps the messages themselves). */
  async purge(retentionMs: number): Promise<number> {
    return Number(await this.deps.db('cloud_mas_requests').where('created_at', '<', this.deps.clock.now() - retentionMs).delete());
  }
}

/** The numbers of a submit, normalised and without repeats; too many or one bad number refuses the lot. */
export function recipientsOf(mobiles: string): string[] {
  const listed = splitMobiles(mobiles);
  if (listed.length === 0) throw new CloudMasRefusal('InvalidMobile', 'No mobile numbers were given.');
  if (listed.length > MAX_MOBILES) throw new CloudMasRefusal('TooManyMobiles', `${listed.length} numbers; at most ${MAX_MOBILES} per submit.`);
  const numbers = new Set<string>();
  for (const entry of listed) {
    const number = tryNormalizeMobile(entry);
    if (!number) throw new CloudMasRefusal('InvalidMobile', `"${entry.slice(0, 30)}" is not a mobile number.`);
    numbers.add(number);
  }
  return [...numbers];
}

function templateText(account: CloudMasAccount, fields: SubmitFields): string {
  const template = account.templates.find((t) => t.id === fields.templateId.trim());
  if (!template) throw new CloudMasRefusal('InvalidMessage', `The templateId "${fields.templateId.slice(0, 40)}" is not configured for this account.`);
  return fillTemplate(template.text, parseParams(fields.params));
}
