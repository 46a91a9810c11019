import type { Knex } from 'knex';

/**
 * Reports sent by e-mail on a schedule (报表定时发送), and the periodic
 * satisfaction report of the surveys (one schedule of report 'satisfaction').
 *
 * report_schedules: which report, its parameters (JSON: store filter …), the
 * cadence (daily, weekly on Monday, monthly on the 1st, at `hour` local time),
 * the mail purpose whose recipients get it ('reports', 'survey-reports'), and
 * the next run. report_runs: one row per period sent, written before the
 * report is made (a run left `pending` by a crash is retried at the next start),
 * with the mail's id or the error that stopped it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_schedules', (t) => {
    t.increments('id').primary();
    t.string('report', 24).notNullable();
    t.text('params').notNullable();
    t.string('cadence', 8).notNullable();
    t.integer('hour').notNullable().defaultTo(8);
    t.string('purpose', 24).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('next_run_at').notNullable();
    t.bigInteger('last_run_at').nullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['enabled', 'next_run_at'], 'report_schedules_due_index');
  });
  await knex.schema.createTable('report_runs', (t) => {
    t.increments('id').primary();
    t.integer('schedule_id').notNullable().references('id').inTable('report_schedules').onDelete('CASCADE');
    t.bigInteger('period_from').notNullable();
    t.bigInteger('period_to').notNullable();
    t.string('state', 8).notNullable();
    t.integer('mail_id').nullable();
    t.string('error_code', 40).nullable();
    t.text('error_message').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.unique(['schedule_id', 'period_from'], { indexName: 'report_runs_period_unique' });
    t.index(['state'], 'report_runs_state_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('report_runs');
  await knex.schema.dropTable('report_schedules');
}
