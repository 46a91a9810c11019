import { ValidationError } from '../errors.js';
import { compileTemplate, RenderError } from '../messaging/render/render.js';

/**
 * The 电子杂志 (the settings key `magazine`): when an issue goes out by itself, what it holds —
 * the issue the store wrote, or one assembled from the promotions running then — and the store's
 * public page for it, linked at the end of each issue.
 */
export const MAGAZINE_SCHEDULES = ['off', 'weekly', 'monthly'] as const;
export type MagazineSchedule = (typeof MAGAZINE_SCHEDULES)[number];
export const MAGAZINE_CONTENTS = ['written', 'promotions'] as const;
export type MagazineContent = (typeof MAGAZINE_CONTENTS)[number];

export interface MagazineSettings {
  schedule: MagazineSchedule;
  /** Weekly: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Monthly: 1–28 (every month has it). */
  dayOfMonth: number;
  /** Local time of day, HH:MM. */
  time: string;
  /** written: the latest draft the store wrote goes out (none: that period is skipped); promotions: assembled then. */
  content: MagazineContent;
  /** The first line of an assembled issue (may use {称呼}). */
  intro: string;
  /** Promotions per assembled issue. */
  maxPromotions: number;
  /** The store's public page for the magazine (https://…); empty: none, no link. */
  publicUrl: string;
}

export const MAGAZINE_DEFAULTS: MagazineSettings = {
  schedule: 'off',
  weekday: 5,
  dayOfMonth: 1,
  time: '10:00',
  content: 'promotions',
  intro: '{称呼}，本期电子杂志为您精选：',
  maxPromotions: 4,
  publicUrl: '',
};

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const invalid = (message: string, field: string): never => {
  throw new ValidationError(message, { field });
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(name: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return invalid(`${name} must be a whole number from ${min} to ${max}.`, field);
  return value;
}

export function validateMagazineSettings(value: unknown, base: MagazineSettings = MAGAZINE_DEFAULTS): MagazineSettings {
  if (!isObject(value)) return invalid('The magazine settings must be an object.', 'magazine');
  const known = new Set(Object.keys(MAGAZINE_DEFAULTS));
  for (const key of Object.keys(value)) if (!known.has(key)) invalid(`Unknown magazine setting "${key}".`, `magazine.${key}`);
  const next: MagazineSettings = structuredClone(base);
  if (value.schedule !== undefined) {
    if (!(MAGAZINE_SCHEDULES as readonly unknown[]).includes(value.schedule)) invalid('The schedule must be off, weekly or monthly.', 'magazine.schedule');
    next.schedule = value.schedule as MagazineSchedule;
  }
  if (value.weekday !== undefined) next.weekday = integer('The weekday', 'magazine.weekday', value.weekday, 1, 7);
  if (value.dayOfMonth !== undefined) next.dayOfMonth = integer('The day of the month', 'magazine.dayOfMonth', value.dayOfMonth, 1, 28);
  if (value.time !== undefined) {
    if (typeof value.time !== 'string' || !HH_MM.test(value.time)) invalid('The time must be such as 10:00 (HH:MM, 24-hour clock).', 'magazine.time');
    next.time = value.time as string;
  }
  if (value.content !== undefined) {
    if (!(MAGAZINE_CONTENTS as readonly unknown[]).includes(value.content)) invalid('The content is written (by the store) or promotions (assembled).', 'magazine.content');
    next.content = value.content as MagazineContent;
  }
  if (value.intro !== undefined) {
    if (typeof value.intro !== 'string' || [...value.intro.trim()].length > 40) invalid('The first line must be text of at most 40 characters.', 'magazine.intro');
    next.intro = (value.intro as string).trim();
    if (next.intro) {
      try {
        compileTemplate(next.intro);
      } catch (error) {
        if (error instanceof RenderError) invalid(`The first line: ${error.message}`, 'magazine.intro');
        throw error;
      }
    }
  }
  if (value.maxPromotions !== undefined) next.maxPromotions = integer('Promotions per issue', 'magazine.maxPromotions', value.maxPromotions, 1, 10);
  if (value.publicUrl !== undefined) {
    if (typeof value.publicUrl !== 'string') invalid('The public page must be an address such as https://example.com/magazine.', 'magazine.publicUrl');
    const url = (value.publicUrl as string).trim();
    if (url) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || url.length > 120 || /\s/.test(url)) {
        invalid('The public page must be a web address such as https://example.com/magazine (at most 120 characters).', 'magazine.publicUrl');
      }
    }
    next.publicUrl = url;
  }
  return next;
}
