import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { pushUrl } from '../mas/cloud/accounts.js';
import type { Deliveries } from './deliveries.js';
import { PendingWork } from './pending-work.js';
import { WEBHOOK_EVENT_NAMES, WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from './webhook-events.js';

export const SIGNATURE_HEADER = 'x-storemas-signature';
export const EVENT_HEADER = 'x-storemas-event';

/**
 * The signature a receiver checks: HMAC-SHA256 with the webhook's secret over
 * `<unix seconds>.<raw body>`, sent as `t=<unix seconds>,v1=<hex>`. The time is part of what
 * is signed, so a receiver can refuse old (replayed) deliveries.
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface Webhook {
  id: number;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookInput {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

interface WebhookRow {
  id: number;
  name: string;
  url: string;
  events: string;
  secret_sealed: string;
  enabled: number | boolean;
  created_by: string;
  created_at: number | string;
  updated_at: number | string;
}

function toWebhook(row: WebhookRow): Webhook {
  let events: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.events);
    if (Array.isArray(parsed)) events = parsed.filter((e): e is string => typeof e === 'string');
  } catch {
    events = [];
  }
  return {
    id: Number(row.id),
    name: row.name,
    url: row.url,
    events,
    enabled: Boolean(row.enabled),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const SECRET_CONTEXT = 'webhook-secret';
const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

function validate(input: WebhookInput): WebhookInput {
  const name = input.name.trim();
  if (!name || [...name].length > 64) throw new ValidationError('Name the webhook: 1 to 64 characters.');
  const url = pushUrl('The webhook URL', input.url);
  if (!url) throw new ValidationError('Enter the URL StoreMAS posts the events to.');
  const events = [...new Set(input.events)];
  if (events.length === 0) throw new ValidationError(`Choose at least one event: ${WEBHOOK_EVENT_NAMES.join(', ')}.`);
  for (const event of events) {
    if (!WEBHOOK_EVENT_NAMES.includes(event)) throw new ValidationError(`Unknown event "${event}"; the events are ${WEBHOOK_EVENT_NAMES.join(', ')}.`, { event });
  }
  return { name, url, events, enabled: input.enabled };
}

/**
 * Webhook subscriptions: events from the EventBus delivered as signed JSON through the
 * delivery queue (persisted first, retried with backoff, logged). The body is
 * `{ id, type, createdAt, data }`; the id stays the same across retries so a receiver can
 * drop repeats.
 */
export class Webhooks {
  private active: Webhook[] | undefined;
  private readonly secrets = new Map<number, string>();
  private unsubscribe: (() => void) | undefined;
  private readonly queueing: PendingWork;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly box: SecretBox,
    private readonly events: EventBus,
    private readonly deliveries: Deliveries,
    private readonly logger: Logger,
  ) {
    this.queueing = new PendingWork((error, context) => this.logger.error({ err: error, ...context }, 'webhook deliveries not queued'));
    deliveries.useSigner('webhook', async (delivery, now) => ({
      [EVENT_HEADER]: delivery.event,
      [SIGNATURE_HEADER]: signatureHeader(await this.secretOf(delivery.targetId), delivery.body, Math.floor(now / 1000)),
    }));
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.events.onDidPublish((event) => {
      const types = WEBHOOK_EVENT_TYPES.filter((t) => t.bus === event.type);
      if (types.length === 0) return;
      this.queueing.add(this.fanOut(types, event.data, event.at), { event: event.type });
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

  private async fanOut(types: readonly (typeof WEBHOOK_EVENT_TYPES)[number][], data: unknown, at: number): Promise<void> {
    const hooks = await this.enabled();
    if (hooks.length === 0) return;
    const rows = [];
    for (const type of types) {
      const payload = type.payload(data as never);
      if (payload === undefined) continue;
      const envelope = { id: `evt_${randomUUID()}`, type: type.type, createdAt: new Date(at).toISOString(), data: payload };
      const body = JSON.stringify(envelope);
      for (const hook of hooks) {
        if (!hook.events.includes(type.type)) continue;
        rows.push({ kind: 'webhook' as const, targetId: hook.id, event: type.type, dedupeKey: `webhook:${hook.id}:${envelope.id}`, url: hook.url, body });
      }
    }
    await this.deliveries.add(rows);
  }

  private async enabled(): Promise<Webhook[]> {
    this.active ??= (await this.list()).filter((h) => h.enabled);
    return this.active;
  }

  private changed(): void {
    this.active = undefined;
    this.events.publish('integrations.changed', { area: 'webhooks' }, 'integrations.read');
  }

  private async secretOf(id: number): Promise<string> {
    const cached = this.secrets.get(id);
    if (cached) return cached;
    const row: WebhookRow | undefined = await this.db('webhooks').where('id', id).first();
    if (!row) throw new Error(`Webhook ${id} was removed.`);
    const secret = this.box.open(row.secret_sealed, `${SECRET_CONTEXT}:${id}`);
    this.secrets.set(id, secret);
    return secret;
  }

  async list(): Promise<Webhook[]> {
    const rows: WebhookRow[] = await this.db('webhooks').select('*').orderBy('name');
    return rows.map(toWebhook);
  }

  async get(id: number): Promise<Webhook> {
    const row: WebhookRow | undefined = await this.db('webhooks').where('id', id).first();
    if (!row) throw new NotFoundError(`Webhook ${id}`);
    return toWebhook(row);
  }

  private async checkName(trx: Knex, name: string, exceptId: number | null): Promise<void> {
    const taken = await trx('webhooks').where('name', name).whereNot('id', exceptId ?? -1).first('id');
    if (taken) throw new ConflictError('WEBHOOK_NAME_TAKEN', `A webhook named "${name}" exists. Choose another name.`);
  }

  /** Creates a subscription; its signing secret is in the answer once. */
  async create(actor: AuditActor, raw: WebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    const input = validate(raw);
    const secret = newSecret();
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      await this.checkName(trx, input.name, null);
      const [inserted] = await trx('webhooks')
        .insert({ name: input.name, url: input.url, events: JSON.stringify(input.events), secret_sealed: '', enabled: input.enabled, created_by: actor.username, created_at: now, updated_at: now })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await trx('webhooks').where('id', newId).update({ secret_sealed: this.box.seal(secret, `${SECRET_CONTEXT}:${newId}`) });
      await this.audit.record(actor, 'integrations.webhook.create', input.name, { url: input.url, events: input.events }, trx);
      return newId;
    });
    this.changed();
    return { webhook: await this.get(id), secret };
  }

  async update(actor: AuditActor, id: number, raw: WebhookInput): Promise<Webhook> {
    const input = validate(raw);
    const before = await this.get(id);
    await this.db.transaction(async (trx) => {
      await this.checkName(trx, input.name, id);
      await trx('webhooks').where('id', id).update({ name: input.name, url: input.url, events: JSON.stringify(input.events), enabled: input.enabled, updated_at: this.clock.now() });
      // Switched off: what is still waiting is not sent. A new URL: the backlog goes there.
      if (!input.enabled) await this.deliveries.cancelPending('webhook', id, trx);
      else if (input.url !== before.url) await this.deliveries.redirectPending('webhook', id, input.url, trx);
      await this.audit.record(actor, 'integrations.webhook.update', input.name, { url: input.url, events: input.events, enabled: input.enabled }, trx);
    });
    this.changed();
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    const hook = await this.get(id);
    await this.db.transaction(async (trx) => {
      await this.deliveries.cancelPending('webhook', id, trx);
      await trx('webhooks').where('id', id).delete();
      await this.audit.record(actor, 'integrations.webhook.delete', hook.name, { url: hook.url }, trx);
    });
    this.secrets.delete(id);
    this.changed();
  }

  async rotateSecret(actor: AuditActor, id: number): Promise<string> {
    const hook = await this.get(id);
    const secret = newSecret();
    await this.db.transaction(async (trx) => {
      await trx('webhooks').where('id', id).update({ secret_sealed: this.box.seal(secret, `${SECRET_CONTEXT}:${id}`), updated_at: this.clock.now() });
      await this.audit.record(actor, 'integrations.webhook.rotate-secret', hook.name, null, trx);
    });
    this.secrets.delete(id);
    this.changed();
    return secret;
  }

  /** "Send test event": a signed `webhook.test` delivery through the same queue as real events. */
  async sendTest(actor: AuditActor, id: number): Promise<number> {
    const hook = await this.get(id);
    const envelope = {
      id: `evt_${randomUUID()}`,
      type: WEBHOOK_TEST_EVENT,
      createdAt: new Date(this.clock.now()).toISOString(),
      data: { webhook: hook.name, message: 'StoreMAS test event: the signature and the URL work.' },
    };
    const dedupeKey = `webhook:${hook.id}:${envelope.id}`;
    await this.db.transaction(async (trx) => {
      await this.deliveries.add([{ kind: 'webhook', targetId: hook.id, event: WEBHOOK_TEST_EVENT, dedupeKey, url: hook.url, body: JSON.stringify(envelope) }], trx);
      await this.audit.record(actor, 'integrations.webhook.test', hook.name, { url: hook.url }, trx);
    });
    this.deliveries.poke();
    const row: { id: number } = await this.db('deliveries').where('dedupe_key', dedupeKey).first('id');
    return Number(row.id);
  }
}
