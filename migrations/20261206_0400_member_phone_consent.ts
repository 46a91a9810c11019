import type { Knex } from 'knex';

/**
 * Members: a landline of its own, and marketing consent that a POS may supply.
 *
 * - `phone`: a landline (or service number) the POS holds for the member. Syncs
 *   used to store one in `mobile` ('+8675583021449'), which sending then refused;
 *   now the mobile stays empty and the number is kept here.
 * - `pos_marketing_consent`: the POS's own yes/no, when the mapping reads it
 *   (null: the POS does not say).
 * - (Who decided the consent in StoreMAS — staff, an SMS opt-out, an import — is
 *   `marketing_consent_source`, 20261206_0300: once set, the POS's value no longer
 *   changes it.)
 *
 * Members synced before this version may hold a landline or a mistyped number
 * as their mobile: their mappings start over, so the next sync reads every
 * member again under the new number rule (forward-only and engine-neutral: no
 * number parsing in SQL).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('members', (t) => {
    t.string('phone', 20).nullable();
    t.boolean('pos_marketing_consent').nullable();
  });
  await knex('store_mappings').where('entity', 'members').update({ watermark: null });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('members', (t) => {
    t.dropColumn('pos_marketing_consent');
    t.dropColumn('phone');
  });
}
