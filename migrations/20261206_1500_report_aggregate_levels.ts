import type { Knex } from 'knex';

/**
 * The report aggregates in levels a year's report reads in milliseconds, and
 * a planned-time index the roll-up finds a day's messages with.
 *
 * message_day_totals: per local day, store and modem only (≤ stores × modems
 * rows a day) — the charts, the day/modem/store tables, the dashboard; with
 * commercial_out, the care and marketing texts that went out (the opt-out
 * rate's base). message_monthly: message_daily's rows summed per month — a
 * range's whole months come from here, its partial months from message_daily.
 * batch_totals per modem as well: a campaign's cost is its billed parts at the
 * price of the modem that sent them, as the volume report counts it.
 *
 * outbox_messages gets an index on its planned time, COALESCE(not_before,
 * created_at) — the day a message counts on; the not_before index (an earlier
 * way to the same rows: its "not_before IS NULL" half matched nearly every
 * row) goes.
 *
 * All of it is derived data (main/reports/rollup.ts keeps it): the roll-up
 * state is cleared, so the next run rebuilds every level from the outbox, day
 * by day, with progress.
 */
const COUNTS = ['messages', 'parts', 'parts_sent', 'waiting', 'sent', 'delivered', 'failed', 'blocked', 'expired', 'cancelled', 'unknown'];

function counts(t: Knex.CreateTableBuilder, extra: string[] = []): void {
  for (const column of [...COUNTS, ...extra]) t.integer(column).notNullable().defaultTo(0);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.dropTable('batch_totals');
  await knex.schema.createTable('batch_totals', (t) => {
    t.string('batch_id', 64).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    counts(t);
    t.primary(['batch_id', 'store_code', 'modem_id']);
  });
  await knex.schema.createTable('message_day_totals', (t) => {
    t.string('day', 10).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    counts(t, ['commercial_out']);
    t.primary(['day', 'store_code', 'modem_id']);
  });
  await knex.schema.createTable('message_monthly', (t) => {
    t.string('month', 7).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    t.string('category', 16).notNullable();
    t.string('source', 16).notNullable().defaultTo('');
    t.string('created_by', 64).notNullable().defaultTo('');
    counts(t);
    t.primary(['month', 'store_code', 'modem_id', 'category', 'source', 'created_by']);
  });
  await knex.schema.alterTable('outbox_messages', (t) => {
    t.dropIndex(['not_before'], 'outbox_messages_not_before_index');
  });
  await knex.raw('CREATE INDEX outbox_messages_planned_index ON outbox_messages ((COALESCE(not_before, created_at)))');
  await knex('message_daily').delete();
  await knex('inbound_daily').delete();
  await knex('report_rollups').delete();
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX outbox_messages_planned_index');
  await knex.schema.alterTable('outbox_messages', (t) => {
    t.index(['not_before'], 'outbox_messages_not_before_index');
  });
  await knex.schema.dropTable('message_monthly');
  await knex.schema.dropTable('message_day_totals');
  await knex.schema.dropTable('batch_totals');
  await knex.schema.createTable('batch_totals', (t) => {
    t.string('batch_id', 64).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    counts(t);
    t.primary(['batch_id', 'store_code']);
  });
  await knex('report_rollups').delete();
}
