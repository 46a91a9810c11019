import type { Knex } from 'knex';

/**
 * Member care automations (会员关怀).
 *
 * care_automations: one per greeting or reminder the store sends by itself —
 * birthdays, each festival, the store's own dates (店庆), points reminders,
 * event invitations, welcome, win-back. `audience` is a MemberFilter (JSON),
 * `settings` the kind's own (festival, threshold, event …, JSON). All start off:
 * a new appliance connected to a store never texts members until someone
 * switches an automation on.
 *
 * care_runs: one per automation and send day that had an occasion: what went
 * into the outbox (the batch `care:<id>:<day>`). A run left 'running' by a stop
 * is run again at the next start; the outbox keys care:<id>:<member>:<occasion>
 * make that harmless.
 *
 * care_rsvps: replies to an invitation (回复1报名), one per number and event.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('care_automations', (t) => {
    t.increments('id').primary();
    t.string('kind', 16).notNullable();
    t.string('name', 64).notNullable();
    t.boolean('enabled').notNullable().defaultTo(false);
    t.text('text').notNullable();
    t.integer('template_id').nullable();
    t.string('send_time', 5).notNullable().defaultTo('09:00');
    t.integer('lead_days').notNullable().defaultTo(0);
    t.text('audience').notNullable();
    t.text('settings').notNullable();
    t.bigInteger('enabled_at').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 64).notNullable().defaultTo('');
    t.index(['kind'], 'care_automations_kind_index');
  });

  await knex.schema.createTable('care_runs', (t) => {
    t.increments('id').primary();
    t.integer('automation_id').notNullable().references('id').inTable('care_automations').onDelete('CASCADE');
    t.string('send_day', 10).notNullable();
    t.string('occasion_date', 10).notNullable();
    t.string('state', 12).notNullable(); // running | done | failed | cancelled
    t.string('trigger', 12).notNullable(); // schedule | catch-up
    t.string('batch_id', 64).notNullable();
    t.integer('total').notNullable().defaultTo(0);
    t.integer('queued').notNullable().defaultTo(0);
    t.integer('deferred').notNullable().defaultTo(0);
    t.integer('blocked').notNullable().defaultTo(0);
    t.integer('duplicates').notNullable().defaultTo(0);
    t.text('error').nullable();
    t.bigInteger('started_at').notNullable();
    t.bigInteger('finished_at').nullable();
    t.unique(['automation_id', 'send_day'], { indexName: 'care_runs_automation_day_unique' });
    t.index(['send_day'], 'care_runs_send_day_index');
  });

  await knex.schema.createTable('care_rsvps', (t) => {
    t.increments('id').primary();
    t.integer('automation_id').notNullable().references('id').inTable('care_automations').onDelete('CASCADE');
    t.string('occasion_date', 10).notNullable();
    t.string('mobile', 24).notNullable();
    t.integer('member_id').nullable();
    t.string('name', 64).notNullable().defaultTo('');
    t.string('state', 12).notNullable(); // accepted | full
    t.integer('inbox_id').notNullable();
    t.string('text', 160).notNullable().defaultTo('');
    t.bigInteger('replied_at').notNullable();
    t.unique(['automation_id', 'occasion_date', 'mobile'], { indexName: 'care_rsvps_event_mobile_unique' });
  });

  // The seeds' 节日问候、生日祝福、积分提醒、活动邀请, and welcome and win-back: all off.
  const now = Date.UTC(2026, 11, 6);
  const row = (kind: string, name: string, text: string, settings: Record<string, unknown>, extra: { audience?: Record<string, unknown>; lead?: number; sendTime?: string } = {}) => ({
    kind,
    name,
    enabled: false,
    text,
    template_id: null,
    send_time: extra.sendTime ?? '09:00',
    lead_days: extra.lead ?? 0,
    audience: JSON.stringify(extra.audience ?? {}),
    settings: JSON.stringify(settings),
    enabled_at: null,
    created_at: now,
    updated_at: now,
    updated_by: 'system',
  });
  const holiday = (festival: string, name: string, text: string, extra: { audience?: Record<string, unknown>; lead?: number } = {}) =>
    row('holiday', name, text, { festival }, extra);
  await knex('care_automations').insert([
    row('birthday', '生日祝福', '{称呼}：今天是您的生日，{门店}祝您生日快乐、身体健康！生日当天凭会员卡到店可领取精美礼品一份。', {}),
    holiday('new-year', '元旦问候', '{称呼}：新年新气象！{门店}祝您元旦快乐，新的一年平安顺遂。'),
    holiday('spring-festival', '春节祝福', '{称呼}：新春佳节，{门店}全体员工恭祝您和家人新年快乐、阖家幸福、万事如意！', { lead: 1 }),
    holiday('lantern', '元宵节问候', '{称呼}：元宵佳节，{门店}祝您阖家团圆、花好月圆！'),
    holiday('womens-day', '妇女节问候', '{称呼}：三八妇女节快乐！{门店}祝您美丽常在、幸福安康。', { audience: { genders: ['F'] } }),
    holiday('labour-day', '劳动节问候', '{称呼}：劳动节快乐！{门店}感谢您一直以来的支持，祝您假期愉快。'),
    holiday('dragon-boat', '端午节问候', '{称呼}：粽叶飘香，{门店}祝您端午安康！'),
    holiday('qixi', '七夕问候', '{称呼}：七夕佳节，{门店}祝您甜蜜幸福、有情人终成眷属。'),
    holiday('mid-autumn', '中秋节问候', '{称呼}：月圆人团圆，{门店}祝您中秋快乐、阖家幸福！'),
    holiday('national-day', '国庆节问候', '{称呼}：喜迎国庆，{门店}祝您国庆快乐、假期愉快！'),
    holiday('double-ninth', '重阳节问候', '{称呼}：九九重阳，{门店}祝您身体健康、福寿绵长！', { audience: { age: { min: 60 } } }),
    row('date', '店庆', '{称呼}：{门店}店庆啦！感谢您一路相伴，店庆期间会员购物享双倍积分。', { name: '店庆', month: 9, day: 18, lunar: false }),
    row('points', '积分提醒', '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，积分年底清零，请及时使用。', {
      mode: 'threshold',
      minPoints: 1000,
      period: 'quarter',
      expiry: { month: 12, day: 31 },
    }),
    row('invitation', '活动邀请', '{称呼}：{门店}诚邀您参加会员品鉴会，名额有限，回复1报名。', {
      eventName: '会员品鉴会',
      eventDate: null,
      place: '',
      keywords: ['1', '报名'],
      capacity: 50,
    }, { lead: 3 }),
    row('welcome', '新会员欢迎', '{称呼}：欢迎加入{门店}会员！凭会员卡购物可累积积分、享会员价。', {}, { sendTime: '10:00' }),
    row('winback', '老顾客召回', '{称呼}：好久不见，{门店}想念您！本周到店购物满50元送精美礼品一份。', { days: 90, maxDays: 180 }, { sendTime: '10:00' }),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('care_rsvps');
  await knex.schema.dropTableIfExists('care_runs');
  await knex.schema.dropTableIfExists('care_automations');
}
