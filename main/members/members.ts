import type { Knex } from 'knex';
import type { MemberCreateInput, MemberDetail, MemberSearchResult, MemberSummary, MemberUpdateInput, Purchase, PurchasesResult } from '../api/schemas/members.js';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { AppError, NotFoundError } from '../errors.js';
import { consentColumns, recordConsentEvents, type ConsentSource } from './consent.js';
import { applyMemberFilter, applyMemberSort, checkMemberFilter, localDate, type MemberFilter, type MemberSort } from './filter.js';
import { decryptIdNumber, encryptIdNumber, maskIdNumber } from './id-number.js';
import { ageOn, checkProfile, type CheckedProfile, type FieldProblem } from './profile.js';

/** A members row as the database returns it (bigints may come back as strings on PostgreSQL). */
export interface MemberRow {
  id: number;
  source: 'pos' | 'manual' | 'import';
  source_key: string | null;
  store_code: string | null;
  card_no: string | null;
  name: string;
  gender: 'M' | 'F' | 'U';
  birthday: string | null;
  birthday_lunar: number | boolean;
  birth_month: number | null;
  birth_day: number | null;
  id_number_enc: string | null;
  id_number_last4: string | null;
  mobile: string | null;
  phone: string | null;
  last_purchase_at: number | string | null;
  last_purchase_cents: number | string | null;
  total_spent_cents: number | string;
  points: number;
  marketing_consent: number | boolean;
  marketing_consent_source: string | null;
  marketing_consent_at: number | string | null;
  notes: string;
  created_at: number | string;
  updated_at: number | string;
  source_updated_at: number | string | null;
  deleted_at: number | string | null;
}

/** Columns the list needs: the encrypted ID number and notes stay in the table. */
const SUMMARY_COLUMNS = [
  'members.id',
  'members.source',
  'members.store_code',
  'members.card_no',
  'members.name',
  'members.gender',
  'members.birthday',
  'members.birthday_lunar',
  'members.id_number_last4',
  'members.mobile',
  'members.points',
  'members.total_spent_cents',
  'members.last_purchase_at',
  'members.last_purchase_cents',
  'members.marketing_consent',
];

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Counting stops here: the list shows "10,000+" rather than scanning every match. */
export const SEARCH_COUNT_CAP = 10_000;

export interface SearchOptions {
  filter?: MemberFilter | undefined;
  sort?: MemberSort | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

export class MemberProfileError extends AppError {
  constructor(problems: FieldProblem[]) {
    super('MEMBER_INVALID', problems.map((p) => `${p.field}: ${p.message}`).join(' '), 400, { problems });
  }
}

/**
 * Members (会员): search, detail, purchases, adding and changing. Mirrored
 * members (source 'pos') get their profile from the POS; here only their
 * StoreMAS-only fields (tags, consent, notes) change.
 */
export class Members {
  #mirrorTables: Promise<boolean> | undefined;
  #statisticsCheckedAt: number | undefined;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly secrets: SecretBox,
  ) {}

  today(): string {
    return localDate(this.clock.now());
  }

  /** The search query without paging or columns: export and audiences build on it. */
  filtered(filter: MemberFilter | undefined, trx: Knex = this.db): Knex.QueryBuilder {
    const qb = trx('members');
    if (filter) checkMemberFilter(filter);
    return applyMemberFilter(qb, filter ?? {}, { today: this.today() });
  }

  /**
   * One page of members and how many match. The count stops at SEARCH_COUNT_CAP
   * (the list shows "10,000+"): an exact count of a broad filter would scan the
   * whole table; count() gives the exact number when it matters (audiences).
   * The page is found in two steps: ids from the (covering) indexes first, then
   * only those rows are read.
   */
  async search(options: SearchOptions): Promise<MemberSearchResult> {
    const page = options.page ?? 1;
    const pageSize = options.pageSize ?? 50;
    await this.#ensurePlannerStatistics();
    const base = this.filtered(options.filter);
    const idRows: Array<{ id: number }> = await applyMemberSort(base.clone().select('members.id'), options.sort)
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    const ids = idRows.map((r) => r.id);
    // A first page that is not full already is the whole answer (a mobile or card look-up): no count needed.
    let matching = ids.length;
    if (page > 1 || ids.length === pageSize) {
      const [countRow] = await this.db
        .from(base.clone().select(this.db.raw('1')).limit(SEARCH_COUNT_CAP + 1).as('matching'))
        .count<Array<{ n: number | string }>>({ n: '*' });
      matching = Number(countRow?.n ?? 0);
    }
    const rows = ids.length === 0 ? [] : ((await this.db('members').select(SUMMARY_COLUMNS).whereIn('id', ids)) as MemberRow[]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ordered = ids.map((id) => byId.get(id)).filter((r): r is MemberRow => r !== undefined);
    return {
      items: await this.summaries(ordered),
      total: Math.min(matching, SEARCH_COUNT_CAP),
      totalExact: matching <= SEARCH_COUNT_CAP,
      page,
      pageSize,
    };
  }

  /** The exact number of members a filter matches (audience sizes, exports). */
  async count(filter: MemberFilter | undefined): Promise<number> {
    await this.#ensurePlannerStatistics();
    const [row] = await this.filtered(filter).count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /**
   * SQLite picks among the search indexes by their statistics; without them (or
   * with sampled ones) it guesses and can be a hundred times slower. A full
   * ANALYZE of the members table (about a second per million rows) runs when
   * the row count has moved by more than a tenth since the last one; the check
   * itself runs at most once a minute.
   */
  async #ensurePlannerStatistics(): Promise<void> {
    const now = this.clock.now();
    if (this.#statisticsCheckedAt !== undefined && now - this.#statisticsCheckedAt < 60_000) return;
    this.#statisticsCheckedAt = now;
    if (this.db.client.config.client !== 'sqlite3') return; // PostgreSQL's autovacuum analyses by itself
    const [countRow] = await this.db('members').count<Array<{ n: number | string }>>({ n: '*' });
    const rows = Number(countRow?.n ?? 0);
    const stat = (await this.db('sqlite_stat1').select('stat').where({ tbl: 'members' }).first().catch(() => undefined)) as
      | { stat: string }
      | undefined;
    const analysedRows = stat ? Number.parseInt(stat.stat, 10) : undefined;
    if (analysedRows !== undefined && Math.abs(rows - analysedRows) <= Math.max(1000, analysedRows / 10)) return;
    await this.db.raw('PRAGMA analysis_limit = 0');
    await this.db.raw('ANALYZE members');
    await this.db.raw('ANALYZE member_tags');
  }

  /** Makes the next search refresh the planner statistics (after a sync or an import changed many rows). */
  statisticsStale(): void {
    this.#statisticsCheckedAt = undefined;
  }

  /** Rows to list entries, with their tags in one query. */
  async summaries(rows: MemberRow[], trx: Knex = this.db): Promise<MemberSummary[]> {
    const tags = await this.tagsOf(
      rows.map((r) => r.id),
      trx,
    );
    const today = this.today();
    return rows.map((row) => summaryOf(row, tags.get(row.id) ?? [], today));
  }

  async tagsOf(ids: number[], trx: Knex = this.db): Promise<Map<number, string[]>> {
    const byMember = new Map<number, string[]>();
    if (ids.length === 0) return byMember;
    const rows: Array<{ member_id: number; tag: string }> = await trx('member_tags')
      .select('member_id', 'tag')
      .whereIn('member_id', ids)
      .orderBy(['member_id', 'tag']);
    for (const row of rows) {
      const list = byMember.get(row.member_id) ?? [];
      list.push(row.tag);
      byMember.set(row.member_id, list);
    }
    return byMember;
  }

  async get(id: number, options: { revealIdNumber: boolean }): Promise<MemberDetail> {
    const row = (await this.db('members').where({ id }).first()) as MemberRow | undefined;
    if (!row || row.deleted_at !== null) throw new NotFoundError(`Member #${id}`);
    const [summary] = await this.summaries([row]);
    let storeName: string | null = null;
    if (row.store_code && (await this.mirrorAvailable())) {
      const store = (await this.db('stores').select('name').where({ code: row.store_code }).first()) as { name: string } | undefined;
      storeName = store?.name ?? null;
    }
    return {
      ...summary!,
      sourceKey: row.source_key,
      phone: row.phone,
      storeName,
      marketingConsentSource: (row.marketing_consent_source ?? null) as ConsentSource | null,
      marketingConsentAt: num(row.marketing_consent_at ?? null),
      idNumber: options.revealIdNumber && row.id_number_enc ? decryptIdNumber(this.secrets, row.id_number_enc) : null,
      notes: row.notes,
      profileEditable: row.source !== 'pos',
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      sourceUpdatedAt: num(row.source_updated_at),
    };
  }

  /** Whether the store mirror's tables exist yet (they arrive with the store mirror migration). */
  async mirrorAvailable(trx: Knex = this.db): Promise<boolean> {
    // Inside a transaction the one SQLite connection is taken: ask through it.
    this.#mirrorTables ??= Promise.all([trx.schema.hasTable('sales'), trx.schema.hasTable('sale_lines'), trx.schema.hasTable('stores')]).then(
      (found) => found.every(Boolean),
    );
    return this.#mirrorTables;
  }

  /** A member's receipts, newest first, each with its lines. */
  async purchases(id: number, page = 1, pageSize = 20): Promise<PurchasesResult> {
    const member = (await this.db('members').select('id', 'source', 'source_key', 'deleted_at').where({ id }).first()) as
      | Pick<MemberRow, 'id' | 'source' | 'source_key' | 'deleted_at'>
      | undefined;
    if (!member || member.deleted_at !== null) throw new NotFoundError(`Member #${id}`);
    if (!(await this.mirrorAvailable())) return { items: [], total: 0, page, pageSize, mirrorAvailable: false };
    const base = this.db('sales').where((q) => {
      void q.where('sales.member_id', id);
      // A receipt synced before its member carries only the POS member key.
      if (member.source === 'pos' && member.source_key) {
        void q.orWhere((q2) => void q2.whereNull('sales.member_id').andWhere('sales.member_key', member.source_key));
      }
    });
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const sales: Array<{
      receipt_no: string;
      store_code: string | null;
      store_name: string | null;
      sold_at: number | string;
      total_cents: number | string;
      points: number | null;
    }> = await base
      .clone()
      .leftJoin('stores', 'stores.code', 'sales.store_code')
      .select('sales.receipt_no', 'sales.store_code', 'stores.name as store_name', 'sales.sold_at', 'sales.total_cents', 'sales.points')
      .orderBy('sales.sold_at', 'desc')
      .orderBy('sales.id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    const lines: Array<{
      receipt_no: string;
      line_no: number;
      product_code: string;
      product_name: string | null;
      quantity: number;
      unit_price_cents: number | string | null;
      amount_cents: number | string;
    }> =
      sales.length === 0
        ? []
        : await this.db('sale_lines')
            .leftJoin('products', 'products.code', 'sale_lines.product_code')
            .select(
              'sale_lines.receipt_no',
              'sale_lines.line_no',
              'sale_lines.product_code',
              'products.name as product_name',
              'sale_lines.quantity',
              'sale_lines.unit_price_cents',
              'sale_lines.amount_cents',
            )
            .whereIn(
              'sale_lines.receipt_no',
              sales.map((s) => s.receipt_no),
            )
            .orderBy(['sale_lines.receipt_no', 'sale_lines.line_no']);
    const byReceipt = new Map<string, Purchase['lines']>();
    for (const line of lines) {
      const list = byReceipt.get(line.receipt_no) ?? [];
      list.push({
        lineNo: line.line_no,
        productCode: line.product_code,
        productName: line.product_name,
        quantity: Number(line.quantity),
        unitPriceCents: num(line.unit_price_cents),
        amountCents: Number(line.amount_cents),
      });
      byReceipt.set(line.receipt_no, list);
    }
    return {
      items: sales.map((s) => ({
        receiptNo: s.receipt_no,
        storeCode: s.store_code,
        storeName: s.store_name,
        soldAt: Number(s.sold_at),
        totalCents: Number(s.total_cents),
        points: s.points,
        lines: byReceipt.get(s.receipt_no) ?? [],
      })),
      total: Number(countRow?.n ?? 0),
      page,
      pageSize,
      mirrorAvailable: true,
    };
  }

  /** Every tag in use, most used first (for the tag picker). */
  async tags(): Promise<Array<{ tag: string; count: number }>> {
    const rows = (await this.db('member_tags')
      .select('tag')
      .count({ n: '*' })
      .groupBy('tag')
      .orderBy([{ column: 'n', order: 'desc' }, { column: 'tag' }])
      .limit(500)) as Array<{ tag: string; n: number | string }>;
    return rows.map((r) => ({ tag: r.tag, count: Number(r.n) }));
  }

  /**
   * Problems with values that clash with other members: a mobile or card number
   * already in use, a store code the mirror does not know.
   */
  async clashes(values: CheckedProfile, exceptId: number | null, trx: Knex = this.db): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    for (const [field, column] of [
      ['mobile', 'mobile'],
      ['cardNo', 'card_no'],
    ] as const) {
      const value = values[field];
      if (!value) continue;
      const query = trx('members').select('id', 'name').where(column, value).whereNull('deleted_at');
      if (exceptId !== null) void query.whereNot('id', exceptId);
      const other = (await query.first()) as { id: number; name: string } | undefined;
      if (other) {
        problems.push({
          field,
          code: 'ALREADY_EXISTS',
          params: { id: other.id, name: other.name },
          message: `This ${field === 'mobile' ? 'mobile number' : 'card number'} already belongs to member #${other.id} (${other.name}); edit that member instead of adding a second one.`,
        });
      }
    }
    if (values.storeCode) {
      const unknown = await this.unknownStoreCodes([values.storeCode], trx);
      const message = unknown.get(values.storeCode);
      if (message) problems.push({ field: 'storeCode', code: 'STORE_UNKNOWN', message });
    }
    return problems;
  }

  /** Active members holding any of these mobiles / card numbers. */
  async existingByColumn(column: 'mobile' | 'card_no', values: string[]): Promise<Map<string, { id: number; name: string }>> {
    const rows: Array<{ id: number; name: string; value: string }> = await this.db('members')
      .select('id', 'name', `${column} as value`)
      .whereIn(column, values)
      .whereNull('deleted_at');
    return new Map(rows.map((r) => [r.value, { id: r.id, name: r.name }]));
  }

  /** Store codes the mirror does not know, each with what to write instead (none while the mirror has no stores). */
  async unknownStoreCodes(codes: string[], trx: Knex = this.db): Promise<Map<string, string>> {
    const unknown = new Map<string, string>();
    if (codes.length === 0 || !(await this.mirrorAvailable(trx))) return unknown;
    const stores: Array<{ code: string }> = await trx('stores').select('code').whereNull('deleted_at');
    if (stores.length === 0) return unknown;
    const known = new Set(stores.map((s) => s.code));
    const list = stores
      .slice(0, 10)
      .map((s) => s.code)
      .join(', ');
    for (const code of codes) if (!known.has(code)) unknown.set(code, `No store has the code "${code}"; use one of ${list}.`);
    return unknown;
  }

  transaction<T>(run: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(run);
  }

  /** Column values for a checked profile (ID number encrypted here and only here). */
  columnsOf(values: CheckedProfile): Record<string, unknown> {
    const columns: Record<string, unknown> = {};
    if (values.name !== undefined) columns.name = values.name;
    if (values.gender !== undefined) columns.gender = values.gender;
    if (values.birthday !== undefined) {
      columns.birthday = values.birthday;
      columns.birth_month = values.birthday ? Number(values.birthday.slice(5, 7)) : null;
      columns.birth_day = values.birthday ? Number(values.birthday.slice(8, 10)) : null;
    }
    if (values.birthdayLunar !== undefined) columns.birthday_lunar = values.birthdayLunar;
    if (values.mobile !== undefined) columns.mobile = values.mobile;
    if (values.cardNo !== undefined) columns.card_no = values.cardNo;
    if (values.storeCode !== undefined) columns.store_code = values.storeCode;
    if (values.idNumber !== undefined) {
      Object.assign(columns, values.idNumber ? encryptIdNumber(this.secrets, values.idNumber) : { id_number_enc: null, id_number_last4: null });
    }
    if (values.points !== undefined) columns.points = values.points;
    if (values.marketingConsent !== undefined) columns.marketing_consent = values.marketingConsent;
    if (values.notes !== undefined) columns.notes = values.notes;
    return columns;
  }

  /** Inserts a checked member with its tags; the caller holds the transaction and audits. */
  async insertChecked(trx: Knex, source: 'manual' | 'import', values: CheckedProfile, actor = 'system'): Promise<number> {
    const now = this.clock.now();
    const consent = values.marketingConsent === undefined ? {} : consentColumns(values.marketingConsent, source === 'import' ? 'import' : 'staff', now);
    const [inserted] = await trx('members')
      .insert({ source, ...this.columnsOf(values), ...consent, created_at: now, updated_at: now })
      .returning('id');
    const id = typeof inserted === 'object' ? Number((inserted as { id: number }).id) : Number(inserted);
    if (values.tags && values.tags.length > 0) await trx('member_tags').insert(values.tags.map((tag) => ({ member_id: id, tag })));
    if (values.marketingConsent !== undefined) {
      await recordConsentEvents(trx, [
        { memberId: id, mobile: values.mobile ?? null, topicId: null, granted: values.marketingConsent, source: source === 'import' ? 'import' : 'ui', actor, at: now },
      ]);
    }
    return id;
  }

  async create(actor: AuditActor, input: MemberCreateInput, options = { revealIdNumber: false }): Promise<MemberDetail> {
    const { values, problems } = checkProfile(input, this.today());
    if (problems.length > 0) throw new MemberProfileError(problems);
    const id = await this.db.transaction(async (trx) => {
      const clashes = await this.clashes(values, null, trx);
      if (clashes.length > 0) throw duplicate(clashes);
      const newId = await this.insertChecked(trx, 'manual', values, actor.username);
      await this.audit.record(actor, 'members.create', `member:${newId}`, { name: values.name, fields: Object.keys(values) }, trx);
      return newId;
    });
    return this.get(id, options);
  }

  async update(actor: AuditActor, id: number, input: MemberUpdateInput, options = { revealIdNumber: false }): Promise<MemberDetail> {
    const { values, problems } = checkProfile(input, this.today());
    if (problems.length > 0) throw new MemberProfileError(problems);
    await this.db.transaction(async (trx) => {
      const row = (await trx('members').select('id', 'source', 'deleted_at', 'marketing_consent', 'mobile').where({ id }).first()) as
        | Pick<MemberRow, 'id' | 'source' | 'deleted_at' | 'marketing_consent' | 'mobile'>
        | undefined;
      if (!row || row.deleted_at !== null) throw new NotFoundError(`Member #${id}`);
      const ownFields = new Set(['tags', 'marketingConsent', 'notes']);
      const profileFields = Object.keys(values).filter((f) => !ownFields.has(f));
      if (row.source === 'pos' && profileFields.length > 0) {
        throw new AppError(
          'MEMBER_PROFILE_FROM_POS',
          `This member comes from the store's POS, so ${profileFields.join(', ')} can only be changed there; here you can change tags, marketing consent and notes.`,
          400,
        );
      }
      const clashes = await this.clashes(values, id, trx);
      if (clashes.length > 0) throw duplicate(clashes);
      const now = this.clock.now();
      const columns = this.columnsOf(values);
      // A changed consent records who changed it (staff) and when, beside the value.
      if (values.marketingConsent !== undefined && values.marketingConsent !== Boolean(row.marketing_consent)) {
        Object.assign(columns, consentColumns(values.marketingConsent, 'staff', now));
        await recordConsentEvents(trx, [
          { memberId: id, mobile: values.mobile ?? row.mobile, topicId: null, granted: values.marketingConsent, source: 'ui', actor: actor.username, at: now },
        ]);
      }
      await trx('members')
        .where({ id })
        .update({ ...columns, updated_at: now });
      if (values.tags) {
        await trx('member_tags').where({ member_id: id }).delete();
        if (values.tags.length > 0) await trx('member_tags').insert(values.tags.map((tag) => ({ member_id: id, tag })));
      }
      // Field names only: values such as the ID number never go into the audit log.
      await this.audit.record(actor, 'members.update', `member:${id}`, { fields: Object.keys(values) }, trx);
    });
    return this.get(id, options);
  }
}

/** 409 with the clashing fields, so the form can name each in the UI language. */
function duplicate(problems: FieldProblem[]): AppError {
  return new AppError('MEMBER_DUPLICATE', problems.map((p) => p.message).join(' '), 409, { problems });
}

export function summaryOf(row: MemberRow, tags: string[], today: string): MemberSummary {
  return {
    id: row.id,
    source: row.source,
    storeCode: row.store_code,
    cardNo: row.card_no,
    name: row.name,
    gender: row.gender,
    birthday: row.birthday,
    birthdayLunar: Boolean(row.birthday_lunar),
    age: ageOn(row.birthday, today),
    mobile: row.mobile,
    idNumberMasked: maskIdNumber(row.id_number_last4),
    points: Number(row.points),
    totalSpentCents: Number(row.total_spent_cents),
    lastPurchaseAt: num(row.last_purchase_at),
    lastPurchaseCents: num(row.last_purchase_cents),
    marketingConsent: Boolean(row.marketing_consent),
    tags,
  };
}
