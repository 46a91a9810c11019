import { AppError } from '../errors.js';
import { checkMemberFilter, type MemberFilter, parseMemberFilter } from '../members/filter.js';
import { compileTemplate, RenderError } from '../messaging/render/render.js';
import { FESTIVAL_KEYS, daysInMonth, tryParseIsoDate, type FestivalKey } from './dates.js';

/**
 * What a care automation is: its kind, text, send time, lead time, audience and
 * the kind's own settings. Validation is pure (the service and the API use it).
 */
export const AUTOMATION_KINDS = ['birthday', 'holiday', 'date', 'points', 'invitation', 'welcome', 'winback'] as const;
export type AutomationKind = (typeof AUTOMATION_KINDS)[number];

export const POINTS_PERIODS = ['month', 'quarter', 'year'] as const;
export type PointsPeriod = (typeof POINTS_PERIODS)[number];

export interface BirthdaySettings {
  kind: 'birthday';
}
export interface HolidaySettings {
  kind: 'holiday';
  festival: FestivalKey;
}
/** A date of the store's own (店庆, 会员日), every year, by the solar or the lunar calendar. */
export interface StoreDateSettings {
  kind: 'date';
  name: string;
  month: number;
  day: number;
  lunar: boolean;
}
/**
 * threshold: members at or above minPoints, once per period (the period's first
 * day is the occasion); expiry: lead days before their points expire by the
 * store's rule (setting pointsExpiry, or the POS's own date), members with at
 * least minPoints expiring.
 */
export interface PointsSettings {
  kind: 'points';
  mode: 'threshold' | 'expiry';
  minPoints: number;
  period: PointsPeriod;
}
export interface InvitationSettings {
  kind: 'invitation';
  eventName: string;
  /** 'YYYY-MM-DD'; null until set (an invitation cannot be switched on without it). */
  eventDate: string | null;
  place: string;
  /** Replies that sign up (回复1报名): compared after trimming, full-width digits as half-width. */
  keywords: string[];
  /** Places; null for no limit. Replies past it are told the event is full. */
  capacity: number | null;
}
export interface WelcomeSettings {
  kind: 'welcome';
}
/** Members whose last purchase was between `days` and `maxDays` days ago, once per lapse. */
export interface WinbackSettings {
  kind: 'winback';
  days: number;
  maxDays: number;
}

export type AutomationSettings =
  | BirthdaySettings
  | HolidaySettings
  | StoreDateSettings
  | PointsSettings
  | InvitationSettings
  | WelcomeSettings
  | WinbackSettings;

export interface Automation {
  id: number;
  kind: AutomationKind;
  name: string;
  enabled: boolean;
  text: string;
  templateId: number | null;
  /** Local 'HH:MM': the day's evaluation runs at or after it. */
  sendTime: string;
  /** Days before the occasion the text goes out (0: on the day). */
  leadDays: number;
  audience: MemberFilter;
  settings: AutomationSettings;
  enabledAt: number | null;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

export interface AutomationInput {
  kind: AutomationKind;
  name: string;
  text: string;
  templateId?: number | null | undefined;
  sendTime: string;
  leadDays: number;
  audience: unknown;
  settings: Record<string, unknown>;
}

export type CareErrorCode =
  | 'CARE_AUTOMATION_NOT_FOUND'
  | 'CARE_AUTOMATION_INVALID'
  | 'CARE_INVITATION_NEEDS_DATE'
  | 'CARE_HAS_REPLIES'
  | 'CARE_DATE_INVALID';

export class CareError extends AppError {
  declare readonly code: CareErrorCode;
  constructor(code: CareErrorCode, message: string, status: number, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}

const invalid = (field: string, message: string) => new CareError('CARE_AUTOMATION_INVALID', message, 400, { field });

export interface AutomationRow {
  id: number;
  kind: string;
  name: string;
  enabled: number | boolean;
  text: string;
  template_id: number | null;
  send_time: string;
  lead_days: number;
  audience: string;
  settings: string;
  enabled_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
  updated_by: string;
}

export function toAutomation(row: AutomationRow): Automation {
  const kind = row.kind as AutomationKind;
  return {
    id: Number(row.id),
    kind,
    name: row.name,
    enabled: Boolean(row.enabled),
    text: row.text,
    templateId: row.template_id === null ? null : Number(row.template_id),
    sendTime: row.send_time,
    leadDays: Number(row.lead_days),
    audience: JSON.parse(row.audience) as MemberFilter,
    settings: { ...(JSON.parse(row.settings) as object), kind } as AutomationSettings,
    enabledAt: row.enabled_at === null ? null : Number(row.enabled_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const int = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const MAX_LEAD_DAYS = 60;

function text(value: unknown, field: string, max: number, required: boolean): string {
  if (value === undefined || value === null) {
    if (required) throw invalid(field, `Fill in ${field}.`);
    return '';
  }
  if (typeof value !== 'string') throw invalid(field, `${field} must be text.`);
  const trimmed = value.trim();
  if (required && trimmed === '') throw invalid(field, `Fill in ${field}.`);
  if ([...trimmed].length > max) throw invalid(field, `${field} is too long (at most ${max} characters).`);
  return trimmed;
}

function monthDay(month: unknown, day: unknown, field: string, lunar: boolean): { month: number; day: number } {
  if (!int(month) || month < 1 || month > 12) throw invalid(`${field}.month`, `${field}: the month must be 1 to 12.`);
  const last = lunar ? 30 : daysInMonth(2024, month);
  if (!int(day) || day < 1 || day > last) throw invalid(`${field}.day`, `${field}: ${month} has no day ${String(day)}.`);
  return { month, day };
}

/** The kind's settings, checked; unknown keys are dropped. */
export function validateSettings(kind: AutomationKind, raw: Record<string, unknown>): AutomationSettings {
  switch (kind) {
    case 'birthday':
      return { kind };
    case 'welcome':
      return { kind };
    case 'holiday': {
      if (!(FESTIVAL_KEYS as readonly unknown[]).includes(raw['festival'])) {
        throw invalid('settings.festival', `Choose a festival: ${FESTIVAL_KEYS.join(', ')}.`);
      }
      return { kind, festival: raw['festival'] as FestivalKey };
    }
    case 'date': {
      const lunar = raw['lunar'] === true;
      const { month, day } = monthDay(raw['month'], raw['day'], 'settings', lunar);
      return { kind, name: text(raw['name'], 'settings.name', 20, true), month, day, lunar };
    }
    case 'points': {
      const mode = raw['mode'];
      if (mode !== 'threshold' && mode !== 'expiry') throw invalid('settings.mode', 'Points reminders go by a threshold or before the expiry date.');
      const minPoints = raw['minPoints'];
      if (!int(minPoints) || minPoints < 1 || minPoints > 100_000_000) throw invalid('settings.minPoints', 'The points threshold must be a whole number from 1 to 100,000,000.');
      const period = raw['period'] ?? 'quarter';
      if (!(POINTS_PERIODS as readonly unknown[]).includes(period)) throw invalid('settings.period', 'The period must be month, quarter or year.');
      return { kind, mode, minPoints, period: period as PointsPeriod };
    }
    case 'invitation': {
      const eventDate = raw['eventDate'];
      if (eventDate !== null && eventDate !== undefined && (typeof eventDate !== 'string' || !tryParseIsoDate(eventDate))) {
        throw invalid('settings.eventDate', 'The event date must be a date such as 2026-12-24.');
      }
      const keywordsRaw = raw['keywords'] ?? ['1'];
      if (!Array.isArray(keywordsRaw) || keywordsRaw.length === 0 || keywordsRaw.length > 5) {
        throw invalid('settings.keywords', 'Give 1 to 5 reply words that sign up, such as 1 and 报名.');
      }
      const keywords = [...new Set(keywordsRaw.map((k) => normalizeReply(text(k, 'settings.keywords', 10, true))))];
      const capacity = raw['capacity'] ?? null;
      if (capacity !== null && (!int(capacity) || capacity < 1 || capacity > 100_000)) {
        throw invalid('settings.capacity', 'The number of places must be 1 to 100,000, or empty for no limit.');
      }
      return {
        kind,
        eventName: text(raw['eventName'], 'settings.eventName', 40, true),
        eventDate: (eventDate as string | null | undefined) ?? null,
        place: text(raw['place'], 'settings.place', 60, false),
        keywords,
        capacity: capacity as number | null,
      };
    }
    case 'winback': {
      const days = raw['days'];
      const maxDays = raw['maxDays'];
      if (!int(days) || days < 7 || days > 3650) throw invalid('settings.days', 'Win-back waits 7 to 3650 days without a purchase.');
      if (!int(maxDays) || maxDays < days || maxDays > 3650) throw invalid('settings.maxDays', `The longest absence must be between ${days} and 3650 days.`);
      return { kind, days, maxDays };
    }
  }
}

/** A reply as compared with the keywords: trimmed, full-width ASCII as half-width, lower case. */
export function normalizeReply(reply: string): string {
  return reply
    .trim()
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[。.!！\s]+$/u, '')
    .toLowerCase();
}

export interface ValidAutomation {
  kind: AutomationKind;
  name: string;
  text: string;
  templateId: number | null;
  sendTime: string;
  leadDays: number;
  audience: MemberFilter;
  settings: AutomationSettings;
}

/** Checks a whole automation from a request or the CLI; throws CARE_AUTOMATION_INVALID naming the field. */
export function validateAutomation(input: AutomationInput): ValidAutomation {
  if (!(AUTOMATION_KINDS as readonly string[]).includes(input.kind)) throw invalid('kind', `The kind must be one of ${AUTOMATION_KINDS.join(', ')}.`);
  const name = text(input.name, 'name', 64, true);
  const body = text(input.text, 'text', 500, true);
  try {
    compileTemplate(body);
  } catch (error) {
    if (error instanceof RenderError) throw new CareError('CARE_AUTOMATION_INVALID', error.message, 400, { field: 'text', reason: error.code, ...error.details });
    throw error;
  }
  if (typeof input.sendTime !== 'string' || !TIME.test(input.sendTime)) throw invalid('sendTime', 'The send time must be HH:MM, such as 09:00.');
  if (!int(input.leadDays) || input.leadDays < 0 || input.leadDays > MAX_LEAD_DAYS) throw invalid('leadDays', `Send 0 to ${MAX_LEAD_DAYS} days before the occasion.`);
  const audience = parseMemberFilter(input.audience ?? {});
  checkMemberFilter(audience);
  const templateId = input.templateId ?? null;
  if (templateId !== null && (!int(templateId) || templateId < 1)) throw invalid('templateId', 'The template id must be a positive whole number.');
  return { kind: input.kind, name, text: body, templateId, sendTime: input.sendTime, leadDays: input.leadDays, audience, settings: validateSettings(input.kind, input.settings ?? {}) };
}

/** Greetings are about a day: sent late they would be wrong ("今天是您的生日" two days after). */
export function isDayBound(kind: AutomationKind): boolean {
  return kind === 'birthday' || kind === 'holiday' || kind === 'date' || kind === 'invitation';
}
