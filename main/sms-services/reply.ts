import { AppError } from '../errors.js';
import { measureText } from '../modem/pdu/length.js';

/**
 * Reply texts: templates with {placeholders}, and fitting an answer into a
 * number of SMS parts (lists summarised with 等N项, then cut). Pure.
 */

const PLACEHOLDER = /[{｛]\s*([^{}｛｝]*?)\s*[}｝]/g;

export class ReplyTemplateError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
  }
}

/** The placeholders a template uses. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/** A template a manager saved must only use the placeholders its reply knows, and say something. */
export function checkTemplate(template: string, allowed: readonly string[], label: string): string {
  const text = template.trim();
  if (!text) throw new ReplyTemplateError('REPLY_TEMPLATE_EMPTY', `The reply "${label}" is empty. Write what StoreMAS should answer.`, { template: label });
  if ([...text].length > 500) throw new ReplyTemplateError('REPLY_TEMPLATE_TOO_LONG', `The reply "${label}" is longer than 500 characters; an answer is at most 3 SMS.`, { template: label });
  for (const name of placeholdersIn(text)) {
    if (!allowed.includes(name)) {
      const known = allowed.length ? allowed.map((p) => `{${p}}`).join(' ') : 'none';
      throw new ReplyTemplateError('REPLY_PLACEHOLDER_UNKNOWN', `The reply "${label}" uses {${name}}, which it cannot fill. It may use: ${known}.`, {
        template: label,
        placeholder: name,
        allowed: allowed.join(' '),
      });
    }
  }
  return text;
}

/**
 * Text that goes into a reply from data or from the sender (a product name, a
 * searched word): braces removed so the outbox, which reads replies as
 * templates too, never sees a placeholder in them.
 */
export function plain(value: string): string {
  // Control characters and bidi controls (which would reorder what the customer reads) go too.
  // eslint-disable-next-line no-control-regex
  return value.replace(/[{}｛｝\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
}

/** Fills a template; a placeholder without a value is dropped rather than sent as "{…}". */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => values[name] ?? '');
}

export interface Budget {
  /** At most this many SMS parts. */
  parts: number;
  /** Added by the outbox to every reply (the store signature 【…】); counts against the parts. */
  signature: string;
}

export function partsOf(text: string, budget: Budget): number {
  return measureText(text + budget.signature).parts;
}

export function fits(text: string, budget: Budget): boolean {
  return partsOf(text, budget) <= budget.parts;
}

/** Cuts a text to the budget, ending in …: the last resort when even the shortest form is too long. */
export function cut(text: string, budget: Budget): string {
  if (fits(text, budget)) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(`${chars.slice(0, mid).join('')}…`, budget)) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join('')}…`;
}

/**
 * Fills a template whose `listName` placeholder holds a list: as many items as
 * fit, the rest summarised as 等N项; the suffix (数据更新于 …) always stays.
 */
export function fitList(
  template: string,
  values: Readonly<Record<string, string>>,
  listName: string,
  items: readonly string[],
  budget: Budget,
  suffix = '',
): { text: string; shown: number } {
  for (let shown = items.length; shown >= 1; shown--) {
    const rest = items.length - shown;
    const list = items.slice(0, shown).join('；') + (rest > 0 ? `等${items.length}项` : '');
    const text = fill(template, { ...values, [listName]: list }) + suffix;
    if (fits(text, budget)) return { text, shown };
  }
  // Not even one item fits whole: cut the first item, so the template's own words (回复 …) stay.
  if (items.length > 0) {
    const rest = items.length > 1 ? `等${items.length}项` : '';
    const first = [...items[0]!];
    let low = 0;
    let high = first.length;
    const withFirst = (length: number) => fill(template, { ...values, [listName]: `${first.slice(0, length).join('')}…${rest}` }) + suffix;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (fits(withFirst(mid), budget)) low = mid;
      else high = mid - 1;
    }
    if (low > 0) return { text: withFirst(low), shown: 1 };
  }
  const text = fill(template, { ...values, [listName]: items.length ? `等${items.length}项` : '' }) + suffix;
  return { text: fits(text, budget) ? text : cut(text, budget), shown: 0 };
}

/** Fills a template and cuts it to the budget if a manager's long text (or long data) needs it. */
export function fitText(template: string, values: Readonly<Record<string, string>>, budget: Budget, suffix = ''): string {
  const text = fill(template, values);
  if (fits(text + suffix, budget)) return text + suffix;
  return cut(text, { ...budget, signature: budget.signature + suffix }) + suffix;
}

/** ¥ amounts as people say them: 12345 fen → 123.45, 10000 → 100. */
export function yuan(cents: number): string {
  const value = Math.round(cents) / 100;
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0$/, '');
}

/** Stock quantities: whole numbers as they are, weights to two decimals. */
export function quantity(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
}
