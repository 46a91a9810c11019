import { escapeHtml } from '../mail/mail.js';
import type { FeedbackKind } from './settings.js';

/**
 * The mails feedback sends to managers — a new complaint's forward and the daily digest — in
 * the appliance's language (设置 › 语言). Pure: the caller gives the figures and local times.
 */
export type MailLanguage = 'zh-CN' | 'en';

const KIND = {
  'zh-CN': { complaint: '投诉', suggestion: '建议', praise: '表扬', question: '咨询' },
  en: { complaint: 'Complaint', suggestion: 'Suggestion', praise: 'Praise', question: 'Question' },
} as const;

const STATE = {
  'zh-CN': { new: '待处理', 'in-progress': '处理中', resolved: '已解决', closed: '已关闭' },
  en: { new: 'New', 'in-progress': 'In progress', resolved: 'Resolved', closed: 'Closed' },
} as const;

export interface TicketForMail {
  number: string;
  kind: FeedbackKind;
  state: keyof (typeof STATE)['en'];
  mobile: string;
  memberName: string | null;
  cardNo: string | null;
  text: string;
  /** Local times, already formatted (2026-12-06 10:31). */
  createdAt: string;
  dueAt: string;
  assignee: string | null;
}

const STYLE = {
  table: 'border-collapse:collapse;font-family:Arial,"Microsoft YaHei",sans-serif;font-size:14px',
  th: 'text-align:left;padding:6px 12px 6px 0;color:#555;vertical-align:top;white-space:nowrap',
  td: 'padding:6px 0;vertical-align:top',
  quote: 'white-space:pre-wrap;background:#f5f7fa;border-left:3px solid #d0d7e2;padding:8px 12px;margin:0',
  list: 'border-collapse:collapse;font-family:Arial,"Microsoft YaHei",sans-serif;font-size:13px',
  cell: 'border:1px solid #e0e4ea;padding:4px 8px;text-align:left',
};

function row(label: string, value: string): string {
  return `<tr><th style="${STYLE.th}">${escapeHtml(label)}</th><td style="${STYLE.td}">${value}</td></tr>`;
}

/** A new ticket (a complaint, by default) forwarded to the managers' mailboxes. */
export function ticketForwardMail(ticket: TicketForMail, storeName: string, lang: MailLanguage): { subject: string; html: string; text: string } {
  const zh = lang === 'zh-CN';
  const kind = KIND[lang][ticket.kind];
  const customer = ticket.memberName ? `${ticket.memberName} ${ticket.mobile}` : ticket.mobile;
  const subject = zh ? `【${kind}】${ticket.number} · ${customer} · ${storeName}` : `[${kind}] ${ticket.number} · ${customer} · ${storeName}`;
  const labels = zh
    ? { number: '编号', kind: '类型', at: '收到时间', customer: '顾客', card: '会员卡号', due: '处理时限', text: '内容', hint: '请在 StoreMAS › 意见反馈 中处理并回复顾客。' }
    : { number: 'Ticket', kind: 'Kind', at: 'Received', customer: 'Customer', card: 'Member card', due: 'Due by', text: 'Text', hint: 'Handle it and answer the customer in StoreMAS › Feedback.' };
  const html = [
    `<table style="${STYLE.table}">`,
    row(labels.number, `<strong>${escapeHtml(ticket.number)}</strong>`),
    row(labels.kind, escapeHtml(kind)),
    row(labels.at, escapeHtml(ticket.createdAt)),
    row(labels.customer, escapeHtml(customer)),
    ...(ticket.cardNo ? [row(labels.card, escapeHtml(ticket.cardNo))] : []),
    row(labels.due, escapeHtml(ticket.dueAt)),
    row(labels.text, `<p style="${STYLE.quote}">${escapeHtml(ticket.text)}</p>`),
    '</table>',
    `<p style="color:#777;font-size:12px">${escapeHtml(labels.hint)}</p>`,
  ].join('\n');
  const text = [
    `${labels.number}: ${ticket.number}`,
    `${labels.kind}: ${kind}`,
    `${labels.at}: ${ticket.createdAt}`,
    `${labels.customer}: ${customer}`,
    ...(ticket.cardNo ? [`${labels.card}: ${ticket.cardNo}`] : []),
    `${labels.due}: ${ticket.dueAt}`,
    `${labels.text}:`,
    ticket.text,
    '',
    labels.hint,
  ].join('\n');
  return { subject, html, text };
}

export interface DigestFigures {
  /** The local day summarised (yesterday), YYYY-MM-DD. */
  date: string;
  created: Record<FeedbackKind, number>;
  resolved: number;
  open: number;
  overdue: TicketForMail[];
  satisfaction: { answers: number; average: number | null };
}

/** The daily feedback digest: yesterday's tickets by kind, what is open, what is overdue. */
export function digestMail(figures: DigestFigures, storeName: string, lang: MailLanguage): { subject: string; html: string; text: string } {
  const zh = lang === 'zh-CN';
  const createdTotal = Object.values(figures.created).reduce((a, b) => a + b, 0);
  const subject = zh
    ? `意见反馈日报 ${figures.date} · 新增 ${createdTotal} · 超时 ${figures.overdue.length} · ${storeName}`
    : `Feedback digest ${figures.date} · ${createdTotal} new · ${figures.overdue.length} overdue · ${storeName}`;
  const kinds = (Object.keys(figures.created) as FeedbackKind[]).map((k) => `${KIND[lang][k]} ${figures.created[k]}`).join(zh ? '，' : ', ');
  const satisfaction =
    figures.satisfaction.average === null ? (zh ? '无评分' : 'no scores') : `${figures.satisfaction.average.toFixed(1)} / 5 (${figures.satisfaction.answers})`;
  const l = zh
    ? { created: '新增', resolved: '解决', open: '未结', overdue: '超时未处理', satisfaction: '满意度', none: '没有超时的反馈。', number: '编号', kind: '类型', customer: '顾客', due: '时限', assignee: '处理人', state: '状态', nobody: '未分配' }
    : { created: 'New', resolved: 'Resolved', open: 'Open', overdue: 'Overdue', satisfaction: 'Satisfaction', none: 'Nothing is overdue.', number: 'Ticket', kind: 'Kind', customer: 'Customer', due: 'Due by', assignee: 'Assignee', state: 'State', nobody: 'nobody' };
  const overdueRows = figures.overdue
    .map(
      (t) =>
        `<tr><td style="${STYLE.cell}">${escapeHtml(t.number)}</td><td style="${STYLE.cell}">${escapeHtml(KIND[lang][t.kind])}</td><td style="${STYLE.cell}">${escapeHtml(t.memberName ? `${t.memberName} ${t.mobile}` : t.mobile)}</td><td style="${STYLE.cell}">${escapeHtml(t.dueAt)}</td><td style="${STYLE.cell}">${escapeHtml(STATE[lang][t.state])}</td><td style="${STYLE.cell}">${escapeHtml(t.assignee ?? l.nobody)}</td></tr>`,
    )
    .join('\n');
  const html = [
    `<table style="${STYLE.table}">`,
    row(l.created, `<strong>${createdTotal}</strong> (${escapeHtml(kinds)})`),
    row(l.resolved, String(figures.resolved)),
    row(l.open, String(figures.open)),
    row(l.overdue, `<strong style="color:${figures.overdue.length > 0 ? '#c0392b' : 'inherit'}">${figures.overdue.length}</strong>`),
    row(l.satisfaction, escapeHtml(satisfaction)),
    '</table>',
    figures.overdue.length === 0
      ? `<p>${escapeHtml(l.none)}</p>`
      : `<h3 style="font-family:Arial,'Microsoft YaHei',sans-serif;font-size:14px">${escapeHtml(l.overdue)}</h3><table style="${STYLE.list}"><tr>${[l.number, l.kind, l.customer, l.due, l.state, l.assignee].map((h) => `<th style="${STYLE.cell}">${escapeHtml(h)}</th>`).join('')}</tr>\n${overdueRows}</table>`,
  ].join('\n');
  const text = [
    `${l.created}: ${createdTotal} (${kinds})`,
    `${l.resolved}: ${figures.resolved}`,
    `${l.open}: ${figures.open}`,
    `${l.overdue}: ${figures.overdue.length}`,
    `${l.satisfaction}: ${satisfaction}`,
    ...figures.overdue.map((t) => `- ${t.number} ${KIND[lang][t.kind]} ${t.mobile} ${t.dueAt} ${t.assignee ?? l.nobody}`),
  ].join('\n');
  return { subject, html, text };
}
