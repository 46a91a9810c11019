import type { Knex } from 'knex';

/**
 * Batches become first-class: every send is one (outbox_batches, already
 * holding id, label, kind, counts and who made it), now with a state an
 * operator changes — active, paused, cancelled — and who changed it when.
 * "completed" is derived (nothing left to send), not stored. The campaigns
 * feature builds on this: a campaign run is a batch with an audience.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox_batches', (t) => {
    t.string('state', 12).notNullable().defaultTo('active');
    t.bigInteger('state_changed_at').nullable();
    t.string('state_changed_by', 64).nullable();
    t.index(['created_at'], 'outbox_batches_created_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox_batches', (t) => {
    t.dropIndex(['created_at'], 'outbox_batches_created_index');
    t.dropColumn('state_changed_by');
    t.dropColumn('state_changed_at');
    t.dropColumn('state');
  });
}
