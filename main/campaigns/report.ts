import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import type { CampaignReport } from '../api/schemas/campaigns.js';
import { localDate, zoneOffset } from '../messaging/policy/local-time.js';
import type { Campaigns } from './campaigns.js';
import { campaignEffect, type GroupOutcome, type Moments } from './effect.js';

const DAY = 86_400_000;
/** Opt-outs and replies count within this long after each message. */
const FOLLOW_UP_DAYS = 7;
const REACHED = ['sent', 'delivered'];

/**
 * The campaign report (live while it runs, kept after): what happened to
 * every message, who opted out or answered within 7 days, and the effect
 * measured in the POS mirror — target members a message reached against
 * hold-out members it could have reached (no rule would have blocked them):
 * who bought within N days after their message (the hold-out: after the run
 * started), and how much.
 */
export async function campaignReport(db: Knex, campaigns: Campaigns, id: number, timeZone: string, now: number): Promise<CampaignReport> {
  const { campaign, runs } = await campaigns.detail(id);
  const batchIds = runs.map((r) => r.batchId);
  const runIds = runs.map((r) => r.id);
  const days = campaign.effectDays;
  const windowMs = days * DAY;

  const statusRows: Array<{ status: string; blocked_rule: string | null; n: number | string }> =
    batchIds.length === 0
      ? []
      : await db('outbox_messages').select('status', 'blocked_rule').count({ n: '*' }).whereIn('batch_id', batchIds).groupBy('status', 'blocked_rule');
  const funnel = { audience: 0, holdout: 0, queued: 0, waiting: 0, sent: 0, delivered: 0, failed: 0, cancelled: 0, expired: 0, unknown: 0, blocked: {} as Record<string, number> };
  for (const row of statusRows) {
    const n = Number(row.n);
    funnel.queued += n;
    if (row.status === 'queued' || row.status === 'paused' || row.status === 'sending') funnel.waiting += n;
    else if (row.status === 'sent') funnel.sent += n;
    else if (row.status === 'delivered') {
      funnel.sent += n;
      funnel.delivered += n;
    } else if (row.status === 'failed') funnel.failed += n;
    else if (row.status === 'cancelled') funnel.cancelled += n;
    else if (row.status === 'expired') funnel.expired += n;
    else if (row.status === 'unknown') funnel.unknown += n;
    else if (row.status === 'blocked') {
      const rule = row.blocked_rule ?? 'other';
      funnel.blocked[rule] = (funnel.blocked[rule] ?? 0) + n;
    }
  }
  const holdoutRows: Array<{ eligible: number | string | null; n: number | string }> =
    runIds.length === 0 ? [] : await db('campaign_holdouts').whereIn('run_id', runIds).select(db.raw('CASE WHEN blocked_rule IS NULL THEN 1 ELSE 0 END AS eligible')).count({ n: '*' }).groupByRaw('CASE WHEN blocked_rule IS NULL THEN 1 ELSE 0 END');
  for (const row of holdoutRows) funnel.holdout += Number(row.n);
  funnel.audience = funnel.queued + funnel.holdout;

  const reached = () => db('outbox_messages as m').whereIn('m.batch_id', batchIds).whereIn('m.status', REACHED);
  const followUp = async (table: 'number_lists' | 'inbox_messages') => {
    if (batchIds.length === 0) return 0;
    const q = reached().whereExists((sub) => {
      if (table === 'number_lists') {
        void sub
          .select(db.raw('1'))
          .from('number_lists as l')
          .whereRaw('l.mobile = m.recipient')
          .andWhere('l.list', 'black')
          .andWhere('l.source', 'opt-out')
          .andWhereRaw('l.updated_at >= m.sent_at AND l.updated_at <= m.sent_at + ?', [FOLLOW_UP_DAYS * DAY]);
      } else {
        void sub
          .select(db.raw('1'))
          .from('inbox_messages as i')
          .whereRaw('i.sender = m.recipient')
          .andWhereRaw('i.received_at > m.sent_at AND i.received_at <= m.sent_at + ?', [FOLLOW_UP_DAYS * DAY]);
      }
    });
    const [row] = await q.countDistinct<Array<{ n: number | string }>>({ n: 'm.recipient' });
    return Number(row?.n ?? 0);
  };

  // Target: one unit per message that reached a member (a recurring campaign's member counts once per run).
  const target: GroupOutcome = { members: 0, buyers: 0, buyerSpend: { n: 0, sum: 0, sumSquares: 0 } };
  const holdout: GroupOutcome = { members: 0, buyers: 0, buyerSpend: { n: 0, sum: 0, sumSquares: 0 } };
  let lastSentAt = 0;
  if (batchIds.length > 0) {
    const [units] = (await reached().whereNotNull('m.member_id').count({ n: '*' }).max({ last: 'm.sent_at' })) as Array<{ n: number | string; last: number | string | null }>;
    target.members = Number(units?.n ?? 0);
    lastSentAt = Number(units?.last ?? 0);
    const buyers: Array<{ spend: number | string }> = await reached()
      .whereNotNull('m.member_id')
      .join('sales as s', 's.member_id', 'm.member_id')
      .whereRaw('s.sold_at > m.sent_at AND s.sold_at <= m.sent_at + ?', [windowMs])
      .groupBy('m.id')
      .select(db.raw('SUM(s.total_cents) AS spend'));
    addBuyers(target, buyers);
  }
  if (runIds.length > 0) {
    const eligible = () =>
      db('campaign_holdouts as h').join('campaign_runs as r', 'r.id', 'h.run_id').whereIn('h.run_id', runIds).whereNull('h.blocked_rule').whereNotNull('h.member_id');
    const [units] = await eligible().count<Array<{ n: number | string }>>({ n: '*' });
    holdout.members = Number(units?.n ?? 0);
    const buyers: Array<{ spend: number | string }> = await eligible()
      .join('sales as s', 's.member_id', 'h.member_id')
      .whereRaw('s.sold_at > r.started_at AND s.sold_at <= r.started_at + ?', [windowMs])
      .groupBy('h.run_id', 'h.number')
      .select(db.raw('SUM(s.total_cents) AS spend'));
    addBuyers(holdout, buyers);
  }
  const effect = campaignEffect(target, holdout);

  const sentPerDay: CampaignReport['sentPerDay'] = [];
  if (batchIds.length > 0) {
    const offset = zoneOffset(timeZone, now);
    const perDay: Array<{ day: number | string; status: string; n: number | string }> = await db('outbox_messages')
      .whereIn('batch_id', batchIds)
      .whereIn('status', REACHED)
      .whereNotNull('sent_at')
      .select(db.raw('(sent_at + ?) / ? AS day', [offset, DAY]), 'status')
      .count({ n: '*' })
      .groupByRaw('(sent_at + ?) / ?, status', [offset, DAY]);
    const byDay = new Map<number, { sent: number; delivered: number }>();
    for (const row of perDay) {
      const day = Number(row.day);
      const entry = byDay.get(day) ?? { sent: 0, delivered: 0 };
      entry.sent += Number(row.n);
      if (row.status === 'delivered') entry.delivered += Number(row.n);
      byDay.set(day, entry);
    }
    for (const [day, counts] of [...byDay.entries()].sort((a, b) => a[0] - b[0])) {
      sentPerDay.push({ date: localDate('UTC', day * DAY), ...counts });
    }
  }

  return {
    campaign,
    runs,
    funnel,
    optOuts: await followUp('number_lists'),
    replies: await followUp('inbox_messages'),
    effect: {
      days,
      final: funnel.waiting === 0 && !['scheduled', 'running', 'paused'].includes(campaign.state) && lastSentAt > 0 && now > lastSentAt + windowMs,
      target: effect.target,
      holdout: effect.holdout,
      responseUplift: effect.responseUplift,
      spendUplift: effect.spendUplift
        ? { difference: effect.spendUplift.difference, low: effect.spendUplift.low, high: effect.spendUplift.high, method: effect.spendUplift.method, degreesOfFreedom: effect.spendUplift.degreesOfFreedom }
        : null,
    },
    sentPerDay,
    generatedAt: now,
  };
}

function addBuyers(group: GroupOutcome, buyers: ReadonlyArray<{ spend: number | string }>): void {
  const moments: Moments = group.buyerSpend;
  for (const b of buyers) {
    const yuan = Number(b.spend) / 100;
    moments.sum += yuan;
    moments.sumSquares += yuan * yuan;
    moments.n += 1;
  }
  group.buyers = buyers.length;
}

const STATE_ZH: Record<string, string> = {
  draft: '草稿',
  pending_approval: '待审批',
  scheduled: '已排期',
  running: '发送中',
  paused: '已暂停',
  completed: '已完成',
  cancelled: '已取消',
};
const RULE_ZH: Record<string, string> = {
  consent: '未同意营销',
  'opt-out': '已退订',
  blacklist: '黑名单',
  whitelist: '不在白名单',
  'frequency-cap': '超过发送频次',
  'invalid-number': '号码无效',
  render: '缺少个性化字段',
  'quiet-hours': '免打扰时段',
};

/** The report as a workbook (概要, 每日发送, 运行): what a manager forwards to head office. */
export async function reportWorkbook(report: CampaignReport, timeZone: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'StoreMAS';
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
  const yuan = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const { campaign, funnel, effect } = report;

  const summary = workbook.addWorksheet('概要 Summary');
  summary.columns = [{ width: 30 }, { width: 40 }];
  const rows: Array<[string, string | number]> = [
    ['活动 Campaign', campaign.name],
    ['状态 State', `${STATE_ZH[campaign.state] ?? campaign.state} (${campaign.state})`],
    ['生成时间 Generated', new Date(report.generatedAt + zoneOffset(timeZone, report.generatedAt)).toISOString().slice(0, 16).replace('T', ' ')],
    ['受众 Audience', funnel.audience],
    ['对照组 Hold-out', funnel.holdout],
    ['已入队 Queued', funnel.queued],
    ['待发送 Waiting', funnel.waiting],
    ['已发送 Sent', funnel.sent],
    ['已送达 Delivered', funnel.delivered],
    ['失败 Failed', funnel.failed],
    ...Object.entries(funnel.blocked).map(([rule, n]): [string, number] => [`拦截：${RULE_ZH[rule] ?? rule} (${rule})`, n]),
    ['7天内退订 Opt-outs within 7 days', report.optOuts],
    ['7天内回复 Replies within 7 days', report.replies],
    [`效果窗口 Effect window (days)`, effect.days],
    ['目标组人数 Target members', effect.target.members],
    ['目标组购买人数 Target buyers', effect.target.buyers],
    ['目标组响应率 Target response rate', pct(effect.target.responseRate)],
    ['目标组人均消费(元) Target spend per member', yuan(effect.target.spendPerMember)],
    ['对照组人数 Hold-out members', effect.holdout.members],
    ['对照组购买人数 Hold-out buyers', effect.holdout.buyers],
    ['对照组响应率 Hold-out response rate', pct(effect.holdout.responseRate)],
    ['对照组人均消费(元) Hold-out spend per member', yuan(effect.holdout.spendPerMember)],
    [
      '响应率提升 Response uplift (95% CI, Newcombe)',
      effect.responseUplift ? `${pct(effect.responseUplift.difference)} [${pct(effect.responseUplift.low)}, ${pct(effect.responseUplift.high)}]` : '—',
    ],
    [
      '人均消费提升(元) Spend uplift (95% CI, Welch)',
      effect.spendUplift ? `${yuan(effect.spendUplift.difference)} [${yuan(effect.spendUplift.low)}, ${yuan(effect.spendUplift.high)}]` : '—',
    ],
    ['结果已定 Final', effect.final ? '是 yes' : '否 no (效果窗口未结束 window still open)'],
  ];
  for (const row of rows) summary.addRow(row);
  summary.getColumn(1).font = { bold: true };

  const perDay = workbook.addWorksheet('每日发送 Per day');
  perDay.columns = [
    { header: '日期 Date', key: 'date', width: 14 },
    { header: '已发送 Sent', key: 'sent', width: 14 },
    { header: '已送达 Delivered', key: 'delivered', width: 16 },
  ];
  for (const day of report.sentPerDay) perDay.addRow(day);

  const runs = workbook.addWorksheet('运行 Runs');
  runs.columns = [
    { header: '#', key: 'runNumber', width: 6 },
    { header: '状态 State', key: 'state', width: 12 },
    { header: '开始 Started', key: 'started', width: 20 },
    { header: '受众 Audience', key: 'audience', width: 12 },
    { header: '对照组 Hold-out', key: 'holdout', width: 14 },
    { header: '批次 Batch', key: 'batchId', width: 40 },
  ];
  for (const run of report.runs) {
    runs.addRow({ ...run, started: new Date(run.startedAt + zoneOffset(timeZone, run.startedAt)).toISOString().slice(0, 16).replace('T', ' ') });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
