import type { Knex } from 'knex';

/**
 * The durable outbox and inbox. The database is the state machine: a message is
 * a row before anything is sent, a part goes `sending` before its bytes go to a
 * modem, an inbound text is a committed row before the modem deletes it.
 *
 * outbox_messages: one row per recipient and text. `priority` (0 reply, 1 care /
 * transactional, 2 marketing) and `due_at` (not-before, retry backoff, quiet-hours
 * deferral in one column) order the claim index. `idempotency_key` is unique so a
 * campaign started twice cannot text a member twice.
 * outbox_parts: created when a message is first claimed (encoded once, never
 * re-encoded), each with its modem, MR and status-report outcome.
 * outbox_batches: a bulk send or campaign run, for progress and ETA.
 * status_reports: every report a modem delivered, matched to a part or not.
 * inbox_messages / conversations: inbound texts, grouped per number.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbox_batches', (t) => {
    t.string('id', 64).primary();
    t.string('label', 200).notNullable().defaultTo('');
    t.string('kind', 32).notNullable();
    t.integer('total').notNullable().defaultTo(0);
    t.integer('blocked').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
  });

  await knex.schema.createTable('outbox_messages', (t) => {
    t.increments('id').primary();
    t.string('recipient', 24).notNullable();
    t.text('text').notNullable();
    t.string('category', 16).notNullable();
    t.integer('priority').notNullable();
    t.string('status', 12).notNullable();
    t.string('blocked_rule', 24).nullable();
    t.string('error_code', 40).nullable();
    t.text('error_message').nullable();
    t.string('idempotency_key', 128).nullable().unique('outbox_messages_idempotency_unique');
    t.integer('member_id').nullable();
    t.string('batch_id', 64).nullable();
    t.string('source', 16).notNullable();
    t.string('pinned_modem', 64).nullable();
    t.string('reply_modem', 64).nullable();
    t.integer('in_reply_to').nullable();
    t.boolean('automatic').notNullable().defaultTo(false);
    t.integer('part_count').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('due_at').notNullable();
    t.bigInteger('not_before').nullable();
    t.bigInteger('not_after').nullable();
    t.string('modem_id', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.bigInteger('finished_at').nullable();
    t.string('resolution', 16).nullable();
    t.string('resolved_by', 64).nullable();
    t.bigInteger('resolved_at').nullable();
    t.integer('resent_as').nullable();
    t.index(['status', 'priority', 'due_at', 'id'], 'outbox_messages_claim_index');
    t.index(['recipient', 'created_at'], 'outbox_messages_recipient_index');
    t.index(['batch_id', 'status'], 'outbox_messages_batch_index');
    t.index(['created_at'], 'outbox_messages_created_index');
  });

  await knex.schema.createTable('outbox_parts', (t) => {
    t.increments('id').primary();
    t.integer('message_id').notNullable().references('id').inTable('outbox_messages').onDelete('CASCADE');
    t.integer('part_number').notNullable();
    t.integer('part_count').notNullable();
    t.text('pdu').notNullable();
    t.integer('tpdu_length').notNullable();
    t.string('status', 12).notNullable();
    t.string('modem_id', 64).nullable();
    t.integer('mr').nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('error_code', 40).nullable();
    t.text('error_message').nullable();
    t.bigInteger('sending_at').nullable();
    t.bigInteger('sent_at').nullable();
    t.integer('report_status').nullable();
    t.bigInteger('report_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['message_id', 'part_number'], { indexName: 'outbox_parts_message_part_unique' });
    t.index(['modem_id', 'mr', 'status'], 'outbox_parts_report_index');
    t.index(['status'], 'outbox_parts_status_index');
  });

  await knex.schema.createTable('status_reports', (t) => {
    t.increments('id').primary();
    t.string('modem_id', 64).notNullable();
    t.integer('mr').notNullable();
    t.string('recipient', 24).notNullable();
    t.integer('status').notNullable();
    t.string('outcome', 12).notNullable();
    t.string('detail', 200).notNullable().defaultTo('');
    t.bigInteger('discharge_at').nullable();
    t.bigInteger('received_at').notNullable();
    t.integer('part_id').nullable();
    t.index(['part_id'], 'status_reports_part_index');
  });

  await knex.schema.createTable('conversations', (t) => {
    t.increments('id').primary();
    t.string('number', 24).notNullable().unique('conversations_number_unique');
    t.integer('member_id').nullable();
    t.string('last_modem_id', 64).nullable();
    t.text('last_text').notNullable().defaultTo('');
    t.bigInteger('last_at').notNullable();
    t.integer('unhandled').notNullable().defaultTo(0);
    t.bigInteger('handled_at').nullable();
    t.string('handled_by', 64).nullable();
    t.index(['last_at'], 'conversations_last_at_index');
  });

  await knex.schema.createTable('inbox_messages', (t) => {
    t.increments('id').primary();
    t.integer('conversation_id').notNullable().references('id').inTable('conversations');
    t.string('sender', 24).notNullable();
    t.text('text').notNullable();
    t.string('modem_id', 64).notNullable();
    t.integer('member_id').nullable();
    t.bigInteger('sent_at').nullable();
    t.bigInteger('received_at').notNullable();
    t.boolean('partial').notNullable().defaultTo(false);
    t.string('dedupe_key', 160).notNullable().unique('inbox_messages_dedupe_unique');
    t.string('handled_by_rule', 32).nullable();
    t.bigInteger('processed_at').nullable();
    t.index(['conversation_id', 'received_at'], 'inbox_messages_conversation_index');
    t.index(['processed_at'], 'inbox_messages_processed_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('inbox_messages');
  await knex.schema.dropTable('conversations');
  await knex.schema.dropTable('status_reports');
  await knex.schema.dropTable('outbox_parts');
  await knex.schema.dropTable('outbox_messages');
  await knex.schema.dropTable('outbox_batches');
}
