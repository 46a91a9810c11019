import type { Knex } from 'knex';

/**
 * Where a member's marketing consent came from and when it last changed, so
 * the member page can say "营销 = 否, 短信退订, 12-06 10:31" the moment a
 * customer texts TD. Sources: sms-opt-out, staff, import (null: as created).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('members', (t) => {
    t.string('marketing_consent_source', 16).nullable();
    t.bigInteger('marketing_consent_at').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('members', (t) => {
    t.dropColumn('marketing_consent_at');
    t.dropColumn('marketing_consent_source');
  });
}
