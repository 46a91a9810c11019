import type { FileLanguage } from './words.js';
import type { Sheet, SheetColumn } from './xlsx.js';
import type { ColumnKind, ReportKind, ReportResult } from './reports.js';

/** Report tables as XLSX sheets: the same rows and totals the 报表 page shows, worded for the file. */
const HEADERS: Record<FileLanguage, Record<string, string>> = {
  'zh-CN': {
    group: '分组', messages: '短信条数', out: '已发出', partsSent: '计费条数', cost: '费用（元）', delivered: '已送达', failed: '失败', blocked: '被拦截',
    waiting: '待发送', pending: '待回执', unknown: '状态未知', deliveryRate: '送达率', failureRate: '失败率', label: '名称', kind: '类型', createdAt: '创建时间',
    createdBy: '创建人', state: '状态', invited: '邀请人数', responded: '参与人数', completed: '完成人数', responseRate: '参与率', completionRate: '完成率',
    meanRating: '平均满意度', nps: 'NPS', received: '收到', closed: '已关闭', overdue: '超时', optOuts: '退订', commercialOut: '营销/关怀短信', perThousand: '每千条退订', total: '合计',
  },
  en: {
    group: 'Group', messages: 'Messages', out: 'Sent out', partsSent: 'Billed parts', cost: 'Cost (CNY)', delivered: 'Delivered', failed: 'Failed', blocked: 'Blocked',
    waiting: 'Waiting', pending: 'Awaiting report', unknown: 'Unknown', deliveryRate: 'Delivery rate', failureRate: 'Failure rate', label: 'Name', kind: 'Kind', createdAt: 'Created',
    createdBy: 'Created by', state: 'State', invited: 'Invited', responded: 'Responded', completed: 'Completed', responseRate: 'Response rate', completionRate: 'Completion rate',
    meanRating: 'Mean satisfaction', nps: 'NPS', received: 'Received', closed: 'Closed', overdue: 'Overdue', optOuts: 'Opt-outs', commercialOut: 'Care/marketing texts', perThousand: 'Opt-outs per 1,000', total: 'Total',
  },
};

const TITLES: Record<FileLanguage, Record<ReportKind, string>> = {
  'zh-CN': { volume: '发送量与费用', delivery: '送达率', campaigns: '活动效果', surveys: '问卷结果', feedback: '投诉建议', 'opt-outs': '退订' },
  en: { volume: 'Volume and cost', delivery: 'Delivery', campaigns: 'Campaign results', surveys: 'Survey results', feedback: 'Feedback', 'opt-outs': 'Opt-outs' },
};

const FORMATS: Partial<Record<ColumnKind, string>> = { count: '#,##0', percent: '0.0%', money: '#,##0.00', number: '0.0' };

export function reportTitle(kind: ReportKind, language: FileLanguage): string {
  return TITLES[language][kind];
}

export function reportSheet(result: ReportResult, language: FileLanguage, formatTime: (ms: number) => string): Sheet {
  const words = HEADERS[language];
  const columns: SheetColumn[] = result.columns.map((c) => ({ header: words[c.key] ?? c.key, key: c.key, ...(FORMATS[c.kind] ? { numFmt: FORMATS[c.kind] } : {}) }));
  // Money is kept in 厘 (1/1000 yuan) in the report; the file shows yuan.
  const cell = (kind: ColumnKind, value: string | number | null) => (value === null ? null : kind === 'money' ? Number(value) / 1000 : kind === 'time' ? formatTime(Number(value)) : value);
  const rows = result.rows.map((row) => {
    const out: Record<string, string | number | null> = {};
    for (const c of result.columns) out[c.key] = cell(c.kind, row[c.key] ?? null);
    if (typeof row['groupLabel'] === 'string' && row['groupLabel']) out['group'] = `${row['groupLabel']} (${String(row['group'])})`;
    return out;
  });
  const totals: Record<string, string | number | null> = {};
  for (const c of result.columns) totals[c.key] = cell(c.kind, result.totals[c.key] ?? null);
  totals[result.columns[0]!.key] = words['total']!;
  const store = result.storeCode ? (language === 'en' ? `Store ${result.storeCode}` : `门店 ${result.storeCode}`) : language === 'en' ? 'All stores' : '全部门店';
  return { name: reportTitle(result.report, language), heading: [reportTitle(result.report, language), `${result.from} – ${result.to} · ${store}`], columns, rows: [...rows, totals] };
}
