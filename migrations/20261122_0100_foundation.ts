import type { Knex } from 'knex';

/**
 * Users, sessions, the audit log and settings. Times are epoch milliseconds in
 * bigint columns: portable between SQLite and PostgreSQL and free of time-zone
 * surprises. Booleans are booleans (0/1 in SQLite).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('display_name', 128).notNullable().defaultTo('');
    t.string('role', 16).notNullable();
    t.string('password_hash', 255).notNullable();
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.boolean('disabled').notNullable().defaultTo(false);
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.bigInteger('locked_until').nullable();
    t.bigInteger('last_login_at').nullable();
    t.bigInteger('password_changed_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('sessions', (t) => {
    // sha256 of the token: a copied database file holds no usable session.
    t.string('token_hash', 64).primary();
    t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('csrf_token', 64).notNullable();
    t.string('ip', 64).notNullable().defaultTo('');
    t.string('user_agent', 255).notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.index(['user_id']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('at').notNullable();
    t.integer('user_id').nullable();
    t.string('username', 64).notNullable().defaultTo('');
    t.string('action', 64).notNullable();
    t.string('target', 255).notNullable().defaultTo('');
    t.text('detail').nullable();
    t.string('ip', 64).notNullable().defaultTo('');
    t.index(['at']);
    t.index(['username', 'at']);
    t.index(['action', 'at']);
  });

  await knex.schema.createTable('settings', (t) => {
    t.string('key', 64).primary();
    t.text('value').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('users');
}
