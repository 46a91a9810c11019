import type { Knex } from 'knex';

/**
 * The strategy engine (营销策略).
 *
 * strategy_rules: thresholds per scope — store ('' = all stores) × category
 * ('' = all) × product ('' = none). The most specific enabled rule applies to
 * a (store, product); the all/all/none rule is the default and cannot be
 * removed. '' rather than NULL so the scope can be unique on every engine.
 *
 * strategies: every suggestion and hand-typed promotion, kept after it ends
 * (history). An open one (suggested, approved, active) blocks an equal
 * suggestion (same store, product, kind); `open_key` makes that a unique index
 * so two recomputes cannot both insert one.
 *
 * strategy_runs: each recomputation, for the board's "last computed" line.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('strategy_rules', (t) => {
    t.increments('id').primary();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('category', 64).notNullable().defaultTo('');
    t.string('product_code', 64).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.integer('window_days').notNullable();
    t.integer('overstock_cover_days').nullable();
    t.double('max_stock').nullable();
    t.integer('low_cover_days').nullable();
    t.double('min_stock').nullable();
    t.integer('slow_days').nullable();
    t.integer('target_cover_days').notNullable();
    t.string('promotion_type', 16).notNullable();
    t.integer('min_discount_percent').notNullable();
    t.integer('max_discount_percent').notNullable();
    t.integer('buy_n').notNullable();
    t.integer('promotion_days').notNullable();
    t.integer('reject_cooldown_days').notNullable();
    t.boolean('fast_seller_enabled').notNullable().defaultTo(false);
    t.string('fast_seller_action', 24).notNullable();
    t.double('fast_min_daily_sales').notNullable();
    t.integer('fast_cover_days').notNullable();
    t.integer('price_rise_percent').notNullable();
    t.integer('limit_per_customer').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
    t.unique(['store_code', 'category', 'product_code'], { indexName: 'strategy_rules_scope_unique' });
  });

  await knex.schema.createTable('strategies', (t) => {
    t.increments('id').primary();
    t.string('kind', 24).notNullable();
    t.string('state', 16).notNullable();
    t.string('origin', 8).notNullable();
    t.string('store_code', 32).nullable();
    t.string('product_code', 64).nullable();
    t.string('product_name', 128).nullable();
    t.string('category', 64).nullable();
    // store|product|kind while open, NULL once ended or rejected (NULLs never collide).
    t.string('open_key', 200).nullable();
    t.string('reason_codes', 100).notNullable().defaultTo('');
    t.text('reason_text').notNullable().defaultTo('');
    t.text('figures').nullable(); // JSON ReasonFigures
    t.integer('discount_percent').nullable();
    t.integer('buy_n_get_one').nullable();
    t.double('restock_quantity').nullable();
    t.integer('limit_per_customer').nullable();
    t.integer('price_rise_percent').nullable();
    t.string('promotion_text', 200).nullable();
    // A hash of the suggestion's reason and action: a recompute rewrites only what changed.
    t.string('signature', 16).nullable();
    // What is at stake (stock value for a promotion, a day's sales for a restock): the board's order.
    t.double('priority').notNullable().defaultTo(0);
    t.integer('promotion_days').nullable();
    t.bigInteger('starts_at').nullable();
    t.bigInteger('ends_at').nullable();
    t.string('decided_by_kind', 8).nullable();
    t.string('decided_by_name', 64).nullable();
    t.integer('decided_by_user_id').nullable();
    t.integer('decided_by_staff_id').nullable();
    t.bigInteger('decided_at').nullable();
    t.string('decision_note', 200).nullable();
    t.string('ended_reason', 24).nullable();
    t.bigInteger('ended_at').nullable();
    t.string('push_batch_id', 64).nullable();
    t.bigInteger('pushed_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['open_key'], { indexName: 'strategies_open_key_unique' });
    t.index(['state', 'priority'], 'strategies_state_priority_index');
    // A store's open suggestions (each recompute) and its recent rejections (the cool-down).
    t.index(['store_code', 'state'], 'strategies_store_state_index');
  });

  await knex.schema.createTable('strategy_runs', (t) => {
    t.increments('id').primary();
    t.string('trigger', 16).notNullable();
    t.string('state', 16).notNullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.text('summary').nullable(); // JSON RecomputeSummary
  });

  // The default rule: every store, every category. Stores tune it or add narrower rules.
  const now = Date.UTC(2026, 11, 6);
  await knex('strategy_rules').insert({
    store_code: '',
    category: '',
    product_code: '',
    enabled: true,
    window_days: 28,
    overstock_cover_days: 90,
    max_stock: null,
    low_cover_days: 7,
    min_stock: 3,
    slow_days: 45,
    target_cover_days: 21,
    promotion_type: 'discount',
    min_discount_percent: 10,
    max_discount_percent: 30,
    buy_n: 2,
    promotion_days: 14,
    reject_cooldown_days: 14,
    fast_seller_enabled: false,
    fast_seller_action: 'limit-per-customer',
    fast_min_daily_sales: 10,
    fast_cover_days: 3,
    price_rise_percent: 5,
    limit_per_customer: 2,
    created_at: now,
    updated_at: now,
    updated_by: 'system',
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('strategy_runs');
  await knex.schema.dropTableIfExists('strategies');
  await knex.schema.dropTableIfExists('strategy_rules');
}
