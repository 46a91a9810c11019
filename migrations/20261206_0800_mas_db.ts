import type { Knex } from 'knex';

/**
 * The MAS database interface (MAS 数据库接口): StoreMAS stands in for the
 * operator's MAS server, serving api_mt_/api_mo_/api_rpt_<code> tables in a
 * MySQL/MariaDB database that the store's existing software writes to.
 *
 * mas_db_connection: the one MySQL/MariaDB server (password sealed), the TLS
 * mode, and the inbox cursor (the last inbound text looked at for api_mo).
 * mas_db_codes: one row per interface code (接口编码): category, default code
 * for replies, paused, poll interval, the reply encoding, and the table
 * generation — a recreated or truncated api_mt table starts a new generation,
 * so (code, generation, AUTO_SN) keys the outbox's idempotency.
 * mas_db_messages: one row per outbox message queued from an api_mt row, with
 * the SM_ID/SRC_ID to answer with; `reported_at` is set once its api_rpt row
 * is written; (recipient, created_at) routes replies to the code that last
 * texted the number.
 * mas_db_daily: per code and local day, rows taken, rejected, reports and
 * replies written (the integrations page).
 * mas_db_problems: recent rows refused and errors, per code, for the page.
 * outbox_messages.binary_payload: a binary message (MAS SM_TYPE 2) whose user
 * data is sent as given (JSON: dcs, pid, udhi, ud hex); null for text.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mas_db_connection', (t) => {
    t.integer('id').primary();
    t.string('host', 255).notNullable();
    t.integer('port').notNullable();
    t.string('user', 80).notNullable();
    t.text('password_enc').nullable();
    t.string('database', 64).notNullable();
    t.text('tls').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('inbox_cursor').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
  });

  await knex.schema.createTable('mas_db_codes', (t) => {
    t.string('code', 20).primary();
    t.string('label', 100).notNullable().defaultTo('');
    t.string('category', 16).notNullable();
    t.boolean('is_default').notNullable().defaultTo(false);
    t.boolean('paused').notNullable().defaultTo(false);
    t.integer('poll_interval_ms').notNullable().defaultTo(1000);
    t.string('reply_encoding', 16).notNullable().defaultTo('auto');
    t.string('detected_encoding', 16).nullable();
    t.integer('generation').notNullable().defaultTo(1);
    t.bigInteger('last_auto_sn').notNullable().defaultTo(0);
    t.string('table_created', 32).nullable();
    t.string('login_user', 80).nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('mas_db_messages', (t) => {
    t.integer('message_id').primary();
    t.string('code', 20).notNullable();
    t.integer('generation').notNullable();
    t.bigInteger('auto_sn').notNullable();
    t.bigInteger('sm_id').notNullable();
    t.bigInteger('src_id').notNullable();
    t.string('recipient', 24).notNullable();
    t.string('mobile', 32).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('reported_at').nullable();
    t.integer('rpt_code').nullable();
    t.index(['reported_at', 'message_id'], 'mas_db_messages_report_index');
    t.index(['recipient', 'created_at'], 'mas_db_messages_recipient_index');
  });

  await knex.schema.createTable('mas_db_daily', (t) => {
    t.string('code', 20).notNullable();
    t.string('day', 10).notNullable();
    t.integer('taken').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.integer('reports').notNullable().defaultTo(0);
    t.integer('replies').notNullable().defaultTo(0);
    t.primary(['code', 'day']);
  });

  await knex.schema.createTable('mas_db_problems', (t) => {
    t.increments('id').primary();
    t.string('code', 20).notNullable();
    t.bigInteger('at').notNullable();
    t.bigInteger('auto_sn').nullable();
    t.bigInteger('sm_id').nullable();
    t.string('problem', 40).notNullable();
    t.text('detail').notNullable();
    t.index(['code', 'at'], 'mas_db_problems_code_index');
  });

  await knex.schema.alterTable('outbox_messages', (t) => {
    t.text('binary_payload').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox_messages', (t) => {
    t.dropColumn('binary_payload');
  });
  await knex.schema.dropTable('mas_db_problems');
  await knex.schema.dropTable('mas_db_daily');
  await knex.schema.dropTable('mas_db_messages');
  await knex.schema.dropTable('mas_db_codes');
  await knex.schema.dropTable('mas_db_connection');
}
