import type { Knex } from 'knex';

/**
 * Subscriptions (订阅) and the consent record.
 *
 * subscription_topics: what members subscribe to (促销信息, 新品, 电子杂志, 积分提醒 — editable).
 * `keyword` is what customers text after DY/TD (DY 促销); `keyword_key` its folded form, unique.
 * `role` marks the topic a feature relies on ('magazine': the 电子杂志 is sent to its subscribers).
 *
 * member_subscriptions: one row per member and topic once they chose (subscribed or not).
 *
 * consent_events: every consent change — general marketing consent (topic_id NULL) and per
 * topic — with time, source (sms, ui, import, pos, complaint) and the text that caused it, so a
 * store can show when and how a customer agreed (个人信息保护法). Append-only. A number that is no
 * member (a TD from a stranger) is recorded by its mobile with member_id NULL.
 *
 * magazine_issues: the 电子杂志, written by the store or assembled from active promotions; a
 * scheduled issue carries its period (2026-W49, 2026-12) so it is sent once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subscription_topics', (t) => {
    t.increments('id').primary();
    t.string('name', 40).notNullable();
    t.string('keyword', 16).notNullable();
    t.string('keyword_key', 16).notNullable().unique();
    t.string('description', 200).notNullable().defaultTo('');
    t.string('role', 16).nullable().unique();
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('sort_order').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('member_subscriptions', (t) => {
    t.integer('member_id').notNullable();
    t.integer('topic_id').notNullable().references('id').inTable('subscription_topics');
    t.boolean('subscribed').notNullable();
    t.string('source', 16).notNullable();
    t.bigInteger('changed_at').notNullable();
    t.primary(['member_id', 'topic_id']);
    t.index(['topic_id', 'subscribed', 'member_id'], 'member_subscriptions_topic');
  });
  await knex.schema.createTable('consent_events', (t) => {
    t.increments('id').primary();
    t.integer('member_id').nullable();
    t.string('mobile', 24).nullable();
    t.integer('topic_id').nullable();
    t.boolean('granted').notNullable();
    t.string('source', 16).notNullable();
    t.string('text', 500).nullable();
    t.integer('inbox_id').nullable();
    t.string('actor', 64).notNullable();
    t.bigInteger('at').notNullable();
    t.index(['member_id', 'at'], 'consent_events_member');
    t.index(['mobile', 'at'], 'consent_events_mobile');
  });
  await knex.schema.createTable('magazine_issues', (t) => {
    t.increments('id').primary();
    t.string('title', 60).notNullable();
    t.text('text').notNullable();
    t.string('content', 12).notNullable(); // written | promotions
    t.string('state', 12).notNullable(); // draft | sent
    t.string('period', 16).nullable().unique();
    t.string('batch_id', 36).nullable();
    t.integer('recipients').nullable();
    t.integer('queued').nullable();
    t.bigInteger('sent_at').nullable();
    t.string('sent_by', 64).nullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  const now = Date.now();
  await knex('subscription_topics').insert([
    { name: '促销信息', keyword: '促销', keyword_key: '促销', description: '特价、满减、会员日', role: null, sort_order: 1, created_at: now, updated_at: now },
    { name: '新品', keyword: '新品', keyword_key: '新品', description: '新品上架', role: null, sort_order: 2, created_at: now, updated_at: now },
    { name: '电子杂志', keyword: '杂志', keyword_key: '杂志', description: '每周/每月一期的门店电子杂志', role: 'magazine', sort_order: 3, created_at: now, updated_at: now },
    { name: '积分提醒', keyword: '积分', keyword_key: '积分', description: '积分到账、积分即将过期', role: null, sort_order: 4, created_at: now, updated_at: now },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('magazine_issues');
  await knex.schema.dropTableIfExists('consent_events');
  await knex.schema.dropTableIfExists('member_subscriptions');
  await knex.schema.dropTableIfExists('subscription_topics');
}
