import type { Knex } from 'knex';

/**
 * Black and white lists of numbers (黑白名单) and the template library (营销库).
 *
 * number_lists: one row per number and list; `scope` (all / marketing / inbound)
 * applies to the blacklist only. Numbers are E.164; the unique (list, mobile)
 * index is what bulk lookups at enqueue time read.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('number_lists', (t) => {
    t.increments('id').primary();
    t.string('list', 8).notNullable();
    t.string('mobile', 20).notNullable();
    t.string('scope', 16).notNullable().defaultTo('all');
    t.string('reason', 200).notNullable().defaultTo('');
    t.string('source', 16).notNullable().defaultTo('manual');
    t.bigInteger('expires_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.unique(['list', 'mobile'], { indexName: 'number_lists_list_mobile_unique' });
    t.index(['list', 'created_at'], 'number_lists_list_created_index');
  });

  await knex.schema.createTable('sms_templates', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable();
    t.string('category', 24).notNullable();
    t.string('message_category', 16).notNullable();
    t.text('body').notNullable();
    t.boolean('archived').notNullable().defaultTo(false);
    t.bigInteger('created_at').notNullable();
    t.string('created_by', 64).notNullable().defaultTo('');
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
    t.index(['category', 'archived'], 'sms_templates_category_index');
  });

  // A starting library so the Send page is useful on day one; stores edit or archive them.
  const now = Date.UTC(2026, 10, 22);
  const seed = (name: string, category: string, messageCategory: string, body: string) => ({
    name,
    category,
    message_category: messageCategory,
    body,
    archived: false,
    created_at: now,
    created_by: 'system',
    updated_at: now,
    updated_by: 'system',
  });
  await knex('sms_templates').insert([
    seed('春节祝福', 'holiday', 'care', '{称呼}：新春佳节，{门店}全体员工恭祝您和家人新年快乐、阖家幸福、万事如意！'),
    seed('中秋节优惠', 'holiday', 'marketing', '{称呼}：中秋将至，月饼、水果礼盒全场8.8折，会员再享双倍积分，活动至中秋当日。欢迎光临{门店}！'),
    seed('生日祝福', 'birthday', 'care', '{称呼}：今天是您的生日，{门店}祝您生日快乐、身体健康！生日当天凭会员卡到店可领取精美礼品一份。'),
    seed('生日电子券', 'birthday', 'marketing', '{称呼}：祝您生日快乐！您的会员卡{卡号}已收到一张20元生日电子券，满100元可用，7天内有效。'),
    seed('会员日折扣', 'member-offer', 'marketing', '{称呼}：本周六会员日，生鲜蔬果会员价低至7折，单笔满88元再减10元。{门店}期待您的光临！'),
    seed('新客首单优惠', 'non-member-offer', 'marketing', '您好！{门店}新客首单满50元减10元，办理会员卡即送200积分。地址详询门店服务台。'),
    seed('电子优惠券到账', 'e-coupon', 'marketing', '{称呼}：一张满100减15元电子优惠券已存入您的会员卡{卡号}，本月底前有效，结账时出示会员卡即可使用。'),
    seed('积分提醒', 'points', 'transactional', '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，积分年底清零，请及时使用。'),
    seed('满意度调查', 'survey', 'care', '{称呼}：感谢您光临{门店}！请回复数字为本次购物体验打分：1很满意 2满意 3一般 4不满意。'),
    seed('营业时间调整通知', 'notice', 'transactional', '{称呼}：{门店}自下周一起营业时间调整为8:00-22:00，给您带来的不便敬请谅解。'),
    seed('来信自动回复', 'auto-reply', 'reply', '您好，您的信息已收到，我们会尽快处理。如需帮助请致电门店服务台。'),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sms_templates');
  await knex.schema.dropTable('number_lists');
}
