import type { Knex } from 'knex';

/**
 * The store-database mirror: connections to POS databases, their mappings,
 * sync runs, and the local copy of stores, products, stock and sales. Members
 * are mirrored into `members` (20261122_0300_members).
 *
 * Every mirrored row remembers the connection it came from, so delete
 * detection (a full key comparison) only ever touches that connection's rows.
 * Keys from a POS are prefixed with the connection's key_prefix ('' for the
 * first connection), so two POS databases cannot collide.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('store_connections', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('client', 16).notNullable(); // sqlite | mysql | pg | mssql
    // Host, port, database, user, file, timeouts: JSON without the password.
    t.text('settings').notNullable();
    // The password, sealed with AES-256-GCM (key file in the data dir).
    t.text('password_enc').nullable();
    t.string('key_prefix', 32).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    // Incremental sync every N minutes (0: only on demand).
    t.integer('schedule_minutes').notNullable().defaultTo(15);
    // Full key comparison (delete detection) every N hours (0: only on demand).
    t.integer('full_compare_hours').notNullable().defaultTo(24);
    t.bigInteger('last_sync_at').nullable();
    t.bigInteger('last_full_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('store_mappings', (t) => {
    t.increments('id').primary();
    t.integer('connection_id').notNullable().references('id').inTable('store_connections').onDelete('CASCADE');
    t.string('entity', 16).notNullable();
    t.text('definition').notNullable(); // JSON: source, fields, watermark, detectDeletes
    t.boolean('enabled').notNullable().defaultTo(true);
    // Highest watermark value committed to the mirror (text: a time or an id).
    t.string('watermark', 64).nullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['connection_id', 'entity']);
  });

  await knex.schema.createTable('sync_runs', (t) => {
    t.increments('id').primary();
    t.integer('connection_id').notNullable().references('id').inTable('store_connections').onDelete('CASCADE');
    t.string('mode', 16).notNullable(); // incremental | full
    t.string('trigger', 16).notNullable(); // manual | schedule | startup | cli
    t.string('state', 16).notNullable(); // running | finished | failed | cancelled
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.integer('duration_ms').nullable();
    t.integer('rows_read').notNullable().defaultTo(0);
    t.integer('rows_written').notNullable().defaultTo(0);
    t.integer('rows_deleted').notNullable().defaultTo(0);
    t.integer('rows_rejected').notNullable().defaultTo(0);
    t.string('error_code', 64).nullable();
    t.text('error_message').nullable();
    t.text('detail').nullable(); // JSON: per-entity counts, first rejected rows
    t.index(['connection_id', 'started_at']);
  });

  await knex.schema.createTable('stores', (t) => {
    t.increments('id').primary();
    t.integer('connection_id').nullable();
    t.string('code', 32).notNullable().unique();
    t.string('name', 64).notNullable().defaultTo('');
    t.string('address', 255).notNullable().defaultTo('');
    t.string('phone', 32).notNullable().defaultTo('');
    t.bigInteger('source_updated_at').nullable();
    t.bigInteger('deleted_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('products', (t) => {
    t.increments('id').primary();
    t.integer('connection_id').nullable();
    t.string('code', 64).notNullable().unique();
    t.string('barcode', 64).nullable();
    t.string('name', 128).notNullable().defaultTo('');
    t.string('category', 64).notNullable().defaultTo('');
    t.string('unit', 16).notNullable().defaultTo('');
    t.bigInteger('price_cents').nullable();
    t.bigInteger('source_updated_at').nullable();
    t.bigInteger('deleted_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['category']);
    t.index(['barcode']);
  });

  await knex.schema.createTable('inventory', (t) => {
    t.increments('id').primary();
    t.integer('connection_id').nullable();
    t.string('store_code', 32).notNullable();
    t.string('product_code', 64).notNullable();
    t.double('quantity').notNullable().defaultTo(0);
    t.bigInteger('source_updated_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['store_code', 'product_code']);
    // Low / high stock per store: a range on quantity within a store.
    t.index(['store_code', 'quantity']);
    t.index(['product_code']);
  });

  // A row per observed change: the quantity at time t is the latest row at or before t.
  await knex.schema.createTable('inventory_history', (t) => {
    t.bigIncrements('id').primary();
    t.string('store_code', 32).notNullable();
    t.string('product_code', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.double('quantity').notNullable();
    t.index(['store_code', 'product_code', 'at']);
    t.index(['at']);
  });

  await knex.schema.createTable('sales', (t) => {
    t.bigIncrements('id').primary();
    t.integer('connection_id').nullable();
    t.string('receipt_no', 64).notNullable().unique();
    t.string('store_code', 32).nullable();
    t.string('member_key', 64).nullable(); // members.source_key of the buyer
    t.integer('member_id').nullable();
    t.bigInteger('sold_at').notNullable();
    t.bigInteger('total_cents').notNullable().defaultTo(0);
    t.integer('points').nullable();
    t.bigInteger('source_updated_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['member_id', 'sold_at']);
    t.index(['member_key']);
    t.index(['store_code', 'sold_at']);
    t.index(['sold_at']);
  });

  await knex.schema.createTable('sale_lines', (t) => {
    t.bigIncrements('id').primary();
    t.integer('connection_id').nullable();
    t.string('receipt_no', 64).notNullable();
    t.integer('line_no').notNullable();
    t.string('product_code', 64).notNullable();
    t.double('quantity').notNullable().defaultTo(0);
    t.bigInteger('unit_price_cents').nullable();
    t.bigInteger('amount_cents').notNullable().defaultTo(0);
    t.bigInteger('updated_at').notNullable();
    t.unique(['receipt_no', 'line_no']);
    t.index(['product_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['sale_lines', 'sales', 'inventory_history', 'inventory', 'products', 'stores', 'sync_runs', 'store_mappings', 'store_connections']) {
    await knex.schema.dropTableIfExists(table);
  }
}
