import type { Knex } from 'knex';

/**
 * Integrations: programs that talk to StoreMAS, and what StoreMAS tells them.
 *
 * api_keys: one per integration; only the SHA-256 of the key is kept. Names are never
 * reused (the audit log names keys), so a revoked key keeps its row.
 * cloud_mas_accounts: 云MAS HTTP interface accounts (ecName + apId); the secret is sealed
 * with the secret box because the mac check needs it in the clear. Signs, templates and
 * allowed client addresses are small JSON lists.
 * cloud_mas_requests: every 云MAS submit, accepted (with its msgGroup = outbox batch) or
 * refused (with the rspcod), for the integrations page and for routing replies back.
 * webhooks: subscriptions to events, each with its own sealed signing secret.
 * deliveries: every push (云MAS status report or inbound text, webhook event) is a row
 * before it is sent; the worker retries it with backoff until the target accepts.
 * delivery_attempts: what each try got back (status, error, start of the answer).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id').primary();
    t.string('name', 48).notNullable().unique('api_keys_name_unique');
    t.string('prefix', 16).notNullable();
    t.string('token_hash', 64).notNullable().unique('api_keys_token_hash_unique');
    t.text('permissions').notNullable();
    t.text('allowed_addresses').notNullable();
    t.bigInteger('expires_at').nullable();
    t.bigInteger('revoked_at').nullable();
    t.string('revoked_by', 64).nullable();
    t.integer('created_by_user_id').nullable();
    t.string('created_by', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at').nullable();
    t.string('last_used_ip', 64).nullable();
  });

  await knex.schema.createTable('cloud_mas_accounts', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique('cloud_mas_accounts_name_unique');
    t.string('ec_name', 128).notNullable();
    t.string('ap_id', 64).notNullable();
    t.text('secret_sealed').notNullable();
    t.text('signs').notNullable();
    t.text('templates').notNullable();
    t.text('allowed_addresses').notNullable();
    t.string('category', 16).notNullable();
    t.string('report_url', 500).nullable();
    t.string('inbound_url', 500).nullable();
    t.boolean('inbound_all').notNullable().defaultTo(false);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('created_by', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['ec_name', 'ap_id'], { indexName: 'cloud_mas_accounts_login_unique' });
  });

  await knex.schema.createTable('cloud_mas_requests', (t) => {
    t.increments('id').primary();
    t.string('msg_group', 64).nullable().unique('cloud_mas_requests_msg_group_unique');
    t.integer('account_id').nullable();
    t.string('endpoint', 16).notNullable();
    t.string('rspcod', 24).notNullable();
    t.integer('mobiles').notNullable().defaultTo(0);
    t.string('add_serial', 20).notNullable().defaultTo('');
    t.string('client_ip', 64).notNullable();
    t.string('detail', 200).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.index(['account_id', 'id'], 'cloud_mas_requests_account_index');
    t.index(['created_at'], 'cloud_mas_requests_created_index');
  });

  await knex.schema.createTable('webhooks', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique('webhooks_name_unique');
    t.string('url', 500).notNullable();
    t.text('events').notNullable();
    t.text('secret_sealed').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('created_by', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.increments('id').primary();
    t.string('kind', 24).notNullable();
    t.integer('target_id').notNullable();
    t.string('event', 40).notNullable();
    t.string('dedupe_key', 128).notNullable().unique('deliveries_dedupe_unique');
    t.string('url', 500).notNullable();
    t.text('body').notNullable();
    t.string('status', 12).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.bigInteger('last_attempt_at').nullable();
    t.integer('last_status').nullable();
    t.string('last_error', 300).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('delivered_at').nullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['status', 'next_attempt_at'], 'deliveries_due_index');
    t.index(['kind', 'target_id', 'id'], 'deliveries_target_index');
    t.index(['created_at'], 'deliveries_created_index');
  });

  await knex.schema.createTable('delivery_attempts', (t) => {
    t.increments('id').primary();
    t.integer('delivery_id').notNullable().references('id').inTable('deliveries').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.bigInteger('at').notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('status_code').nullable();
    t.string('error', 300).nullable();
    t.string('response', 500).nullable();
    t.index(['delivery_id'], 'delivery_attempts_delivery_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_attempts');
  await knex.schema.dropTable('deliveries');
  await knex.schema.dropTable('webhooks');
  await knex.schema.dropTable('cloud_mas_requests');
  await knex.schema.dropTable('cloud_mas_accounts');
  await knex.schema.dropTable('api_keys');
}
