import type { Knex } from 'knex';

/**
 * Parts of long inbound texts, kept until their message is whole (or the
 * reassembly window gives up on it). A part is a row here before the modem
 * deletes it from the SIM, so a long text never fills the SIM while it waits
 * for its siblings, and a restart forgets none of them. `part_key` is the
 * hash of the part's PDU: the same part read twice is one row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_parts', (t) => {
    t.increments('id').primary();
    t.string('modem_id', 64).notNullable();
    t.string('part_key', 64).notNullable();
    t.string('sender', 32).notNullable();
    t.integer('reference').notNullable();
    t.integer('total').notNullable();
    t.integer('sequence').notNullable();
    t.text('text').notNullable();
    t.text('pdu').notNullable();
    t.bigInteger('sent_at').notNullable();
    t.boolean('flash').notNullable().defaultTo(false);
    t.bigInteger('received_at').notNullable();
    t.unique(['modem_id', 'part_key'], { indexName: 'inbound_parts_modem_key_unique' });
    t.index(['modem_id', 'received_at'], 'inbound_parts_modem_received_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inbound_parts');
}
