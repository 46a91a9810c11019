import type { Knex } from 'knex';

/**
 * The mail queue (邮件): every e-mail StoreMAS sends — a complaint's forward, the daily feedback
 * digest, survey reports, modem alerts — is a row before it is sent, so a mail server that is
 * down or refuses the login loses nothing: the worker retries with backoff and the row shows
 * the attempts and the last error. Recipients are copied in at enqueue (the settings of the day).
 *
 * mail_attachments: files sent with a mail (a report's XLSX), removed with their mail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_messages', (t) => {
    t.increments('id').primary();
    t.string('purpose', 24).notNullable();
    t.text('recipients').notNullable(); // JSON array of addresses
    t.string('subject', 300).notNullable();
    t.text('html').notNullable();
    t.text('text_body').nullable();
    // queued → sending → sent; failed once the attempts are used up; skipped when mail is off or nobody receives this purpose.
    t.string('status', 12).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').nullable();
    t.bigInteger('last_attempt_at').nullable();
    t.string('last_error_code', 40).nullable();
    t.text('last_error').nullable();
    // One digest per day, one alert per modem and hour …: a second enqueue with the key is ignored.
    t.string('dedupe_key', 120).nullable().unique();
    t.string('smtp_message_id', 255).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('sent_at').nullable();
    t.index(['status', 'next_attempt_at'], 'mail_messages_due');
    t.index(['created_at'], 'mail_messages_created');
  });
  await knex.schema.createTable('mail_attachments', (t) => {
    t.increments('id').primary();
    t.integer('mail_id').notNullable().references('id').inTable('mail_messages').onDelete('CASCADE');
    t.string('filename', 200).notNullable();
    t.string('content_type', 100).notNullable();
    t.binary('content').notNullable();
    t.index(['mail_id'], 'mail_attachments_mail');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('mail_attachments');
  await knex.schema.dropTableIfExists('mail_messages');
}
