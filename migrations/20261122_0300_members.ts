import type { Knex } from 'knex';

/**
 * Members (会员) and their StoreMAS-only tags. One table for every source: POS
 * mirror rows ('pos', keyed by the POS member id), members typed in by hand
 * ('manual') and imported ones ('import'). The sync owns the mirrored columns;
 * marketing_consent, notes and member_tags belong to StoreMAS and are never
 * overwritten by a sync.
 *
 * Indexes serve member search on a million rows: each single-column filter can
 * start from its own index, and name prefix search runs as a range on `name`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('members', (t) => {
    t.increments('id').primary();
    t.string('source', 16).notNullable();
    t.string('source_key', 64).nullable();
    t.string('store_code', 32).nullable();
    t.string('card_no', 32).nullable();
    t.string('name', 64).notNullable().defaultTo('');
    t.string('gender', 1).notNullable().defaultTo('U');
    t.string('birthday', 10).nullable();
    t.boolean('birthday_lunar').notNullable().defaultTo(false);
    t.integer('birth_month').nullable();
    t.integer('birth_day').nullable();
    t.text('id_number_enc').nullable();
    t.string('id_number_last4', 4).nullable();
    t.string('mobile', 20).nullable();
    t.bigInteger('last_purchase_at').nullable();
    t.bigInteger('last_purchase_cents').nullable();
    t.bigInteger('total_spent_cents').notNullable().defaultTo(0);
    t.integer('points').notNullable().defaultTo(0);
    t.boolean('marketing_consent').notNullable().defaultTo(true);
    t.text('notes').notNullable().defaultTo('');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('source_updated_at').nullable();
    t.bigInteger('deleted_at').nullable();
    t.unique(['source', 'source_key']);
    t.index(['card_no'], 'members_card_no_index');
    t.index(['mobile'], 'members_mobile_index');
    t.index(['name'], 'members_name_index');
    t.index(['store_code'], 'members_store_code_index');
    t.index(['gender'], 'members_gender_index');
    t.index(['birthday'], 'members_birthday_index');
    t.index(['birth_month', 'birth_day'], 'members_birth_month_day_index');
    t.index(['points'], 'members_points_index');
    t.index(['total_spent_cents'], 'members_total_spent_index');
    t.index(['last_purchase_at'], 'members_last_purchase_index');
  });

  await knex.schema.createTable('member_tags', (t) => {
    t.integer('member_id').notNullable().references('id').inTable('members').onDelete('CASCADE');
    t.string('tag', 32).notNullable();
    t.primary(['member_id', 'tag']);
    t.index(['tag', 'member_id'], 'member_tags_tag_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('member_tags');
  await knex.schema.dropTable('members');
}
