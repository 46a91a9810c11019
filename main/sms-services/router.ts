import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isAppError } from '../errors.js';
import { localDate, startOfLocalDate, zoneOffset } from '../messaging/policy/local-time.js';
import { salutation } from '../messaging/render/salutation.js';
import { tryNormalizeMobile } from '../messaging/numbers.js';
import { readMemberPointsExpiry, type PointsExpirySettings } from '../members/points-expiry.js';
import type { StaffDirectory, StaffMember } from '../staff/staff.js';
import {
  PROMOTION_PARTS,
  REPLY_PARTS,
  SERVICE_IDS,
  SERVICES,
  STRATEGY_KIND_WORDS,
  STRATEGY_STATE_WORDS,
  type ServiceId,
  type ServiceSettings,
} from './catalog.js';
import { parseRequest, type ParsedRequest, type ServiceTable } from './parse.js';
import type { ProductSearch } from './product-search.js';
import { fill, fitList, fitText, fits, plain, quantity, yuan, type Budget } from './reply.js';
import type { StrategyAnswers, StrategyLine } from './strategy-answers.js';

/**
 * The keyword router: who is asking (身份), whether they may (权限), and the
 * answer from the mirror. It only reads — except 同意/拒绝, which decide a
 * strategy when `act` is set (never for the CLI or the UI's 试一试).
 */
export type Outcome = 'answered' | 'usage' | 'refused' | 'not-member' | 'several-members' | 'help' | 'unknown' | 'failed';
export type RefusedReason = 'not-staff' | 'inactive' | 'pin-missing' | 'pin-wrong' | 'no-approve-permission' | 'store-not-allowed';

/** Refusals that count towards the lock-out: someone who is not (or no longer) staff, or a wrong PIN. */
export const LOCKOUT_REASONS: ReadonlySet<RefusedReason> = new Set(['not-staff', 'inactive', 'pin-missing', 'pin-wrong']);

export interface Answer {
  service: ServiceId | null;
  argument: string;
  outcome: Outcome;
  refusedReason: RefusedReason | null;
  /** The text to send (the outbox adds the signature); null: nothing to say. */
  reply: string | null;
  memberId: number | null;
  staffId: number | null;
}

/** A service as configured now: on or off, its keywords, its templates. */
export interface ServiceConfig {
  enabled: boolean;
  keywords: string[];
  templates: Record<string, string>;
}

/** Everything an answer depends on besides the mirror, read once per text. */
export interface AskContext {
  now: number;
  timeZone: string;
  /** 【…】: the outbox adds it, the part budget counts it. */
  signature: string;
  partLimit: number;
  salutationPrefix: string;
  salutationFallback: string;
  storeName: string;
  table: ServiceTable;
  services: Readonly<Record<ServiceId, ServiceConfig>>;
  general: Readonly<Record<string, string>>;
  settings: ServiceSettings;
  /** The store's points expiry rule (积分有效期): the 积分 answer says what expires when. */
  pointsExpiry: PointsExpirySettings;
}

interface MemberRow {
  id: number;
  name: string;
  gender: string;
  points: number;
  card_no: string | null;
  store_code: string | null;
  store_name: string | null;
  last_purchase_at: number | string | null;
  last_purchase_cents: number | string | null;
}

interface Asker {
  from: string;
  members: MemberRow[] | undefined;
  staff: StaffMember | null | undefined;
}


export class SmsRouter {
  constructor(
    private readonly db: Knex,
    private readonly staff: StaffDirectory,
    private readonly products: ProductSearch,
    private readonly strategies: () => StrategyAnswers,
    private readonly logger: Logger,
  ) {}

  /** The answer to one text. Never throws: what goes wrong inside becomes the "system busy" reply. */
  async answer(from: string, text: string, ctx: AskContext, options: { act: () => Promise<boolean> }): Promise<Answer> {
    const parsed = parseRequest(text, ctx.table);
    const asker: Asker = { from: tryNormalizeMobile(from) ?? from, members: undefined, staff: undefined };
    const base = { service: parsed.service, argument: parsed.argument.slice(0, 100), refusedReason: null, memberId: null, staffId: null };
    try {
      if (!parsed.service) return { ...base, outcome: 'unknown', reply: await this.help(asker, ctx) };
      return { ...base, ...(await this.serve(parsed, parsed.service, asker, ctx, options)) };
    } catch (error) {
      this.logger.error({ err: error, service: parsed.service }, 'SMS service answer failed');
      return { ...base, outcome: 'failed', reply: ctx.general['failed'] ?? null, staffId: asker.staff?.id ?? null };
    }
  }

  private budget(ctx: AskContext, parts = REPLY_PARTS): Budget {
    return { parts: Math.max(1, Math.min(parts, ctx.partLimit)), signature: ctx.signature };
  }

  private template(ctx: AskContext, service: ServiceId, key: string): string {
    return ctx.services[service].templates[key] ?? SERVICES[service].templates[key]?.text ?? '';
  }

  private async staffOf(asker: Asker): Promise<StaffMember | null> {
    if (asker.staff === undefined) asker.staff = (await this.staff.findByMobile(asker.from)) ?? null;
    return asker.staff;
  }

  /** Members with this mobile, the latest buyer first (two are enough to know there are several). */
  private async membersOf(asker: Asker): Promise<MemberRow[]> {
    asker.members ??= (await this.db('members as m')
      .leftJoin('stores as s', 's.code', 'm.store_code')
      .select('m.id', 'm.name', 'm.gender', 'm.points', 'm.card_no', 'm.store_code', 's.name as store_name', 'm.last_purchase_at', 'm.last_purchase_cents')
      .where('m.mobile', asker.from)
      .whereNull('m.deleted_at')
      .orderByRaw('m.last_purchase_at IS NULL, m.last_purchase_at DESC, m.id DESC')
      .limit(2)) as MemberRow[];
    return asker.members;
  }

  private async serve(parsed: ParsedRequest, service: ServiceId, asker: Asker, ctx: AskContext, options: { act: () => Promise<boolean> }): Promise<Omit<Answer, 'service' | 'argument'>> {
    const definition = SERVICES[service];
    const none = { refusedReason: null, memberId: null, staffId: null };
    if (definition.audience === 'member') {
      const members = await this.membersOf(asker);
      const member = members[0];
      if (!member) return { ...none, outcome: 'not-member', reply: ctx.general['notMember'] ?? null };
      if (members.length > 1 && ctx.settings.severalMembers === 'reply-error') {
        return { ...none, outcome: 'several-members', reply: ctx.general['severalMembers'] ?? null };
      }
      const reply = service === 'points' ? await this.points(member, ctx) : await this.spending(member, ctx);
      return { ...none, outcome: 'answered', reply, memberId: Number(member.id) };
    }
    if (service === 'help') return { ...none, outcome: 'help', reply: await this.help(asker, ctx), staffId: (await this.staffOf(asker))?.id ?? null };
    if (service === 'promotions') return { ...none, ...(await this.promotions(parsed, asker, ctx)) };

    // Staff services: an active staff entry for this mobile, its PIN when it has one, approval rights for 同意/拒绝.
    const staff = await this.staffOf(asker);
    const refuse = (reason: RefusedReason, template: string) => ({
      ...none,
      outcome: 'refused' as const,
      refusedReason: reason,
      staffId: staff?.id ?? null,
      reply: fill(ctx.general[template] ?? '', { 姓名: staff ? plain(staff.name) : '' }) || null,
    });
    if (!staff) return refuse('not-staff', 'refused');
    if (!staff.active) return refuse('inactive', 'refused');
    let argument = parsed.argument;
    if (staff.pinHash) {
      if (!parsed.pin) return refuse('pin-missing', 'pinRequired');
      if (!(await this.staff.verifyPin(staff, parsed.pin))) return refuse('pin-wrong', 'pinWrong');
    } else if (parsed.pin && definition.argument === 'text') {
      // No PIN set: the digits belong to what was asked (库存 羊肉卷 1234 → 羊肉卷 1234).
      argument = `${argument} ${parsed.pin}`;
    }
    if (definition.audience === 'approver' && !staff.mayApprove) return refuse('no-approve-permission', 'noApprovePermission');
    const asStaff = { ...none, staffId: staff.id };
    if (service === 'stock') return { ...asStaff, ...(await this.stock(argument, staff, ctx)) };
    if (service === 'strategies') return { ...asStaff, ...(await this.strategyList(staff, ctx)) };
    return { ...asStaff, ...(await this.decide(service === 'approve' ? 'approve' : 'reject', argument, staff, ctx, options)) };
  }

  // ---- customers ------------------------------------------------------------

  private memberValues(member: MemberRow, ctx: AskContext): Record<string, string> {
    return {
      称呼: plain(salutation(member.name, member.gender, { prefix: ctx.salutationPrefix, fallback: ctx.salutationFallback })),
      姓名: plain(member.name),
      卡号: plain(member.card_no ?? ''),
      门店: plain(member.store_name || ctx.storeName),
    };
  }

  /** 积分: the balance, and what of it expires when (the store's rule or the POS's date) when anything does. */
  private async points(member: MemberRow, ctx: AskContext): Promise<string> {
    const values = { ...this.memberValues(member, ctx), 积分: String(Number(member.points)) };
    const today = localDate(ctx.timeZone, ctx.now);
    const expiry = await readMemberPointsExpiry(this.db, ctx.pointsExpiry, Number(member.id), today, (day) => startOfLocalDate(ctx.timeZone, day));
    if (expiry) {
      const due = { ...values, 到期积分: String(expiry.points), 到期日期: dateText(expiry.date, today) };
      return fitText(this.template(ctx, 'points', 'expiring'), due, this.budget(ctx), await this.dataAge(ctx));
    }
    return fitText(this.template(ctx, 'points', 'reply'), values, this.budget(ctx), await this.dataAge(ctx));
  }

  private async spending(member: MemberRow, ctx: AskContext): Promise<string> {
    const today = localDate(ctx.timeZone, ctx.now);
    const monthStart = startOfLocalDate(ctx.timeZone, `${today.slice(0, 8)}01`);
    const yearStart = startOfLocalDate(ctx.timeZone, `${today.slice(0, 5)}01-01`);
    const sums = (from: number) =>
      this.db('sales').where('member_id', member.id).andWhere('sold_at', '>=', from).sum({ total: 'total_cents' }).count({ n: '*' }).first() as Promise<{ total: number | string | null; n: number | string }>;
    const [month, year] = await Promise.all([sums(monthStart), sums(yearStart)]);
    const last = (await this.db('sales as s')
      .leftJoin('stores as st', 'st.code', 's.store_code')
      .select('s.sold_at', 's.total_cents', 'st.name as store_name', 's.store_code')
      .where('s.member_id', member.id)
      .orderBy('s.sold_at', 'desc')
      .first()) as { sold_at: number | string; total_cents: number | string; store_name: string | null; store_code: string | null } | undefined;
    const values = this.memberValues(member, ctx);
    const suffix = await this.dataAge(ctx);
    // Without mirrored receipts the member row still knows the last purchase.
    const lastAt = last ? Number(last.sold_at) : member.last_purchase_at === null ? null : Number(member.last_purchase_at);
    if (lastAt === null) return fitText(this.template(ctx, 'spending', 'none'), values, this.budget(ctx), suffix);
    const lastCents = last ? Number(last.total_cents) : Number(member.last_purchase_cents ?? 0);
    return fitText(
      this.template(ctx, 'spending', 'reply'),
      {
        ...values,
        本月消费: yuan(Number(month.total ?? 0)),
        本年消费: yuan(Number(year.total ?? 0)),
        最近日期: dayText(ctx.timeZone, lastAt, ctx.now),
        最近门店: plain(last?.store_name || last?.store_code || values['门店']!),
        最近金额: yuan(lastCents),
      },
      this.budget(ctx),
      suffix,
    );
  }

  /** 促销: the asker's home store first, as many as fit two parts, "回复 促销2 看更多" for the rest. */
  private async promotions(parsed: ParsedRequest, asker: Asker, ctx: AskContext): Promise<Pick<Answer, 'outcome' | 'reply' | 'memberId' | 'staffId'>> {
    const members = await this.membersOf(asker);
    const staff = members.length === 0 ? await this.staffOf(asker) : null;
    const home = members[0]?.store_code ?? (staff && !staff.allStores ? staff.storeCodes[0] : null) ?? null;
    const homeName = members[0]?.store_name ?? (home ? await this.storeName(home) : null);
    const lines = await this.strategies().activePromotions({ preferStoreCode: home, storeCodes: 'all', now: ctx.now });
    const items = lines.map((p) => plain(p.storeCode && p.storeCode !== home ? `${p.storeName || p.storeCode}:${p.text}` : p.text)).filter(Boolean);
    const who = { memberId: members[0] ? Number(members[0].id) : null, staffId: staff?.id ?? null };
    const storeLabel = plain(homeName || ctx.storeName);
    if (items.length === 0) return { ...who, outcome: 'answered', reply: fitText(this.template(ctx, 'promotions', 'none'), { 门店: storeLabel }, this.budget(ctx)) };
    const keyword = /^[a-z]+$/.test(parsed.keyword ?? '') ? parsed.keyword!.toUpperCase() : (parsed.keyword ?? SERVICES.promotions.keywords[0]!);
    const budget = this.budget(ctx, PROMOTION_PARTS);
    const page = Math.max(1, Number(parsed.argument) || 1);
    let start = 0;
    for (let current = 1; start < items.length; current++) {
      const { text, shown } = this.promotionPage(ctx, items, start, current + 1, keyword, storeLabel, budget);
      if (current === page) return { ...who, outcome: 'answered', reply: text };
      start += Math.max(1, shown);
    }
    return { ...who, outcome: 'answered', reply: fitText(this.template(ctx, 'promotions', 'end'), { 关键词: keyword }, this.budget(ctx)) };
  }

  private promotionPage(ctx: AskContext, items: string[], start: number, nextPage: number, keyword: string, store: string, budget: Budget): { text: string; shown: number } {
    const reply = this.template(ctx, 'promotions', 'reply');
    const more = fill(this.template(ctx, 'promotions', 'more'), { 关键词: keyword, 页码: String(nextPage) });
    for (let shown = items.length - start; shown >= 1; shown--) {
      const rest = start + shown < items.length;
      const text = fill(reply, { 门店: store, 促销: items.slice(start, start + shown).join('；') }) + (rest ? `。${more}` : '');
      if (fits(text, budget)) return { text, shown };
    }
    // One promotion longer than the page: cut it, keep the continuation.
    const rest = start + 1 < items.length;
    return { text: fitText(reply, { 门店: store, 促销: items[start]! }, budget, rest ? `。${more}` : ''), shown: 1 };
  }

  /** 帮助 and the answer to an unknown text: the menu of what this number may ask. */
  private async help(asker: Asker, ctx: AskContext): Promise<string> {
    const staff = await this.staffOf(asker);
    const isStaff = staff !== null && staff.active;
    const items: string[] = [];
    for (const id of SERVICE_IDS) {
      const config = ctx.services[id];
      const definition = SERVICES[id];
      if (!config.enabled || id === 'help') continue;
      const forStaff = definition.audience === 'staff' || definition.audience === 'approver';
      if (forStaff && !isStaff) continue;
      if (definition.audience === 'approver' && !staff?.mayApprove) continue;
      const [first, ...others] = config.keywords;
      if (!first) continue;
      const latin = others.find((k) => /^[a-z]+$/i.test(k));
      items.push(`${first}${latin ? `/${latin.toUpperCase()}` : ''}${definition.menuLabel.startsWith('+') ? definition.menuLabel : `：${definition.menuLabel}`}`);
    }
    const template = this.template(ctx, 'help', isStaff ? 'staff' : 'customer');
    return fitList(template, { 姓名: isStaff ? plain(staff.name) : '' }, '菜单', items, this.budget(ctx)).text;
  }

  // ---- staff ---------------------------------------------------------------

  private async stock(argument: string, staff: StaffMember, ctx: AskContext): Promise<Pick<Answer, 'outcome' | 'reply'>> {
    const query = argument.trim();
    if (!query) return { outcome: 'usage', reply: fitText(this.template(ctx, 'stock', 'usage'), {}, this.budget(ctx)) };
    const found = await this.products.search(query, 5);
    const budget = this.budget(ctx);
    if (found.matches.length === 0) return { outcome: 'answered', reply: fitText(this.template(ctx, 'stock', 'none'), { 关键词: plain(query).slice(0, 20) }, budget) };
    if (found.matches.length > 1) {
      const items = found.matches.map((m) => `${plain(m.name)}（${plain(m.code)}）`);
      const count = found.capped ? `${found.total}+` : String(found.total);
      return { outcome: 'answered', reply: fitList(this.template(ctx, 'stock', 'several'), { 数量: count, 关键词: plain(query).slice(0, 20) }, '列表', items, budget).text };
    }
    const product = found.matches[0]!;
    const rows = (await this.db('inventory as i')
      .leftJoin('stores as s', 's.code', 'i.store_code')
      .select('i.store_code', 's.name as store_name', 'i.quantity')
      .where('i.product_code', product.code)
      .modify((q) => {
        if (!staff.allStores) q.whereIn('i.store_code', staff.storeCodes);
      })
      .orderBy('i.store_code')
      .limit(200)) as Array<{ store_code: string; store_name: string | null; quantity: number }>;
    const values = { 商品: plain(product.name), 编码: plain(product.code), 条码: plain(product.barcode ?? '') };
    const suffix = await this.dataAge(ctx);
    if (rows.length === 0) return { outcome: 'answered', reply: fitText(this.template(ctx, 'stock', 'noStock'), values, budget, suffix) };
    const unit = plain(product.unit);
    const items = rows.map((r) => `${plain(r.store_name || r.store_code)}${quantity(Number(r.quantity))}${unit}`);
    return { outcome: 'answered', reply: fitList(this.template(ctx, 'stock', 'reply'), values, '库存', items, budget, suffix).text };
  }

  private async strategyList(staff: StaffMember, ctx: AskContext): Promise<Pick<Answer, 'outcome' | 'reply'>> {
    const storeCodes = staff.allStores ? ('all' as const) : staff.storeCodes;
    const [suggested, running] = await Promise.all([
      this.strategies().list({ states: ['suggested'], storeCodes, limit: 20 }),
      this.strategies().list({ states: ['approved', 'active'], storeCodes, limit: 20 }),
    ]);
    if (suggested.total + running.total === 0) return { outcome: 'answered', reply: fitText(this.template(ctx, 'strategies', 'none'), {}, this.budget(ctx)) };
    const items = [...suggested.items, ...running.items].map((s) => strategyLine(s, true));
    const values = { 待审批数: String(suggested.total), 进行中数: String(running.total) };
    return { outcome: 'answered', reply: fitList(this.template(ctx, 'strategies', 'reply'), values, '列表', items, this.budget(ctx)).text };
  }

  /** 同意 n / 拒绝 n: checks the store is the person's, then decides (only when acting for real). */
  private async decide(action: 'approve' | 'reject', argument: string, staff: StaffMember, ctx: AskContext, options: { act: () => Promise<boolean> }): Promise<Pick<Answer, 'outcome' | 'reply' | 'refusedReason'>> {
    const id = Number(argument);
    const command = action === 'approve' ? '同意' : '拒绝';
    const general = (key: string, values: Record<string, string>) => fitText(ctx.general[key] ?? '', { 指令: command, 编号: String(id), ...values }, this.budget(ctx));
    const failure = (error: unknown): Pick<Answer, 'outcome' | 'reply' | 'refusedReason'> | undefined => {
      if (!isAppError(error)) return undefined;
      if (error.code === 'STRATEGY_NOT_FOUND') return { outcome: 'answered', refusedReason: null, reply: general('strategyNotFound', {}) };
      if (error.code === 'STRATEGY_NOT_PENDING') return { outcome: 'answered', refusedReason: null, reply: general('strategyNotPending', { 状态: '' }) };
      if (error.code === 'STRATEGY_STORE_NOT_ALLOWED') return { outcome: 'refused', refusedReason: 'store-not-allowed', reply: general('strategyNotAllowed', {}) };
      return undefined;
    };
    let strategy: StrategyLine;
    try {
      strategy = await this.strategies().get(id);
    } catch (error) {
      const known = failure(error);
      if (known) return known;
      throw error;
    }
    if (!staff.allStores && (strategy.storeCode === null || !staff.storeCodes.includes(strategy.storeCode))) {
      return { outcome: 'refused', refusedReason: 'store-not-allowed', reply: general('strategyNotAllowed', {}) };
    }
    if (strategy.state !== 'suggested') {
      return { outcome: 'answered', refusedReason: null, reply: general('strategyNotPending', { 状态: STRATEGY_STATE_WORDS[strategy.state] ?? strategy.state }) };
    }
    let decided = strategy;
    if (await options.act()) {
      // The engine checks the stores too: a staff member decides only for their own.
      const by = { kind: 'staff' as const, staffId: staff.id, name: staff.name, mobile: staff.mobile, storeCodes: staff.allStores ? ('all' as const) : staff.storeCodes };
      try {
        decided = action === 'approve' ? await this.strategies().approve(id, by) : await this.strategies().reject(id, by, `短信拒绝（${staff.name}）`);
      } catch (error) {
        const known = failure(error);
        if (known) return known;
        throw error;
      }
    }
    const reply = fitText(this.template(ctx, action, 'reply'), { 编号: String(id), 策略: strategyLine(decided, false) }, this.budget(ctx));
    return { outcome: 'answered', refusedReason: null, reply };
  }

  // ---- data age ------------------------------------------------------------

  private async storeName(code: string): Promise<string | null> {
    const row = (await this.db('stores').select('name').where('code', code).first()) as { name: string } | undefined;
    return row?.name || null;
  }

  private lastSync: { at: number; value: Promise<{ connections: number; last: number | null }> } | undefined;

  /** The mirror's age changes with a sync: read it at most every few seconds, not for every answer. */
  private syncState(now: number): Promise<{ connections: number; last: number | null }> {
    if (!this.lastSync || now - this.lastSync.at > 5_000 || now < this.lastSync.at) {
      const value = (async () => {
        const row = (await this.db('store_connections').where('enabled', true).max({ last: 'last_sync_at' }).count({ n: '*' }).first()) as { last: number | string | null; n: number | string } | undefined;
        return { connections: Number(row?.n ?? 0), last: row?.last === null || row?.last === undefined ? null : Number(row.last) };
      })();
      this.lastSync = { at: now, value };
      value.catch(() => (this.lastSync = undefined));
    }
    return this.lastSync.value;
  }

  /** A sync ended: the next answer reads the new age. */
  forgetSyncState(): void {
    this.lastSync = undefined;
  }

  /** '（数据更新于 12月5日 14:30）' when the last sync is older than the setting; '' when fresh or no POS is connected. */
  private async dataAge(ctx: AskContext): Promise<string> {
    const state = await this.syncState(ctx.now);
    if (state.connections === 0) return '';
    if (state.last === null) return fill(ctx.general['neverSynced'] ?? '', {});
    const last = state.last;
    if (ctx.settings.staleAfterHours <= 0 || ctx.now - last <= ctx.settings.staleAfterHours * 3_600_000) return '';
    return fill(ctx.general['stale'] ?? '', { 更新时间: dateTimeText(ctx.timeZone, last) });
  }
}

/** '#12 促销 羊肉卷 人民路店' (with its reason when asked): one strategy in a list or a confirmation. */
function strategyLine(s: StrategyLine, withState: boolean): string {
  const kind = STRATEGY_KIND_WORDS[s.kind] ?? s.kind;
  const what = s.kind === 'promotion' && s.promotionText ? s.promotionText : (s.productName ?? '');
  const where = s.storeName ?? s.storeCode ?? '全部门店';
  const state = withState && s.state !== 'suggested' ? `[${STRATEGY_STATE_WORDS[s.state] ?? s.state}]` : '';
  // The reason in short: the list must leave room for the other strategies and the 同意/拒绝 hint.
  const why = s.reason.text.length > 18 ? `${s.reason.text.slice(0, 18)}…` : s.reason.text;
  const reason = withState && s.state === 'suggested' && why ? `（${why}）` : '';
  return plain(`#${s.id}${kind}${state} ${what} ${where}${reason}`.replace(/\s+/g, ' '));
}

/** '2026-12-31' → 12月31日, or 2027年3月31日 when not this year. */
function dateText(date: string, today: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${date.slice(0, 4) === today.slice(0, 4) ? '' : `${year}年`}${month}月${day}日`;
}

function wall(timeZone: string, at: number): Date {
  return new Date(at + zoneOffset(timeZone, at));
}

/** 12月5日, or 2025年12月5日 for another year. */
function dayText(timeZone: string, at: number, now: number): string {
  const d = wall(timeZone, at);
  const sameYear = d.getUTCFullYear() === wall(timeZone, now).getUTCFullYear();
  return `${sameYear ? '' : `${d.getUTCFullYear()}年`}${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

/** 12月5日 14:30 */
function dateTimeText(timeZone: string, at: number): string {
  const d = wall(timeZone, at);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

