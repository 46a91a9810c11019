import type { Knex } from 'knex';

/**
 * batch_totals per modem as well: a campaign's cost is its billed parts at the
 * price of the modem that sent them (a SIM on another plan has its own price),
 * the same figure the volume report adds up.
 *
 * batch_totals is derived data (main/reports/rollup.ts keeps it): the table is
 * made again with modem_id in its key, and the roll-up state is cleared so the
 * next run rebuilds every aggregate from the outbox (day by day, with progress).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.dropTable('batch_totals');
  await knex.schema.createTable('batch_totals', (t) => {
    t.string('batch_id', 64).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    for (const column of ['messages', 'parts', 'parts_sent', 'waiting', 'sent', 'delivered', 'failed', 'blocked', 'expired', 'cancelled', 'unknown']) {
      t.integer(column).notNullable().defaultTo(0);
    }
    t.primary(['batch_id', 'store_code', 'modem_id']);
  });
  await knex('report_rollups').delete();
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('batch_totals');
  await knex.schema.createTable('batch_totals', (t) => {
    t.string('batch_id', 64).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    for (const column of ['messages', 'parts', 'parts_sent', 'waiting', 'sent', 'delivered', 'failed', 'blocked', 'expired', 'cancelled', 'unknown']) {
      t.integer(column).notNullable().defaultTo(0);
    }
    t.primary(['batch_id', 'store_code']);
  });
  await knex('report_rollups').delete();
}
