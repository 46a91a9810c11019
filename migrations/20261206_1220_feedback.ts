import type { Knex } from 'knex';

/**
 * Feedback and complaints (意见反馈).
 *
 * feedback_tickets: one per customer's feedback — from a text starting with a feedback keyword
 * (投诉, 建议 …) or turned into a ticket by staff. `number` is what the customer quotes
 * (FK20261206-0001). Kind: complaint, suggestion, praise, question; state: new → in-progress →
 * resolved → closed. `due_at` comes from the kind's SLA; overdue is computed against the clock.
 * The SMS thread is the conversation's texts (inbox_messages, outbox_messages by number).
 * satisfaction_state: none | asked | answered (the one-question check after resolution).
 *
 * feedback_events: the ticket's history — notes, state changes, assignments, texts sent.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feedback_tickets', (t) => {
    t.increments('id').primary();
    t.string('number', 24).notNullable().unique();
    t.string('kind', 12).notNullable();
    t.string('state', 12).notNullable();
    t.string('mobile', 24).notNullable();
    t.integer('member_id').nullable();
    t.integer('conversation_id').nullable();
    t.integer('inbox_id').nullable();
    t.string('modem_id', 64).nullable();
    t.text('text').notNullable();
    t.string('source', 8).notNullable(); // sms | ui
    t.integer('assignee_user_id').nullable();
    t.bigInteger('due_at').notNullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('last_customer_at').nullable();
    t.bigInteger('resolved_at').nullable();
    t.bigInteger('closed_at').nullable();
    t.text('resolution').nullable();
    t.integer('ack_message_id').nullable();
    t.integer('resolution_message_id').nullable();
    t.string('satisfaction_state', 12).notNullable().defaultTo('none');
    t.integer('satisfaction_score').nullable();
    t.bigInteger('satisfaction_asked_at').nullable();
    t.bigInteger('satisfaction_answered_at').nullable();
    t.bigInteger('blacklisted_at').nullable();
    t.index(['state', 'due_at'], 'feedback_tickets_open');
    t.index(['mobile', 'created_at'], 'feedback_tickets_mobile');
    t.index(['created_at'], 'feedback_tickets_created');
  });
  await knex.schema.createTable('feedback_events', (t) => {
    t.increments('id').primary();
    t.integer('ticket_id').notNullable().references('id').inTable('feedback_tickets');
    t.bigInteger('at').notNullable();
    t.string('actor', 64).notNullable();
    t.string('kind', 16).notNullable();
    t.text('text').nullable();
    t.text('detail').nullable(); // JSON
    t.index(['ticket_id', 'at'], 'feedback_events_ticket');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('feedback_events');
  await knex.schema.dropTableIfExists('feedback_tickets');
}
