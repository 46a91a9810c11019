import { COMMON_FILLERS, SERVICES, type ArgumentKind, type ServiceId } from './catalog.js';
import { foldText, wordsOnly } from './fold.js';

/**
 * The keyword router's parser: which service a text asks for, with its
 * argument and an optional staff PIN. Pure: the table comes in, nothing is read.
 *
 * Tolerant the way people text: full-width and half-width, upper and lower
 * case, traditional characters (積分), spaces inside keywords (积 分),
 * punctuation and emoji, a polite head and a question tail (请问我的积分是多少？).
 * Strict where guessing would be wrong: a keyword inside a sentence about
 * something else (昨天的积分没加上) is no request; that text goes to a person.
 */
export interface ServiceKeywords {
  id: ServiceId;
  keywords: readonly string[];
}

/** The enabled services with their current keywords. */
export interface ServiceTable {
  services: readonly ServiceKeywords[];
}

export interface ParsedRequest {
  service: ServiceId | null;
  /** 库存: the product asked for; 同意/拒绝: the strategy number as typed; 促销: the page ('' for the first). */
  argument: string;
  /** 4–6 digits after a staff request (库存 羊肉卷 1234); whether it is a PIN is the staff entry's business. */
  pin: string | null;
  /** The keyword as it matched, folded (促销 pages repeat it in "回复 促销2"). */
  keyword: string | null;
}

export const NO_REQUEST: ParsedRequest = Object.freeze({ service: null, argument: '', pin: null, keyword: null });

interface Matcher {
  service: ServiceId;
  keyword: string;
  argument: ArgumentKind;
  staff: boolean;
  /** Keywords of symbols only (?) match the whole text. */
  symbolic: boolean;
  pattern: RegExp | null;
  length: number;
}

interface CompiledTable {
  matchers: Matcher[];
  fillers: Map<ServiceId, string[]>;
}

const compiled = new WeakMap<ServiceTable, CompiledTable>();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isAsciiWord = (s: string) => /^[a-z0-9]+$/.test(s);

function compile(table: ServiceTable): CompiledTable {
  const cached = compiled.get(table);
  if (cached) return cached;
  const matchers: Matcher[] = [];
  const fillers = new Map<ServiceId, string[]>();
  for (const service of table.services) {
    const definition = SERVICES[service.id];
    fillers.set(service.id, [...COMMON_FILLERS, ...definition.extraFillers].map((f) => foldText(f)).sort((a, b) => b.length - a.length));
    for (const raw of service.keywords) {
      const keyword = wordsOnly(foldText(raw));
      const staff = definition.audience === 'staff' || definition.audience === 'approver';
      if (!keyword) {
        // A keyword without letters or digits (?): the whole text must be it.
        const symbols = foldText(raw).replace(/\s+/g, '');
        if (symbols) matchers.push({ service: service.id, keyword: symbols, argument: definition.argument, staff, symbolic: true, pattern: null, length: symbols.length });
        continue;
      }
      const chars = [...keyword.replace(/ /g, '')];
      const body = chars.map(escape).join(' ?');
      // Latin keywords (JF, KC) only as a word of their own: not inside "jfk" or "backup".
      const pattern = isAsciiWord(chars.join('')) ? new RegExp(`(?<![a-z])${body}(?![a-z])`) : new RegExp(body);
      matchers.push({ service: service.id, keyword: chars.join(''), argument: definition.argument, staff, symbolic: false, pattern, length: chars.length });
    }
  }
  matchers.sort((a, b) => b.length - a.length);
  const result = { matchers, fillers };
  compiled.set(table, result);
  return result;
}

/** Removes every filler word; what remains is what the words were about. */
function withoutFillers(text: string, fillers: readonly string[]): string {
  let rest = text.replace(/ /g, '');
  let changed = true;
  while (changed && rest) {
    changed = false;
    for (const filler of fillers) {
      if (rest.includes(filler)) {
        rest = rest.split(filler).join('');
        changed = true;
      }
    }
  }
  return rest;
}

// One-character fillers that may open a product name (有机菠菜, 看家菜) are not trimmed from its front.
const SAFE_LEADING_SINGLES = new Set(['查', '请', '我']);

/** Trims filler words from both ends only: the inside of a product name stays as typed. */
function trimFillers(text: string, fillers: readonly string[]): string {
  let rest = text.trim();
  let changed = true;
  while (changed && rest) {
    changed = false;
    for (const filler of fillers) {
      if (rest.startsWith(filler) && (filler.length > 1 || SAFE_LEADING_SINGLES.has(filler))) {
        rest = rest.slice(filler.length).trim();
        changed = true;
      }
      if (rest.endsWith(filler) && rest.length > filler.length) {
        rest = rest.slice(0, rest.length - filler.length).trim();
        changed = true;
      }
    }
  }
  return rest;
}

const PIN_TAIL = /^(.*\S)\s+(\d{4,6})$/;
const NUMBER_ARGUMENT = /^(?:第|no|n)?\s*(\d{1,9})\s*(?:号|条)?(?:\s+(\d{4,6}))?$/;
const PAGE_ARGUMENT = /^(?:第)?\s*(\d{1,3})\s*(?:页)?$/;

interface Candidate {
  matcher: Matcher;
  index: number;
  length: number;
}

/** Interprets the text after (and before) the keyword for one service; null when it is no request for it. */
function interpret(matcher: Matcher, before: string, after: string, fillers: readonly string[]): ParsedRequest | null {
  const head = withoutFillers(before, fillers);
  const base = { service: matcher.service, keyword: matcher.keyword, pin: null as string | null };
  switch (matcher.argument) {
    case 'none': {
      if (head) return null;
      const tail = after.trim();
      if (matcher.staff && /^\d{4,6}$/.test(tail)) return { ...base, argument: '', pin: tail };
      if (withoutFillers(tail, fillers)) return null;
      return { ...base, argument: '' };
    }
    case 'page': {
      if (head) return null;
      const tail = trimFillers(after, fillers);
      if (!tail) return { ...base, argument: '' };
      const page = PAGE_ARGUMENT.exec(tail.replace(/ /g, ''));
      return page ? { ...base, argument: String(Number(page[1])) } : null;
    }
    case 'number': {
      if (head) return null;
      // Only with a number: a bare 同意 is as likely a customer agreeing to something, and goes to a person.
      const number = NUMBER_ARGUMENT.exec(trimFillers(after, fillers));
      return number ? { ...base, argument: number[1]!, pin: number[2] ?? null } : null;
    }
    case 'text': {
      const afterArgument = trimFillers(after, fillers);
      let argument: string;
      if (!afterArgument) {
        // "羊肉卷库存" and "羊肉卷还有多少库存": the product before the keyword.
        argument = trimFillers(before, fillers);
      } else {
        // Words on both sides: a sentence that mentions the keyword, no request.
        if (head) return null;
        argument = afterArgument;
      }
      const tail = PIN_TAIL.exec(argument);
      if (tail) return { ...base, argument: tail[1]!.trim(), pin: tail[2]! };
      return { ...base, argument };
    }
  }
}

export function parseRequest(text: string, table: ServiceTable): ParsedRequest {
  const { matchers, fillers } = compile(table);
  const folded = foldText(typeof text === 'string' ? text : '');
  const compact = folded.replace(/\s+/g, '');
  for (const matcher of matchers) {
    if (matcher.symbolic && compact && compact === matcher.keyword) return { service: matcher.service, argument: '', pin: null, keyword: matcher.keyword };
  }
  const words = wordsOnly(folded);
  if (!words) return NO_REQUEST;
  const candidates: Candidate[] = [];
  for (const matcher of matchers) {
    if (!matcher.pattern) continue;
    const match = matcher.pattern.exec(words);
    if (match) candidates.push({ matcher, index: match.index, length: match[0].length });
  }
  // Earliest keyword first, the longer one when two start together (促销 before 促).
  candidates.sort((a, b) => a.index - b.index || b.length - a.length);
  for (const candidate of candidates) {
    const before = words.slice(0, candidate.index);
    const after = words.slice(candidate.index + candidate.length);
    const parsed = interpret(candidate.matcher, before, after, fillers.get(candidate.matcher.service) ?? []);
    if (parsed) return parsed;
  }
  return NO_REQUEST;
}
