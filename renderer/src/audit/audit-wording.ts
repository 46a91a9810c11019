/**
 * How an audit entry's target and detail read for a person: "会员 #9998", times as dates, codes
 * as words, nested filters as "字段：值" — never raw JSON keys or epoch milliseconds. Pure: the
 * UI passes in its translation and formatting functions.
 */
export interface AuditTarget {
  /** member, modem, template, message, conversation, sync-run, batch, list, number, user, file, text */
  kind: string;
  id: string;
  /** The SPA route to the thing, when it has a page. */
  link?: string;
}

/** What an entry's action tells about its target, for targets recorded as a bare id. */
const TARGET_BY_ACTION: Array<[RegExp, string]> = [
  [/^templates\./, 'template'],
  [/^messages\.resolve\./, 'message'],
  [/^messages\.(check|enqueue)$/, 'batch'],
  [/^inbox\./, 'conversation'],
  [/^store\.sync\.cancel$/, 'sync-run'],
  [/^lists\.(black|white)\.(add|update|remove|opt-out)$/, 'number'],
  [/^services\.lockout$/, 'number'],
  [/^services\.update$/, 'sms-service'],
  [/^(user\.|login|logout)/, 'user'],
];

export function parseAuditTarget(action: string, target: string): AuditTarget {
  const typed = /^([a-z-]+)[: ](\d+)$/.exec(target); // 'member:9998', legacy 'modem 3'
  if (typed) return withLink({ kind: typed[1]!, id: typed[2]! });
  if (action === 'lists.export' && /^(black|white)list$/.test(target)) return { kind: 'list', id: target.slice(0, 5), link: '/lists' };
  for (const [pattern, kind] of TARGET_BY_ACTION) {
    if (pattern.test(action) && target !== '') return withLink({ kind, id: target });
  }
  return { kind: 'text', id: target };
}

function withLink(target: AuditTarget): AuditTarget {
  switch (target.kind) {
    case 'member':
      return { ...target, link: `/members?member=${encodeURIComponent(target.id)}` };
    case 'modem':
      return { ...target, link: '/modems' };
    case 'template':
      return { ...target, link: '/templates' };
    case 'message':
      return { ...target, link: `/messages/outbox?message=${encodeURIComponent(target.id)}` };
    case 'conversation':
      return { ...target, link: '/messages/inbox' };
    case 'number':
      return { ...target, link: '/lists' };
    case 'staff':
      return { ...target, link: '/sms-services?tab=staff' };
    case 'sms-service':
      return { ...target, link: '/sms-services' };
    default:
      return target;
  }
}

export interface WordingTools {
  /** The translation at key, or undefined when the UI has none. */
  text(key: string, params?: Record<string, unknown>): string | undefined;
  dateTime(ms: number): string;
  number(value: number): string;
}

/** Keys whose numbers are points in time (epoch ms). */
const TIME_KEY = /(At|Until|Time)$|^(from|to|since|notBefore|notAfter|expires)$/;
/** Longer texts (a message's first 200 characters) are cut for the table. */
const MAX_VALUE_LENGTH = 160;

export function wordKey(key: string, tools: WordingTools): string {
  return tools.text(`audit.detailKeys.${key}`) ?? humanise(key);
}

/** 'passwordChanged' → 'password changed': better than the raw key when the UI has no label. */
function humanise(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
}

export function wordValue(key: string, value: unknown, tools: WordingTools): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return tools.text(value ? 'common.yes' : 'common.no') ?? String(value);
  if (typeof value === 'number') {
    if (TIME_KEY.test(key) && value > 946_684_800_000) return tools.dateTime(value); // after 2000-01-01: a time
    return tools.number(value);
  }
  if (typeof value === 'string') {
    // Values that are codes (reasons, scopes, sources, roles) are worded under audit.values.<key>.<value>.
    const coded = tools.text(`audit.values.${key}.${value}`);
    if (coded !== undefined) return coded;
    return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}…` : value;
  }
  if (Array.isArray(value)) {
    // A list of field names (fields, changed): each field in words.
    const words = value.map((item) => (typeof item === 'string' ? (tools.text(`audit.detailKeys.${item}`) ?? item) : wordValue(key, item, tools)));
    return words.length > 12 ? `${words.slice(0, 12).join('、')} …(${words.length})` : words.join('、');
  }
  if (typeof value === 'object') {
    const pairs = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return pairs.map(([k, v]) => `${wordKey(k, tools)}：${wordValue(k, v, tools)}`).join('；');
  }
  return String(value);
}

export function wordDetail(detail: Record<string, unknown> | null, tools: WordingTools): Array<[string, string]> {
  if (!detail) return [];
  return Object.entries(detail).map(([key, value]) => [wordKey(key, tools), wordValue(key, value, tools)]);
}
