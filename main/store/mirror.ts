import type { Knex } from 'knex';
import type { SecretBox } from '../crypto/secret-box.js';
import { encryptIdNumber } from '../members/id-number.js';
import type { Entity, MappingDefinition } from './mapping.js';
import { aggregateChanges, applyAggregateChanges, dayRowsLosing, receiptChanges, saleLineChanges, type LineChange } from './sales-aggregate.js';

/**
 * Writes converted rows into the local mirror tables. Every batch is one
 * upsert per table inside the caller's transaction, so a failed batch leaves
 * the mirror exactly as the last committed batch left it.
 *
 * Only the fields a mapping reads are written: what a mapping leaves out, and
 * StoreMAS-only member fields (notes, tags), are never overwritten.
 *
 * Marketing consent is StoreMAS's, unless the mapping reads it from the POS: then
 * the POS's yes or no is taken, except that StoreMAS's own word always wins — a
 * consent changed by a person in StoreMAS is kept, and a number that opted out in
 * StoreMAS (TD by SMS, an opt-out list entry) is never consented again by a sync.
 * A value the POS leaves empty or that the mapping does not know keeps the
 * member's consent as it is (new members: StoreMAS's default, yes).
 */
export interface MirrorConnection {
  id: number;
  keyPrefix: string;
}

interface TableSpec {
  table: string;
  conflict: readonly string[];
  /** SQL for columns that an upsert must not simply overwrite (default: `excluded.<column>`). */
  onConflict?: Readonly<Record<string, string>>;
  /** Database columns written for the mapped target fields. */
  columns(mapped: ReadonlySet<string>): string[];
  row(values: Record<string, unknown>, now: number, connection: MirrorConnection, secrets: SecretBox): Record<string, unknown>;
}

function pick(mapped: ReadonlySet<string>, names: readonly string[]): string[] {
  return names.filter((n) => mapped.has(n));
}

const TEXT_DEFAULT = (v: unknown) => (v === null || v === undefined ? '' : v);

const SPECS: Record<Entity, TableSpec> = {
  stores: {
    table: 'stores',
    conflict: ['code'],
    columns: (m) => ['connection_id', 'code', ...pick(m, ['name', 'address', 'phone', 'source_updated_at']), 'deleted_at', 'created_at', 'updated_at'],
    row: (v, now, c) => ({
      connection_id: c.id,
      code: v['code'],
      name: TEXT_DEFAULT(v['name']),
      address: TEXT_DEFAULT(v['address']),
      phone: TEXT_DEFAULT(v['phone']),
      source_updated_at: v['source_updated_at'],
      deleted_at: null,
      created_at: now,
      updated_at: now,
    }),
  },
  members: {
    table: 'members',
    conflict: ['source', 'source_key'],
    onConflict: {
      marketing_consent:
        "CASE WHEN members.marketing_consent_source IS NOT NULL OR excluded.pos_marketing_consent IS NULL THEN members.marketing_consent ELSE excluded.marketing_consent END",
    },
    columns: (m) => {
      const columns = ['source', 'source_key'];
      columns.push(
        ...pick(m, ['store_code', 'card_no', 'name', 'gender', 'birthday', 'birthday_lunar', 'mobile', 'last_purchase_at', 'last_purchase_cents', 'total_spent_cents', 'points', 'points_expire_on', 'points_expiring', 'source_updated_at']),
      );
      if (m.has('birthday')) columns.push('birth_month', 'birth_day');
      if (m.has('id_number')) columns.push('id_number_enc', 'id_number_last4');
      // A landline found in the mobile column goes to phone.
      if (m.has('mobile') || m.has('phone')) columns.push('phone');
      if (m.has('marketing_consent')) columns.push('pos_marketing_consent', 'marketing_consent');
      columns.push('deleted_at', 'created_at', 'updated_at');
      return columns;
    },
    row: (v, now, _c, secrets) => {
      const birthday = v['birthday'] as string | null;
      const idNumber = v['id_number'] as string | null;
      const sealed = idNumber ? encryptIdNumber(secrets, idNumber) : null;
      return {
        source: 'pos',
        source_key: v['source_key'],
        store_code: v['store_code'],
        card_no: v['card_no'],
        name: TEXT_DEFAULT(v['name']),
        gender: v['gender'] ?? 'U',
        birthday,
        birthday_lunar: v['birthday_lunar'] === true,
        birth_month: birthday ? Number(birthday.slice(5, 7)) : null,
        birth_day: birthday ? Number(birthday.slice(8, 10)) : null,
        id_number_enc: sealed?.id_number_enc ?? null,
        id_number_last4: sealed?.id_number_last4 ?? null,
        mobile: v['mobile'],
        phone: v['phone'] ?? null,
        pos_marketing_consent: v['marketing_consent'] ?? null,
        // What a new member gets; for existing ones see onConflict. Opt-outs are applied in write().
        marketing_consent: v['marketing_consent'] ?? true,
        last_purchase_at: v['last_purchase_at'],
        last_purchase_cents: v['last_purchase_cents'],
        total_spent_cents: v['total_spent_cents'] ?? 0,
        points: v['points'] ?? 0,
        points_expire_on: v['points_expire_on'] ?? null,
        points_expiring: v['points_expiring'] ?? null,
        source_updated_at: v['source_updated_at'],
        deleted_at: null,
        created_at: now,
        updated_at: now,
      };
    },
  },
  products: {
    table: 'products',
    conflict: ['code'],
    columns: (m) => ['connection_id', 'code', ...pick(m, ['barcode', 'name', 'category', 'unit', 'price_cents', 'source_updated_at']), 'deleted_at', 'created_at', 'updated_at'],
    row: (v, now, c) => ({
      connection_id: c.id,
      code: v['code'],
      barcode: v['barcode'],
      name: TEXT_DEFAULT(v['name']),
      category: TEXT_DEFAULT(v['category']),
      unit: TEXT_DEFAULT(v['unit']),
      price_cents: v['price_cents'],
      source_updated_at: v['source_updated_at'],
      deleted_at: null,
      created_at: now,
      updated_at: now,
    }),
  },
  inventory: {
    table: 'inventory',
    conflict: ['store_code', 'product_code'],
    columns: (m) => ['connection_id', 'store_code', 'product_code', 'quantity', ...pick(m, ['source_updated_at']), 'updated_at'],
    row: (v, now, c) => ({
      connection_id: c.id,
      store_code: v['store_code'],
      product_code: v['product_code'],
      quantity: v['quantity'],
      source_updated_at: v['source_updated_at'],
      updated_at: now,
    }),
  },
  sales: {
    table: 'sales',
    conflict: ['receipt_no'],
    columns: (m) => ['connection_id', 'receipt_no', ...pick(m, ['store_code', 'member_key', 'points', 'source_updated_at']), 'sold_at', 'total_cents', 'updated_at'],
    row: (v, now, c) => ({
      connection_id: c.id,
      receipt_no: v['receipt_no'],
      store_code: v['store_code'],
      member_key: v['member_key'],
      sold_at: v['sold_at'],
      total_cents: v['total_cents'],
      points: v['points'],
      source_updated_at: v['source_updated_at'],
      updated_at: now,
    }),
  },
  sale_lines: {
    table: 'sale_lines',
    conflict: ['receipt_no', 'line_no'],
    columns: (m) => ['connection_id', 'receipt_no', 'line_no', 'product_code', 'quantity', ...pick(m, ['unit_price_cents']), 'amount_cents', 'updated_at'],
    row: (v, now, c) => ({
      connection_id: c.id,
      receipt_no: v['receipt_no'],
      line_no: v['line_no'],
      product_code: v['product_code'],
      quantity: v['quantity'],
      unit_price_cents: v['unit_price_cents'],
      amount_cents: v['amount_cents'],
      updated_at: now,
    }),
  },
};

/** Rows per INSERT statement: well under SQLite's 32766 bound parameters for the widest table. */
const ROWS_PER_STATEMENT = 400;

export class MirrorWriter {
  private readonly spec: TableSpec;
  private readonly columns: string[];
  private readonly head: string;
  private readonly tail: string;
  private readonly rowPlaceholder: string;
  private readonly consentMapped: boolean;

  constructor(
    readonly entity: Entity,
    mapping: MappingDefinition,
    private readonly connection: MirrorConnection,
    private readonly secrets: SecretBox,
  ) {
    this.spec = SPECS[entity];
    this.columns = this.spec.columns(new Set(Object.keys(mapping.fields)));
    const keep = new Set([...this.spec.conflict, 'created_at']);
    const updates = this.columns.filter((c) => !keep.has(c)).map((c) => `"${c}" = ${this.spec.onConflict?.[c] ?? `excluded."${c}"`}`);
    this.consentMapped = entity === 'members' && this.columns.includes('marketing_consent');
    this.head = `INSERT INTO "${this.spec.table}" (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
    this.tail = ` ON CONFLICT (${this.spec.conflict.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
    this.rowPlaceholder = `(${this.columns.map(() => '?').join(', ')})`;
  }

  /**
   * Upserts a batch (and, for stock, records the changes in inventory_history;
   * for receipts and sale lines, keeps the sales aggregate in step).
   */
  async write(trx: Knex.Transaction, values: Array<Record<string, unknown>>, now: number): Promise<void> {
    if (values.length === 0) return;
    const rows = values.map((v) => this.spec.row(v, now, this.connection, this.secrets));
    if (this.entity === 'inventory') await this.recordStockChanges(trx, rows, now);
    let sold: LineChange[] | undefined;
    if (this.entity === 'sale_lines') sold = await saleLineChanges(trx, rows);
    if (this.entity === 'sales') sold = await receiptChanges(trx, rows, this.columns.includes('store_code'));
    if (this.consentMapped) {
      const optedOut = await optedOutAmong(trx, rows.map((r) => r['mobile']).filter((m): m is string => typeof m === 'string'), now);
      for (const row of rows) if (optedOut.has(row['mobile'] as string)) row['marketing_consent'] = false;
    }
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const bindings: unknown[] = [];
      for (const row of chunk) for (const column of this.columns) bindings.push(row[column] ?? null);
      const sql = this.head + new Array<string>(chunk.length).fill(this.rowPlaceholder).join(', ') + this.tail;
      await trx.raw(sql, bindings as Knex.RawBinding[]);
    }
    if (sold && sold.length > 0) await applyAggregateChanges(trx, aggregateChanges(sold));
  }

  /** Keeps rows the source still has but that failed to convert: they must not look deleted. */
  async touch(trx: Knex.Transaction, keys: Array<Record<string, unknown>>, now: number): Promise<void> {
    for (const key of keys) {
      const where: Record<string, unknown> = this.entity === 'members' ? { source: 'pos', source_key: key['source_key'] } : {};
      if (this.entity !== 'members') for (const column of this.spec.conflict) where[column] = key[column];
      if (Object.values(where).some((v) => v === null || v === undefined)) continue;
      await trx(this.spec.table).where(where).update({ updated_at: now });
    }
  }

  private async recordStockChanges(trx: Knex.Transaction, rows: Array<Record<string, unknown>>, now: number): Promise<void> {
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const bindings: unknown[] = [];
      for (const row of chunk) bindings.push(row['store_code'], row['product_code'], row['quantity'], row['source_updated_at'] ?? now);
      await trx.raw(
        `WITH v(store_code, product_code, quantity, at) AS (VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')})
         INSERT INTO inventory_history (store_code, product_code, at, quantity)
         SELECT v.store_code, v.product_code, v.at, v.quantity FROM v
         LEFT JOIN inventory i ON i.store_code = v.store_code AND i.product_code = v.product_code
         WHERE i.quantity IS NULL OR i.quantity <> v.quantity`,
        bindings as Knex.RawBinding[],
      );
    }
  }

  /**
   * After a complete full pass: rows of this connection the pass did not touch
   * (updated before it started) are gone at the source. Members and master
   * data are marked deleted; stock rows are removed (history records zero).
   */
  async markUnseen(trx: Knex.Transaction, passStartedAt: number, now: number): Promise<number> {
    const table = this.spec.table;
    if (this.entity === 'members') {
      const query = trx('members').where('source', 'pos').whereNull('deleted_at').where('updated_at', '<', passStartedAt);
      if (this.connection.keyPrefix) query.where('source_key', 'like', `${this.connection.keyPrefix}%`); // prefixes are digits and ':'
      else query.whereNot('source_key', 'like', '%:%');
      return query.update({ deleted_at: now, updated_at: now });
    }
    const stale = () => trx(table).where('connection_id', this.connection.id).where('updated_at', '<', passStartedAt);
    if (this.entity === 'stores' || this.entity === 'products') {
      return stale().whereNull('deleted_at').update({ deleted_at: now, updated_at: now });
    }
    if (this.entity === 'inventory') {
      await trx.raw(
        `INSERT INTO inventory_history (store_code, product_code, at, quantity)
         SELECT store_code, product_code, ?, 0 FROM inventory WHERE connection_id = ? AND updated_at < ? AND quantity <> 0`,
        [now, this.connection.id, passStartedAt],
      );
      return stale().delete();
    }
    if (this.entity === 'sales' || this.entity === 'sale_lines') {
      // The day totals these lines counted in are counted again once they are gone.
      const alias = this.entity === 'sales' ? 's' : 'l';
      const losing = await dayRowsLosing(trx, `${alias}.connection_id = ? AND ${alias}.updated_at < ?`, [this.connection.id, passStartedAt]);
      if (this.entity === 'sales') await trx('sale_lines').whereIn('receipt_no', stale().select('receipt_no')).delete();
      const deleted = await stale().delete();
      await applyAggregateChanges(trx, { increments: [], recount: losing });
      return deleted;
    }
    return stale().delete();
  }
}

/** The numbers among these that opted out in StoreMAS (TD by SMS or an opt-out entry on the blacklist). */
async function optedOutAmong(trx: Knex.Transaction, mobiles: string[], now: number): Promise<Set<string>> {
  const found = new Set<string>();
  const unique = [...new Set(mobiles)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = (await trx('number_lists')
      .select('mobile')
      .where({ list: 'black', source: 'opt-out' })
      .whereIn('mobile', unique.slice(i, i + 500))
      .andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now))) as Array<{ mobile: string }>;
    for (const row of rows) found.add(row.mobile);
  }
  return found;
}

/** Links receipts to mirrored members (the POS member id in sales.member_key). */
export async function linkSalesToMembers(db: Knex, connectionId: number): Promise<void> {
  await db.raw(
    `UPDATE sales SET member_id = (SELECT m.id FROM members m WHERE m.source = 'pos' AND m.source_key = sales.member_key)
     WHERE connection_id = ? AND member_key IS NOT NULL AND member_id IS NULL`,
    [connectionId],
  );
}
