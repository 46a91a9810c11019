import type { Knex } from 'knex';

/**
 * Sales per day, kept by the store sync, so the strategy engine reads a few
 * weeks of day totals instead of a year of sale lines.
 *
 * sales_daily: one row per (store, product, UTC day number = floor(sold_at /
 * 86,400,000)) with the units, the amount and the number of lines sold that day,
 * and the last sale time within it. Counted from lines whose receipt is in the
 * mirror with a store (what a join of sale_lines to sales gives).
 *
 * sales_last_sold: each (store, product)'s last sale time.
 *
 * The mirror's writer keeps both in the transaction that writes the sale lines
 * and receipts (main/store/sales-aggregate.ts); mirrors synced before this
 * version are counted here once (`storemas strategies rebuild-sales` recounts
 * at any time).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sales_daily', (t) => {
    t.string('store_code', 32).notNullable();
    t.string('product_code', 64).notNullable();
    t.integer('day').notNullable();
    t.double('quantity').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.integer('lines').notNullable();
    t.bigInteger('last_sold_at').notNullable();
    // A store's recent days (the engine's read) and the upsert's key.
    t.primary(['store_code', 'day', 'product_code']);
    // A product's days in a store (its last sale after one is taken away).
    t.index(['store_code', 'product_code', 'day']);
  });
  await knex.schema.createTable('sales_last_sold', (t) => {
    t.string('store_code', 32).notNullable();
    t.string('product_code', 64).notNullable();
    t.bigInteger('last_sold_at').notNullable();
    t.primary(['store_code', 'product_code']);
  });
  await knex.raw(
    `INSERT INTO sales_daily (store_code, product_code, day, quantity, amount_cents, lines, last_sold_at)
     SELECT s.store_code, l.product_code, s.sold_at / 86400000, SUM(l.quantity), SUM(l.amount_cents), COUNT(*), MAX(s.sold_at)
     FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
     WHERE s.store_code IS NOT NULL
     GROUP BY s.store_code, l.product_code, s.sold_at / 86400000`,
  );
  await knex.raw(
    `INSERT INTO sales_last_sold (store_code, product_code, last_sold_at)
     SELECT store_code, product_code, MAX(last_sold_at) FROM sales_daily GROUP BY store_code, product_code`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sales_last_sold');
  await knex.schema.dropTableIfExists('sales_daily');
}
