import type { Knex } from 'knex';

/**
 * Modems: each configured device with its own settings (port, baud, IMEI
 * binding, encrypted PIN, pacing and caps), its health samples (signal,
 * registration, state over time, for the chart) and hourly counters (sent,
 * failed, received, reports; also what restores the SIM caps after a restart).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('modems', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('kind', 16).notNullable(); // 'serial' | 'simulator'
    t.string('port_path', 255).nullable();
    t.integer('baud_rate').notNullable().defaultTo(115200);
    t.boolean('rtscts').notNullable().defaultTo(false);
    t.string('imei_binding', 20).nullable();
    // SecretBox ciphertext; null when the SIM has no PIN.
    t.text('pin_encrypted').nullable();
    t.integer('min_gap_ms').notNullable();
    t.integer('per_hour').notNullable();
    t.integer('per_day').notNullable();
    // JSON of the simulator's options for kind 'simulator' (personality, identity, latency …).
    t.text('simulator_options').nullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('modem_health', (t) => {
    t.bigIncrements('id').primary();
    t.integer('modem_id').notNullable().references('id').inTable('modems').onDelete('CASCADE');
    t.bigInteger('at').notNullable();
    t.string('state', 24).notNullable();
    t.integer('rssi').nullable();
    t.integer('dbm').nullable();
    t.integer('bars').nullable();
    t.string('registration', 24).nullable();
    t.string('operator', 64).nullable();
    t.string('reason', 255).nullable();
    t.index(['modem_id', 'at']);
  });

  await knex.schema.createTable('modem_counters', (t) => {
    t.integer('modem_id').notNullable().references('id').inTable('modems').onDelete('CASCADE');
    t.bigInteger('hour_start').notNullable();
    t.integer('sent').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.integer('received').notNullable().defaultTo(0);
    t.integer('reports').notNullable().defaultTo(0);
    t.primary(['modem_id', 'hour_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('modem_counters');
  await knex.schema.dropTable('modem_health');
  await knex.schema.dropTable('modems');
}
