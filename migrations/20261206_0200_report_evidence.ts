import type { Knex } from 'knex';

/**
 * Status reports as evidence for parts left `unknown` by a crash. A report
 * keeps the service centre's timestamp (when it took the part), and says
 * whether it resolved an unknown part by itself (`evidence = 'resolved'`).
 * When it fits several unknown parts, it resolves none: each of them is
 * listed in status_report_candidates, for the operator to see beside the
 * message.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('status_reports', (t) => {
    t.bigInteger('submitted_at').nullable();
    t.string('evidence', 12).nullable();
  });
  await knex.schema.createTable('status_report_candidates', (t) => {
    t.integer('report_id').notNullable().references('id').inTable('status_reports').onDelete('CASCADE');
    t.integer('part_id').notNullable().references('id').inTable('outbox_parts').onDelete('CASCADE');
    t.primary(['report_id', 'part_id']);
    t.index(['part_id'], 'status_report_candidates_part_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('status_report_candidates');
  await knex.schema.alterTable('status_reports', (t) => {
    t.dropColumn('evidence');
    t.dropColumn('submitted_at');
  });
}
