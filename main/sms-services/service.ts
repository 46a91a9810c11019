import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { INBOUND_ORDER, type InboundHandler, type InboundTools, type StoredInbound } from '../messaging/inbox/inbox.js';
import type { NumberLists } from '../messaging/lists/lists.js';
import { tryNormalizeMobile } from '../messaging/numbers.js';
import { localDate, startOfLocalDate } from '../messaging/policy/local-time.js';
import { isOptOut, mayAutoAnswer, NOT_LISTED } from '../messaging/policy/policy.js';
import { foldKeyword } from '../messaging/policy/settings.js';
import type { Settings } from '../settings/settings.js';
import type { StaffDirectory } from '../staff/staff.js';
import {
  GENERAL,
  GENERAL_TEMPLATES,
  SERVICE_IDS,
  SERVICES,
  SETTINGS_DEFAULTS,
  isServiceId,
  templateSpecs,
  type Audience,
  type ArgumentKind,
  type ServiceId,
  type ServiceSettings,
  type TemplateOwner,
} from './catalog.js';
import { foldText, wordsOnly } from './fold.js';
import type { ServiceTable } from './parse.js';
import type { ProductSearch } from './product-search.js';
import { checkTemplate, fill, partsOf } from './reply.js';
import { LOCKOUT_REASONS, SmsRouter, type Answer, type AskContext, type ServiceConfig } from './router.js';
import type { StrategyAnswers } from './strategy-answers.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A text was answered (or refused) by the SMS services: the query log and the dashboard tile update. */
    'services.query': { service: string | null; outcome: string; sender: string };
    /** A number was locked out of the SMS services after refused staff requests. */
    'services.lockout': { mobile: string; refusals: number; until: number };
    /** Services, keywords, templates or settings changed. */
    'services.changed': { id: string };
  }
}

export type LogOutcome = Answer['outcome'] | 'fallback-help' | 'silent' | 'locked-out';

export interface ServiceView {
  id: ServiceId | typeof GENERAL;
  enabled: boolean;
  audience: Audience | null;
  argument: ArgumentKind | null;
  keywords: string[];
  defaultKeywords: string[];
  templates: Array<{ key: string; text: string; defaultText: string; placeholders: string[] }>;
  customised: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

export interface QueryLogEntry {
  id: number;
  at: number;
  sender: string;
  text: string;
  service: string | null;
  argument: string | null;
  memberId: number | null;
  memberName: string | null;
  staffId: number | null;
  staffName: string | null;
  outcome: LogOutcome;
  refusedReason: string | null;
  reply: string | null;
  replyMessageId: number | null;
  blockedRule: string | null;
  elapsedMs: number;
}

export interface AskResult {
  service: ServiceId | null;
  argument: string;
  outcome: LogOutcome;
  refusedReason: string | null;
  /** The text as it would be sent, with the store signature. */
  reply: string | null;
  parts: number;
  memberId: number | null;
  staffId: number | null;
  /** Why nothing would be sent (blacklisted number, help already sent today). */
  note: string | null;
}

interface Prepared {
  answer: Answer;
  context: AskContext;
  started: number;
}

interface ServiceRow {
  id: string;
  enabled: number | boolean;
  keywords: string;
  templates: string;
  updated_at: number | string;
  updated_by: string;
}

interface LoadedConfig {
  services: Record<ServiceId, ServiceConfig>;
  general: Record<string, string>;
  settings: ServiceSettings;
  table: ServiceTable;
  rows: Map<string, ServiceRow>;
}

const jsonOr = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

const DAY = 86_400_000;

export interface SmsServicesDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  lists: NumberLists;
  staff: StaffDirectory;
  products: ProductSearch;
  /** The strategy engine's answers (促销, 策略, 同意/拒绝). */
  strategies: StrategyAnswers;
}

/**
 * SMS services (短信服务): the keyword table a manager edits, the inbound
 * handler that answers texts (after opt-out, through the auto-reply limit and
 * policy), the dry run behind `storemas services ask` and the UI's 试一试,
 * the lock-out of numbers that keep asking for staff services, and the query log.
 */
export class SmsServices {
  private config: Promise<LoadedConfig> | undefined;
  private readonly router: SmsRouter;
  /** The strategy engine behind 促销/策略/同意/拒绝: set from the deps; tests hand in their own. */
  strategies: StrategyAnswers;

  constructor(private readonly deps: SmsServicesDeps) {
    this.strategies = deps.strategies;
    this.router = new SmsRouter(deps.db, deps.staff, deps.products, () => this.strategies, deps.logger);
    deps.events.onDidPublish((event) => {
      if (event.type === 'settings.changed') this.config = undefined;
      if (event.type === 'store.sync') this.router.forgetSyncState();
    });
  }

  private detachHandler: (() => void) | undefined;

  /** Joins the inbound chain at the keyword services' place: after opt-out, topics, surveys and feedback. */
  attach(inbox: { use(handler: InboundHandler, order?: number): () => void }): void {
    this.detachHandler ??= inbox.use(this.inboundHandler, INBOUND_ORDER.keywordServices);
  }

  /** Leaves the chain (the benchmark measures the chain without the services). */
  detach(): void {
    this.detachHandler?.();
    this.detachHandler = undefined;
  }

  /** Brings the 库存 product index up to date with the mirror (the CLI does before it asks). */
  refreshProductIndex(): Promise<{ indexed: number; removed: number }> {
    return this.deps.products.refresh();
  }

  /** The same in the background (after a sync, at start). */
  requestProductIndexRefresh(): void {
    this.deps.products.requestRefresh();
  }

  // ---- configuration -------------------------------------------------------

  private loadConfig(): Promise<LoadedConfig> {
    this.config ??= (async () => {
      const rows = new Map(((await this.deps.db('sms_services').select('*')) as ServiceRow[]).map((r) => [r.id, r]));
      const settingRows = (await this.deps.db('sms_service_settings').select('key', 'value')) as Array<{ key: string; value: string }>;
      const services = {} as Record<ServiceId, ServiceConfig>;
      for (const id of SERVICE_IDS) {
        const row = rows.get(id);
        const defaults = SERVICES[id];
        const templates: Record<string, string> = {};
        const saved = row ? jsonOr<Record<string, string>>(row.templates, {}) : {};
        for (const [key, spec] of Object.entries(defaults.templates)) templates[key] = typeof saved[key] === 'string' ? saved[key] : spec.text;
        services[id] = {
          enabled: row ? Boolean(row.enabled) : true,
          keywords: row ? jsonOr<string[]>(row.keywords, [...defaults.keywords]) : [...defaults.keywords],
          templates,
        };
      }
      const generalSaved = rows.get(GENERAL) ? jsonOr<Record<string, string>>(rows.get(GENERAL)!.templates, {}) : {};
      const general: Record<string, string> = {};
      for (const [key, spec] of Object.entries(GENERAL_TEMPLATES)) general[key] = typeof generalSaved[key] === 'string' ? generalSaved[key] : spec.text;
      const settings: ServiceSettings = { ...SETTINGS_DEFAULTS };
      for (const row of settingRows) {
        if (row.key in settings) (settings as unknown as Record<string, unknown>)[row.key] = jsonOr(row.value, (settings as unknown as Record<string, unknown>)[row.key]);
      }
      const table: ServiceTable = { services: SERVICE_IDS.filter((id) => services[id].enabled).map((id) => ({ id, keywords: services[id].keywords })) };
      return { services, general, settings, table, rows };
    })().catch((error: unknown) => {
      this.config = undefined;
      throw error;
    });
    return this.config;
  }

  async listServices(): Promise<ServiceView[]> {
    const config = await this.loadConfig();
    const view = (id: TemplateOwner): ServiceView => {
      const row = config.rows.get(id);
      const specs = templateSpecs(id);
      const current = id === GENERAL ? config.general : config.services[id].templates;
      return {
        id,
        enabled: id === GENERAL ? true : config.services[id].enabled,
        audience: id === GENERAL ? null : SERVICES[id].audience,
        argument: id === GENERAL ? null : SERVICES[id].argument,
        keywords: id === GENERAL ? [] : config.services[id].keywords,
        defaultKeywords: id === GENERAL ? [] : [...SERVICES[id].keywords],
        templates: Object.entries(specs).map(([key, spec]) => ({ key, text: current[key] ?? spec.text, defaultText: spec.text, placeholders: [...spec.placeholders] })),
        customised: row !== undefined,
        updatedAt: row ? Number(row.updated_at) : null,
        updatedBy: row?.updated_by ?? null,
      };
    };
    return [...SERVICE_IDS.map(view), view(GENERAL)];
  }

  async getSettings(): Promise<ServiceSettings> {
    return { ...(await this.loadConfig()).settings };
  }

  /** Switches a service on or off, sets its keywords or templates (only what is given changes). */
  async updateService(actor: AuditActor, id: string, patch: { enabled?: boolean | undefined; keywords?: string[] | undefined; templates?: Record<string, string> | undefined }): Promise<ServiceView> {
    if (!isServiceId(id) && id !== GENERAL) throw new AppError('SERVICE_NOT_FOUND', `There is no SMS service "${id}".`, 404);
    const config = await this.loadConfig();
    const policy = await this.deps.settings.get('policy');
    const current = id === GENERAL ? { enabled: true, keywords: [], templates: config.general } : config.services[id];
    const enabled = id === GENERAL ? true : (patch.enabled ?? current.enabled);
    let keywords = current.keywords;
    if (patch.keywords !== undefined) {
      if (id === GENERAL) throw new ValidationError('The general replies have no keywords.');
      keywords = this.checkKeywords(id, patch.keywords, config, policy.optOutKeywords);
    }
    if (id !== GENERAL && enabled && keywords.length === 0) {
      throw new AppError('SERVICE_KEYWORDS_REQUIRED', 'A service that is on needs at least one keyword. Add one, or switch the service off.', 400);
    }
    const specs = templateSpecs(id);
    const templates = { ...current.templates };
    for (const [key, text] of Object.entries(patch.templates ?? {})) {
      const spec = specs[key];
      if (!spec) throw new ValidationError(`The service "${id}" has no reply "${key}".`);
      templates[key] = checkTemplate(text, spec.placeholders, key);
    }
    const now = this.deps.clock.now();
    const changed = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
    await this.deps.db.transaction(async (trx) => {
      await trx('sms_services')
        .insert({ id, enabled, keywords: JSON.stringify(keywords), templates: JSON.stringify(templates), updated_at: now, updated_by: actor.username })
        .onConflict('id')
        .merge();
      await this.deps.audit.record(actor, 'services.update', id, { changed, enabled, keywords }, trx);
    });
    this.config = undefined;
    this.deps.events.publish('services.changed', { id }, 'services.read');
    return (await this.listServices()).find((s) => s.id === id)!;
  }

  /** Back to the built-in keywords and texts. */
  async resetService(actor: AuditActor, id: string): Promise<ServiceView> {
    if (!isServiceId(id) && id !== GENERAL) throw new AppError('SERVICE_NOT_FOUND', `There is no SMS service "${id}".`, 404);
    const config = await this.loadConfig();
    if (id !== GENERAL) {
      // The defaults may collide with keywords another service took meanwhile.
      const policy = await this.deps.settings.get('policy');
      this.checkKeywords(id, [...SERVICES[id].keywords], config, policy.optOutKeywords);
    }
    await this.deps.db.transaction(async (trx) => {
      await trx('sms_services').where('id', id).delete();
      await this.deps.audit.record(actor, 'services.update', id, { changed: ['reset'] }, trx);
    });
    this.config = undefined;
    this.deps.events.publish('services.changed', { id }, 'services.read');
    return (await this.listServices()).find((s) => s.id === id)!;
  }

  private checkKeywords(id: ServiceId, input: string[], config: LoadedConfig, optOut: readonly string[]): string[] {
    const keywords: string[] = [];
    const seen = new Set<string>();
    const optOutWords = new Set(optOut.map(foldKeyword).map((w) => foldText(w)));
    const taken = new Map<string, ServiceId>();
    for (const other of SERVICE_IDS) {
      if (other === id) continue;
      for (const k of config.services[other].keywords) taken.set(keywordKey(k), other);
    }
    for (const raw of input) {
      const keyword = raw.normalize('NFKC').trim();
      if (!keyword) continue;
      const key = keywordKey(keyword);
      if ([...keyword].length > 10 || !key) {
        throw new AppError('KEYWORD_INVALID', `"${keyword}" cannot be a keyword: use 1 to 10 characters, letters or Chinese characters (or "?").`, 400, { keyword });
      }
      if (/^\d+$/.test(key)) throw new AppError('KEYWORD_INVALID', `"${keyword}" cannot be a keyword: digits alone would be read as a number.`, 400, { keyword });
      if (optOutWords.has(foldText(foldKeyword(keyword)))) {
        throw new AppError('KEYWORD_IS_OPT_OUT', `"${keyword}" is an opt-out word (退订): a text with it unsubscribes the sender. Choose another keyword.`, 400, { keyword });
      }
      const owner = taken.get(key);
      if (owner) throw new AppError('KEYWORD_TAKEN', `"${keyword}" is already a keyword of ${owner}. A keyword can belong to one service only.`, 409, { keyword, service: owner });
      if (seen.has(key)) continue;
      seen.add(key);
      keywords.push(keyword);
    }
    return keywords;
  }

  async updateSettings(actor: AuditActor, patch: Partial<ServiceSettings>): Promise<ServiceSettings> {
    const clean: Partial<ServiceSettings> = {};
    const integer = (name: string, value: unknown, min: number, max: number): number => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new ValidationError(`${name} must be a whole number from ${min} to ${max}.`);
      return value;
    };
    if (patch.severalMembers !== undefined) {
      if (patch.severalMembers !== 'latest-purchase' && patch.severalMembers !== 'reply-error') throw new ValidationError('severalMembers must be latest-purchase or reply-error.');
      clean.severalMembers = patch.severalMembers;
    }
    if (patch.staleAfterHours !== undefined) clean.staleAfterHours = integer('staleAfterHours', patch.staleAfterHours, 0, 720);
    if (patch.lockoutRefusals !== undefined) clean.lockoutRefusals = integer('lockoutRefusals', patch.lockoutRefusals, 1, 100);
    if (patch.lockoutWindowMinutes !== undefined) clean.lockoutWindowMinutes = integer('lockoutWindowMinutes', patch.lockoutWindowMinutes, 1, 1440);
    if (patch.lockoutHours !== undefined) clean.lockoutHours = integer('lockoutHours', patch.lockoutHours, 1, 720);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      for (const [key, value] of Object.entries(clean)) {
        await trx('sms_service_settings').insert({ key, value: JSON.stringify(value), updated_at: now, updated_by: actor.username }).onConflict('key').merge();
      }
      await this.deps.audit.record(actor, 'services.settings', '', clean as Record<string, unknown>, trx);
    });
    this.config = undefined;
    this.deps.events.publish('services.changed', { id: 'settings' }, 'services.read');
    return this.getSettings();
  }

  /** What a template would send for sample values: the text, its parts (with the signature) and any problem. */
  async previewTemplate(owner: string, key: string, text: string): Promise<{ text: string; parts: number; partLimit: number; error: { code: string; message: string } | null }> {
    if (!isServiceId(owner) && owner !== GENERAL) throw new AppError('SERVICE_NOT_FOUND', `There is no SMS service "${owner}".`, 404);
    const spec = templateSpecs(owner)[key];
    if (!spec) throw new ValidationError(`The service "${owner}" has no reply "${key}".`);
    const signature = await this.deps.settings.get('smsSignature');
    const policy = await this.deps.settings.get('policy');
    const partLimit = Math.min(3, policy.partLimit);
    try {
      checkTemplate(text, spec.placeholders, key);
    } catch (error) {
      if (error instanceof AppError) return { text: '', parts: 0, partLimit, error: { code: error.code, message: error.message } };
      throw error;
    }
    const filled = fill(text.trim(), SAMPLE_VALUES);
    const shown = policy.signaturePosition === 'start' ? `${signature}${filled}` : `${filled}${signature}`;
    const parts = partsOf(filled, { parts: partLimit, signature });
    return { text: shown, parts, partLimit, error: null };
  }

  // ---- answering -----------------------------------------------------------

  private async context(): Promise<AskContext> {
    const [config, policy, signature, storeName, pointsExpiry] = await Promise.all([
      this.loadConfig(),
      this.deps.settings.get('policy'),
      this.deps.settings.get('smsSignature'),
      this.deps.settings.get('storeName'),
      this.deps.settings.get('pointsExpiry'),
    ]);
    return {
      now: this.deps.clock.now(),
      timeZone: policy.timeZone,
      signature,
      partLimit: policy.partLimit,
      salutationPrefix: policy.salutationPrefix,
      salutationFallback: policy.salutationFallback,
      storeName,
      table: config.table,
      services: config.services,
      general: config.general,
      settings: config.settings,
      pointsExpiry,
    };
  }

  /**
   * The router on the mirror without sending or deciding anything: what
   * `storemas services ask` prints and the UI's 试一试 shows.
   */
  async ask(from: string, text: string): Promise<AskResult> {
    const mobile = tryNormalizeMobile(from);
    if (!mobile) throw new AppError('INVALID_NUMBER', `"${from}" is not a valid mobile number. Use 11 digits such as 13800138000.`, 400);
    const context = await this.context();
    const policy = await this.deps.settings.get('policy');
    const render = (reply: string | null) => (reply === null ? null : policy.signaturePosition === 'start' ? `${context.signature}${reply}` : `${reply}${context.signature}`);
    const base = { argument: '', refusedReason: null, memberId: null, staffId: null };
    if (isOptOut(text, policy.optOutKeywords)) {
      return { ...base, service: null, outcome: 'silent', reply: null, parts: 0, note: 'An opt-out word: the opt-out answers it, not the SMS services.' };
    }
    const answer = await this.router.answer(mobile, text, context, { act: async () => false });
    const lists = (await this.deps.lists.lookup([mobile], context.now)).get(mobile) ?? NOT_LISTED;
    let note: string | null = null;
    let reply = answer.reply;
    let outcome: LogOutcome = answer.outcome;
    if (!mayAutoAnswer(lists, context.now)) {
      note = 'The number is on the blacklist for automatic answers: the text would be stored for a person, unanswered.';
      reply = null;
      outcome = 'silent';
    } else if (answer.outcome === 'unknown') {
      if (await this.helpSentToday(this.deps.db, mobile, context)) {
        note = 'Not a keyword, and the help menu already went to this number today: no answer, the text waits for a person.';
        reply = null;
      } else {
        note = 'Not a keyword: the help menu goes out (once a day per number) and the text waits for a person.';
        outcome = 'fallback-help';
      }
    }
    const sent = render(reply);
    return {
      service: answer.service,
      argument: answer.argument,
      outcome,
      refusedReason: answer.refusedReason,
      reply: sent,
      parts: reply === null ? 0 : partsOf(reply, { parts: 3, signature: context.signature }),
      memberId: answer.memberId,
      staffId: answer.staffId,
      note,
    };
  }

  /** The link in the inbound chain, after opt-out. */
  readonly inboundHandler: InboundHandler = {
    name: 'sms-services',
    prepare: (message) => this.prepare(message),
    handle: (message, tools, prepared) => this.handle(message, tools, prepared as Prepared | null | undefined),
  };

  /**
   * Reads and decides before the chain's transaction, which holds the only
   * connection the strategy engine would need. 同意/拒绝 are decided here (the
   * engine commits them itself); should the appliance stop before the chain
   * commits the answer, the text is processed again at the next start and
   * answered "no longer pending".
   */
  private async prepare(message: StoredInbound): Promise<Prepared | null> {
    // Alphanumeric senders (10086, bank names) cannot be identified or answered.
    if (!message.sender.startsWith('+')) return null;
    const started = performance.now();
    const context = await this.context();
    const policy = await this.deps.settings.get('policy');
    if (isOptOut(message.text, policy.optOutKeywords)) return null;
    // A number without automatic answers (inbound blacklist, locked out) must not decide strategies either;
    // asked only when a decision is due, so answers to customers cost no list look-up here.
    const mayAct = async () => {
      const lists = (await this.deps.lists.lookup([message.sender], context.now)).get(message.sender) ?? NOT_LISTED;
      return mayAutoAnswer(lists, context.now) && !(await this.lockedOffList(this.deps.db, message.sender, context));
    };
    const answer = await this.router.answer(message.sender, message.text, context, { act: mayAct });
    return { answer, context, started };
  }

  /**
   * A lock-out that could not go on the blacklist (the number already had an
   * opt-out entry, which must not expire with it): staff services stay shut
   * for the lock-out's hours all the same.
   */
  private async lockedOffList(db: Knex, sender: string, context: AskContext): Promise<boolean> {
    const since = context.now - context.settings.lockoutHours * 3_600_000;
    const row = await db('sms_query_log').select('id').where('sender', sender).andWhere('at', '>', since).andWhere({ outcome: 'locked-out', refused_reason: 'already-listed' }).first();
    return row !== undefined;
  }

  private async handle(message: StoredInbound, tools: InboundTools, prepared: Prepared | null | undefined): Promise<'handled' | 'pass'> {
    if (!prepared) return 'pass';
    const { answer, context } = prepared;
    const trx = tools.trx;
    const now = this.deps.clock.now();
    const log = async (outcome: LogOutcome, reply: string | null, sent: { messageId: number | null; blockedRule: string | null } | null) => {
      await trx('sms_query_log').insert({
        at: now,
        inbox_id: message.id,
        sender: message.sender.slice(0, 24),
        text: message.text.slice(0, 500),
        service: answer.service,
        argument: answer.argument ? answer.argument.slice(0, 100) : null,
        member_id: answer.memberId,
        staff_id: answer.staffId,
        outcome,
        refused_reason: answer.refusedReason,
        reply,
        reply_message_id: sent?.messageId ?? null,
        blocked_rule: sent?.blockedRule ?? null,
        elapsed_ms: Math.round(performance.now() - prepared.started),
      });
      this.deps.events.publish('services.query', { service: answer.service, outcome, sender: message.sender }, 'services.read');
    };
    // Deliberate silence: the number gets no automatic answers; the text waits for a person.
    if (!tools.mayAutoAnswer) {
      await log('silent', null, null);
      return 'pass';
    }
    if (answer.service && isStaffService(answer.service) && (await this.lockedOffList(trx, message.sender, context))) {
      await log('silent', null, null);
      return 'pass';
    }
    if (answer.outcome === 'unknown') {
      // The help menu at most once a day per number: never a loop with another auto-responder.
      if (answer.reply && !(await this.helpSentToday(trx, message.sender, context))) {
        const sent = await tools.autoReply(answer.reply, 'sms-services:help');
        await log('fallback-help', answer.reply, sent);
      } else {
        await log('unknown', null, null);
      }
      return 'pass';
    }
    if (!answer.reply) {
      await log(answer.outcome, null, null);
      return 'pass';
    }
    const sent = await tools.autoReply(answer.reply, `sms-services:${answer.service ?? 'help'}`);
    await log(answer.outcome, answer.reply, sent);
    if (answer.outcome === 'refused' && answer.refusedReason && LOCKOUT_REASONS.has(answer.refusedReason)) {
      await this.maybeLockOut(message.sender, tools, context);
    }
    // Answered requests need nobody; refusals, errors and several-members wait for a person.
    if (answer.outcome === 'answered' || answer.outcome === 'help' || answer.outcome === 'not-member' || answer.outcome === 'usage') {
      await trx('conversations').where('id', message.conversationId).andWhere('unhandled', '>', 0).decrement('unhandled', 1);
      return 'handled';
    }
    return 'pass';
  }

  private async helpSentToday(db: Knex, sender: string, context: AskContext): Promise<boolean> {
    const dayStart = startOfLocalDate(context.timeZone, localDate(context.timeZone, context.now));
    const row = await db('sms_query_log').select('id').where('sender', sender).andWhere('at', '>=', dayStart).andWhere('outcome', 'fallback-help').first();
    return row !== undefined;
  }

  /** After N refused staff requests within the window: the inbound blacklist for some hours, audited, on the dashboard. */
  private async maybeLockOut(sender: string, tools: InboundTools, context: AskContext): Promise<void> {
    const { lockoutRefusals, lockoutWindowMinutes, lockoutHours } = context.settings;
    const since = context.now - lockoutWindowMinutes * 60_000;
    const reasons = [...LOCKOUT_REASONS];
    const [{ n }] = (await tools.trx('sms_query_log').where('sender', sender).andWhere('at', '>', since).whereIn('refused_reason', reasons).count({ n: '*' })) as [{ n: number | string }];
    const refusals = Number(n);
    if (refusals < lockoutRefusals) return;
    const until = context.now + lockoutHours * 3_600_000;
    const change = await this.deps.lists.lockOut(sender, tools.lists, until, `员工服务${lockoutWindowMinutes}分钟内被拒绝${refusals}次，自动暂停自动回复`, tools.trx);
    await this.deps.audit.record(SYSTEM_ACTOR, 'services.lockout', sender, { refusals, windowMinutes: lockoutWindowMinutes, lockedUntil: until, blacklisted: change === 'added' }, tools.trx);
    await tools.trx('sms_query_log').insert({
      at: context.now,
      sender,
      text: '',
      outcome: 'locked-out',
      refused_reason: change === 'added' ? null : 'already-listed',
      elapsed_ms: 0,
    });
    this.deps.events.publish('services.lockout', { mobile: sender, refusals, until }, 'services.read');
  }

  // ---- query log and figures -------------------------------------------------

  async queryLog(query: { q?: string | undefined; service?: string | undefined; outcome?: string | undefined; from?: number | undefined; to?: number | undefined; page: number; pageSize: number }): Promise<{ items: QueryLogEntry[]; total: number }> {
    const base = this.deps.db('sms_query_log as l');
    if (query.service) base.where('l.service', query.service);
    if (query.outcome) base.where('l.outcome', query.outcome);
    if (query.from !== undefined) base.where('l.at', '>=', query.from);
    if (query.to !== undefined) base.where('l.at', '<', query.to);
    const q = query.q?.trim();
    if (q) {
      const digits = q.normalize('NFKC').replace(/\D/g, '');
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      base.andWhere((w) => {
        w.whereRaw("l.text LIKE ? ESCAPE '\\'", [like]);
        if (digits.length >= 3) w.orWhere('l.sender', 'like', `%${digits}%`);
      });
    }
    const [{ n }] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
    const rows = (await base
      .clone()
      .leftJoin('members as m', 'm.id', 'l.member_id')
      .leftJoin('staff as s', 's.id', 'l.staff_id')
      .select('l.*', 'm.name as member_name', 's.name as staff_name')
      .orderBy('l.at', 'desc')
      .orderBy('l.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)) as Array<Record<string, unknown>>;
    return {
      total: Number(n),
      items: rows.map((r) => ({
        id: Number(r['id']),
        at: Number(r['at']),
        sender: String(r['sender']),
        text: String(r['text']),
        service: (r['service'] as string | null) ?? null,
        argument: (r['argument'] as string | null) ?? null,
        memberId: r['member_id'] === null ? null : Number(r['member_id']),
        memberName: (r['member_name'] as string | null) ?? null,
        staffId: r['staff_id'] === null ? null : Number(r['staff_id']),
        staffName: (r['staff_name'] as string | null) ?? null,
        outcome: r['outcome'] as LogOutcome,
        refusedReason: (r['refused_reason'] as string | null) ?? null,
        reply: (r['reply'] as string | null) ?? null,
        replyMessageId: r['reply_message_id'] === null ? null : Number(r['reply_message_id']),
        blockedRule: (r['blocked_rule'] as string | null) ?? null,
        elapsedMs: Number(r['elapsed_ms']),
      })),
    };
  }

  /** Texts per local day and service for the chart, plus refusals; `days` days up to today. */
  async dailyCounts(days: number): Promise<{ days: string[]; series: Array<{ service: string; counts: number[] }>; refused: number[]; p95ElapsedMs: number | null }> {
    const { timeZone } = await this.deps.settings.get('policy');
    const now = this.deps.clock.now();
    const today = localDate(timeZone, now);
    const first = startOfLocalDate(timeZone, today) - (days - 1) * DAY;
    const labels: string[] = [];
    const starts: number[] = [];
    for (let i = 0; i < days; i++) {
      const start = startOfLocalDate(timeZone, localDate(timeZone, first + i * DAY + 12 * 3_600_000));
      starts.push(start);
      labels.push(localDate(timeZone, start + 12 * 3_600_000));
    }
    const bucketOf = (at: number) => {
      let index = -1;
      for (let i = 0; i < starts.length && starts[i]! <= at; i++) index = i;
      return index;
    };
    // Grouped by hour in SQL (a day has at most 24 buckets whatever the traffic), folded into local days here.
    const rows = (await this.deps.db('sms_query_log')
      .where('at', '>=', starts[0]!)
      .whereNot('outcome', 'locked-out')
      .select('service', 'outcome', this.deps.db.raw('(at / 3600000) as hour'))
      .count({ n: '*' })
      .groupBy('service', 'outcome', 'hour')) as Array<{ service: string | null; outcome: string; hour: number | string; n: number | string }>;
    const series = new Map<string, number[]>();
    const refused = new Array<number>(days).fill(0);
    for (const row of rows) {
      const index = bucketOf(Number(row.hour) * 3_600_000 + 1_800_000);
      if (index < 0) continue;
      const key = row.service ?? 'unknown';
      if (!series.has(key)) series.set(key, new Array<number>(days).fill(0));
      series.get(key)![index]! += Number(row.n);
      if (row.outcome === 'refused') refused[index]! += Number(row.n);
    }
    const order = [...SERVICE_IDS, 'unknown'];
    const elapsed = (await this.deps.db('sms_query_log').where('at', '>=', now - DAY).whereNotNull('reply').orderBy('elapsed_ms').select('elapsed_ms').limit(10_000)) as Array<{ elapsed_ms: number }>;
    return {
      days: labels,
      series: order.filter((s) => series.has(s)).map((service) => ({ service, counts: series.get(service)! })),
      refused,
      p95ElapsedMs: elapsed.length ? Number(elapsed[Math.min(elapsed.length - 1, Math.floor(elapsed.length * 0.95))]!.elapsed_ms) : null,
    };
  }

  /** For the dashboard tile: today's answers, refusals in the last 24 h, numbers locked out now. */
  async summary(): Promise<{ answeredToday: number; refused24h: number; lockouts: Array<{ mobile: string; at: number; until: number | null }> }> {
    const { timeZone } = await this.deps.settings.get('policy');
    const now = this.deps.clock.now();
    const dayStart = startOfLocalDate(timeZone, localDate(timeZone, now));
    const [{ n: answered }] = (await this.deps.db('sms_query_log').where('at', '>=', dayStart).whereIn('outcome', ['answered', 'help', 'not-member', 'usage']).count({ n: '*' })) as [{ n: number | string }];
    const [{ n: refused }] = (await this.deps.db('sms_query_log').where('at', '>=', now - DAY).where('outcome', 'refused').count({ n: '*' })) as [{ n: number | string }];
    const locked = (await this.deps.db('number_lists')
      .select('mobile', 'created_at', 'expires_at')
      .where({ list: 'black', source: 'lockout' })
      .andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now))
      .orderBy('created_at', 'desc')
      .limit(5)) as Array<{ mobile: string; created_at: number | string; expires_at: number | string | null }>;
    return {
      answeredToday: Number(answered),
      refused24h: Number(refused),
      lockouts: locked.map((r) => ({ mobile: r.mobile, at: Number(r.created_at), until: r.expires_at === null ? null : Number(r.expires_at) })),
    };
  }
}

function isStaffService(id: ServiceId): boolean {
  const audience = SERVICES[id].audience;
  return audience === 'staff' || audience === 'approver';
}

/** A keyword compared the way the parser compares it: folded, letters and digits only, spaces gone; symbols kept when that is all. */
function keywordKey(keyword: string): string {
  const folded = foldText(keyword);
  return wordsOnly(folded).replace(/ /g, '') || folded.replace(/\s+/g, '');
}

/** What template previews fill in. */
const SAMPLE_VALUES: Record<string, string> = {
  称呼: '尊敬的张先生',
  姓名: '张伟',
  卡号: '880012345678',
  门店: '好又多超市(人民路店)',
  积分: '1280',
  到期积分: '300',
  到期日期: '12月31日',
  本月消费: '356.8',
  本年消费: '8620.5',
  最近日期: '12月3日',
  最近门店: '人民路店',
  最近金额: '89.9',
  促销: '金龙鱼花生油5L 8.5折(至12/20)；蒙牛纯牛奶250ml×12 买二送一',
  关键词: '促销',
  页码: '2',
  菜单: '积分/JF：查积分；消费/XF：查消费；促销/CX：看优惠',
  商品: '羊肉卷 散装',
  编码: '08123',
  条码: '6901234567890',
  库存: '人民路店36kg；解放路店12kg',
  数量: '7',
  列表: '#12促销 羊肉卷 人民路店（可售79天）',
  待审批数: '2',
  进行中数: '1',
  编号: '12',
  策略: '促销 羊肉卷 8.5折 人民路店',
  状态: '已同意',
  指令: '同意',
  更新时间: '12月5日 14:30',
};
