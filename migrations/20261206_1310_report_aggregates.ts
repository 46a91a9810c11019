import type { Knex } from 'knex';

/**
 * Precomputed daily figures for the dashboard and the reports (a year of ten
 * million messages answers in milliseconds from them, not from the raw rows).
 *
 * message_daily: outbound messages per local day (the day a message was due to
 * go: its scheduled time, else when it was queued), member's store, modem,
 * category, source and who sent it ('' for none), with counts per status and
 * SMS parts. batch_totals: the same counts per batch and store (campaign and
 * survey results). inbound_daily: texts received per day, store and modem,
 * with the opt-outs (TD texts) and survey answers among them.
 *
 * They are derived data, kept by a roll-up (main/reports/rollup.ts) that
 * recomputes whole days and batches touched since its watermark; a day is
 * always replaced whole, so a crash mid-way or a run repeated changes nothing.
 * report_rollups holds each roll-up's watermark, the time zone its days were
 * cut in (a change rebuilds them) and the last nightly recompute.
 *
 * outbox_messages gets an index on updated_at (what changed since the
 * watermark) and on not_before (a scheduled message's day); inbox_messages
 * one on received_at (a day's texts).
 */
export async function up(knex: Knex): Promise<void> {
  const counts = (t: Knex.CreateTableBuilder) => {
    t.integer('messages').notNullable().defaultTo(0);
    t.integer('parts').notNullable().defaultTo(0);
    t.integer('parts_sent').notNullable().defaultTo(0);
    t.integer('waiting').notNullable().defaultTo(0);
    t.integer('sent').notNullable().defaultTo(0);
    t.integer('delivered').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.integer('blocked').notNullable().defaultTo(0);
    t.integer('expired').notNullable().defaultTo(0);
    t.integer('cancelled').notNullable().defaultTo(0);
    t.integer('unknown').notNullable().defaultTo(0);
  };
  await knex.schema.createTable('message_daily', (t) => {
    t.string('day', 10).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    t.string('category', 16).notNullable();
    t.string('source', 16).notNullable().defaultTo('');
    t.string('created_by', 64).notNullable().defaultTo('');
    counts(t);
    t.primary(['day', 'store_code', 'modem_id', 'category', 'source', 'created_by']);
  });
  await knex.schema.createTable('batch_totals', (t) => {
    t.string('batch_id', 64).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    counts(t);
    t.primary(['batch_id', 'store_code']);
  });
  await knex.schema.createTable('inbound_daily', (t) => {
    t.string('day', 10).notNullable();
    t.string('store_code', 32).notNullable().defaultTo('');
    t.string('modem_id', 64).notNullable().defaultTo('');
    t.integer('received').notNullable().defaultTo(0);
    t.integer('opt_outs').notNullable().defaultTo(0);
    t.integer('survey_answers').notNullable().defaultTo(0);
    t.integer('handled').notNullable().defaultTo(0);
    t.primary(['day', 'store_code', 'modem_id']);
  });
  await knex.schema.createTable('report_rollups', (t) => {
    t.string('name', 16).primary();
    t.bigInteger('watermark').notNullable().defaultTo(0);
    t.bigInteger('last_id').notNullable().defaultTo(0);
    t.string('time_zone', 64).notNullable().defaultTo('');
    t.bigInteger('last_run_at').nullable();
    t.string('nightly_day', 10).nullable();
  });
  await knex.schema.alterTable('outbox_messages', (t) => {
    t.index(['updated_at'], 'outbox_messages_updated_index');
    t.index(['not_before'], 'outbox_messages_not_before_index');
  });
  await knex.schema.alterTable('inbox_messages', (t) => {
    t.index(['received_at'], 'inbox_messages_received_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('inbox_messages', (t) => {
    t.dropIndex(['received_at'], 'inbox_messages_received_index');
  });
  await knex.schema.alterTable('outbox_messages', (t) => {
    t.dropIndex(['not_before'], 'outbox_messages_not_before_index');
    t.dropIndex(['updated_at'], 'outbox_messages_updated_index');
  });
  for (const table of ['report_rollups', 'inbound_daily', 'batch_totals', 'message_daily']) await knex.schema.dropTable(table);
}
