import type { Knex } from 'knex';

/**
 * Member search on a million rows (measured by bench/members.ts): single-column
 * indexes made SQLite visit the table row for every candidate (1 s and more for
 * "women aged 25–40" or "lapsed big spenders"). These composite, covering
 * indexes let each common filter start from its leading columns and check the
 * others inside the index; counts never touch the table. All are partial
 * (deleted_at IS NULL): every search excludes members removed at the POS.
 * Plain SQL: partial indexes read the same on SQLite and PostgreSQL.
 */
const DROPPED = [
  'members_name_index',
  'members_store_code_index',
  'members_gender_index',
  'members_birthday_index',
  'members_birth_month_day_index',
  'members_points_index',
  'members_total_spent_index',
  'members_last_purchase_index',
];

const CREATED: Array<[name: string, columns: string]> = [
  // Everyone, newest first: (deleted_at IS NULL) as an equality, entries in id order.
  ['members_live_index', 'deleted_at'],
  // Name prefix (a range after the deleted_at equality) and name contains (a scan of this index, not the table).
  ['members_live_name_index', 'deleted_at, name'],
  // Gender and age (birthday range).
  ['members_segment_gender_index', 'gender, birthday, store_code, marketing_consent, last_purchase_at, total_spent_cents, points'],
  // Home store, then recency and value.
  ['members_segment_store_index', 'store_code, last_purchase_at, total_spent_cents, points, gender, birthday, marketing_consent'],
  // Birthday month/day ranges (birthday greetings).
  ['members_segment_birthday_index', 'birth_month, birth_day, store_code, gender, marketing_consent'],
  // Recency (bought lately / lapsed), then value.
  ['members_segment_recency_index', 'last_purchase_at, total_spent_cents, points, store_code, gender, birthday, marketing_consent'],
  // Points and total spent.
  ['members_segment_points_index', 'points, total_spent_cents, store_code, gender, marketing_consent'],
  ['members_segment_spent_index', 'total_spent_cents, last_purchase_at, points, store_code, gender, marketing_consent'],
];

export async function up(knex: Knex): Promise<void> {
  for (const name of DROPPED) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  for (const [name, columns] of CREATED) {
    // The live indexes hold deleted_at itself: listing everyone and name scans never read the table.
    const where = name.startsWith('members_live') ? '' : ' WHERE deleted_at IS NULL';
    await knex.raw(`CREATE INDEX ${name} ON members (${columns})${where}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of CREATED) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  await knex.schema.alterTable('members', (t) => {
    t.index(['name'], 'members_name_index');
    t.index(['store_code'], 'members_store_code_index');
    t.index(['gender'], 'members_gender_index');
    t.index(['birthday'], 'members_birthday_index');
    t.index(['birth_month', 'birth_day'], 'members_birth_month_day_index');
    t.index(['points'], 'members_points_index');
    t.index(['total_spent_cents'], 'members_total_spent_index');
    t.index(['last_purchase_at'], 'members_last_purchase_index');
  });
}
