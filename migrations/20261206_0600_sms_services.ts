import type { Knex } from 'knex';

/**
 * SMS services (短信服务): customers and staff ask by text, StoreMAS answers
 * from the mirror.
 *
 * - `staff`: the staff directory (员工), separate from UI users: who may use the
 *   staff keywords (库存, 策略, 同意/拒绝) from which mobile, for which stores;
 *   an optional PIN (scrypt hash) as a second factor.
 * - `sms_services` / `sms_service_settings`: a manager's changes to the keyword
 *   table, reply templates and identity settings (defaults live in code; a row
 *   exists only once something was changed).
 * - `sms_query_log`: every text the services looked at (who, what, answer,
 *   refusal, time to answer); the lock-out and the help-once-a-day rule count here.
 * - `product_search` + `product_grams`: the 库存 product lookup, maintained after
 *   each sync: folded name (exact match by index), pinyin initials, and character
 *   bigrams of both as integers (contains-search through an index, never a scan).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff', (t) => {
    t.increments('id').primary();
    t.string('name', 32).notNullable();
    t.string('mobile', 20).notNullable().unique();
    t.string('role', 32).notNullable().defaultTo('');
    // Store codes the person may see (JSON array); all_stores: every store, present and future.
    t.text('store_codes').notNullable().defaultTo('[]');
    t.boolean('all_stores').notNullable().defaultTo(false);
    t.boolean('may_approve').notNullable().defaultTo(false);
    t.boolean('active').notNullable().defaultTo(true);
    t.string('pin_hash', 255).nullable();
    t.string('note', 200).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('deactivated_at').nullable();
  });

  await knex.schema.createTable('sms_services', (t) => {
    t.string('id', 32).primary();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('keywords').notNullable(); // JSON array
    t.text('templates').notNullable(); // JSON object: template key → text
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable();
  });

  await knex.schema.createTable('sms_service_settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable(); // JSON
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable();
  });

  await knex.schema.createTable('sms_query_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable();
    t.integer('inbox_id').nullable();
    t.string('sender', 24).notNullable();
    t.string('text', 500).notNullable();
    t.string('service', 32).nullable();
    t.string('argument', 100).nullable();
    t.integer('member_id').nullable();
    t.integer('staff_id').nullable();
    // answered | refused | not-member | several-members | usage | help | fallback-help | unknown | silent | locked-out | failed
    t.string('outcome', 24).notNullable();
    t.string('refused_reason', 32).nullable();
    t.text('reply').nullable();
    t.integer('reply_message_id').nullable();
    // The reply was written but not sent: auto-reply limit, blacklist …
    t.string('blocked_rule', 32).nullable();
    t.integer('elapsed_ms').notNullable().defaultTo(0);
    t.index(['at']);
    t.index(['sender', 'at']);
  });

  await knex.schema.createTable('product_search', (t) => {
    t.integer('product_id').primary();
    t.string('code', 64).notNullable();
    // The name as indexed: a changed name re-indexes, an unchanged one is skipped.
    t.string('name', 128).notNullable();
    t.string('folded', 128).notNullable();
    t.string('initials', 128).notNullable();
    t.index(['folded']);
  });

  await knex.schema.createTable('product_grams', (t) => {
    // (code point << 21 | next code point), initials in their own range (bit 42).
    t.bigInteger('gram').notNullable();
    t.integer('product_id').notNullable();
    t.primary(['gram', 'product_id']);
  });

  await knex.schema.createTable('product_search_state', (t) => {
    t.string('key', 16).primary();
    // Keyset position in products (updated_at, id) up to which the index is built.
    t.bigInteger('updated_at').notNullable();
    t.integer('product_id').notNullable();
  });

  // Changed products since the last index refresh, read in keyset order.
  await knex.schema.alterTable('products', (t) => {
    t.index(['updated_at', 'id'], 'products_updated_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('products', (t) => {
    t.dropIndex(['updated_at', 'id'], 'products_updated_index');
  });
  for (const table of ['product_search_state', 'product_grams', 'product_search', 'sms_query_log', 'sms_service_settings', 'sms_services', 'staff']) {
    await knex.schema.dropTableIfExists(table);
  }
}
