import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { POLICY_DEFAULTS, validatePolicySettings, type PolicySettings } from '../messaging/policy/settings.js';
import { MAIL_DEFAULTS, mailAuditView, validateMailSettings, type MailSettings } from '../mail/settings.js';
import { FEEDBACK_DEFAULTS, validateFeedbackSettings, type FeedbackSettings } from '../feedback/settings.js';
import { MAGAZINE_DEFAULTS, validateMagazineSettings, type MagazineSettings } from '../subscriptions/magazine-settings.js';
import { CLOUD_MAS_LISTENER_DEFAULTS, validateCloudMasListener, type CloudMasListenerSettings } from '../mas/cloud/listener-settings.js';
import { REPORT_SETTING_DEFAULTS, validateReportSettings, type ReportSettings } from '../reports/settings.js';
import { POINTS_EXPIRY_DEFAULTS, validatePointsExpiry, type PointsExpirySettings } from '../members/points-expiry.js';

/**
 * Run-time settings a store manager changes in the UI. Each has a default, a
 * validator, and lives as one JSON value per key. Later capabilities add keys
 * to SETTING_DEFINITIONS (policy, quiet hours, sync schedules …).
 */
export interface SettingValues {
  storeName: string;
  smsSignature: string;
  language: 'zh-CN' | 'en';
  lanAccess: boolean;
  /** Sending policy: quiet hours, caps, opt-out words, salutation … (messaging/policy/settings.ts). */
  policy: PolicySettings;
  /** E-mail: SMTP server (password sealed), recipients per purpose (mail/settings.ts). */
  mail: MailSettings;
  /** Feedback keywords, SLA per kind, the texts customers get, the daily digest (feedback/settings.ts). */
  feedback: FeedbackSettings;
  /** The 电子杂志's schedule, content and public page (subscriptions/magazine-settings.ts). */
  magazine: MagazineSettings;
  /** The 云MAS HTTP interface on a port of its own (mas/cloud/listener-settings.ts); applies at the next start. */
  cloudMasListener: CloudMasListenerSettings;
  /** Campaigns an operator creates wait for a manager's approval before they are scheduled. */
  campaignApproval: boolean;
  /** What the cost report charges per SMS part (reports/settings.ts). */
  reports: ReportSettings;
  /** When members' points expire (积分有效期): points reminders and the 积分 answer read it (members/points-expiry.ts). */
  pointsExpiry: PointsExpirySettings;
}

type Validators = { [K in keyof SettingValues]: (value: unknown) => SettingValues[K] };

const text = (name: string, max: number, allowEmpty: boolean) => (value: unknown): string => {
  if (typeof value !== 'string') throw new ValidationError(`${name} must be text.`);
  const trimmed = value.trim();
  if (!allowEmpty && trimmed.length === 0) throw new ValidationError(`${name} must not be empty.`);
  if ([...trimmed].length > max) throw new ValidationError(`${name} must be at most ${max} characters.`);
  return trimmed;
};

export const SETTING_DEFAULTS: SettingValues = {
  storeName: '好又多超市',
  smsSignature: '【好又多超市】',
  language: 'zh-CN',
  lanAccess: false,
  policy: POLICY_DEFAULTS,
  mail: MAIL_DEFAULTS,
  feedback: FEEDBACK_DEFAULTS,
  magazine: MAGAZINE_DEFAULTS,
  cloudMasListener: CLOUD_MAS_LISTENER_DEFAULTS,
  campaignApproval: false,
  reports: REPORT_SETTING_DEFAULTS,
  pointsExpiry: POINTS_EXPIRY_DEFAULTS,
};

const VALIDATORS: Validators = {
  storeName: text('Store name', 40, false),
  smsSignature: (value) => {
    const signature = text('SMS signature', 20, true)(value);
    // Operators in China require the 【…】 signature form on business SMS.
    if (signature && !/^【[^【】]{1,18}】$/.test(signature)) {
      throw new ValidationError('The SMS signature must look like 【店名】: 1 to 18 characters inside 【】.');
    }
    return signature;
  },
  language: (value) => {
    if (value !== 'zh-CN' && value !== 'en') throw new ValidationError('Language must be zh-CN or en.');
    return value;
  },
  lanAccess: (value) => {
    if (typeof value !== 'boolean') throw new ValidationError('LAN access must be true or false.');
    return value;
  },
  policy: (value) => validatePolicySettings(value),
  mail: (value) => validateMailSettings(value),
  feedback: (value) => validateFeedbackSettings(value),
  magazine: (value) => validateMagazineSettings(value),
  cloudMasListener: (value) => validateCloudMasListener(value),
  campaignApproval: (value) => {
    if (typeof value !== 'boolean') throw new ValidationError('Campaign approval must be true or false.');
    return value;
  },
  reports: (value) => validateReportSettings(value),
  pointsExpiry: (value) => validatePointsExpiry(value),
};

/** What the audit log keeps of a changed setting: no secret, not even sealed; certificates by fingerprint. */
function auditView(clean: Partial<SettingValues>): Record<string, unknown> {
  return clean.mail ? { ...clean, mail: mailAuditView(clean.mail) } : (clean as Record<string, unknown>);
}

export class Settings {
  private cache: SettingValues | undefined;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
  ) {}

  async all(): Promise<SettingValues> {
    if (this.cache) return { ...this.cache };
    const rows: Array<{ key: string; value: string }> = await this.db('settings').select('key', 'value');
    const values: SettingValues = { ...SETTING_DEFAULTS };
    for (const row of rows) {
      if (!(row.key in VALIDATORS)) continue;
      const key = row.key as keyof SettingValues;
      try {
        (values as unknown as Record<string, unknown>)[key] = VALIDATORS[key](JSON.parse(row.value));
      } catch {
        // A value that no longer validates falls back to its default rather than breaking start-up.
      }
    }
    this.cache = values;
    return { ...values };
  }

  async get<K extends keyof SettingValues>(key: K): Promise<SettingValues[K]> {
    return (await this.all())[key];
  }

  async update(actor: AuditActor, patch: Partial<Record<keyof SettingValues, unknown>>): Promise<SettingValues> {
    const clean: Partial<SettingValues> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (!(key in VALIDATORS)) throw new ValidationError(`Unknown setting "${key}".`);
      const k = key as keyof SettingValues;
      (clean as Record<string, unknown>)[k] = VALIDATORS[k](value);
    }
    const keys = Object.keys(clean);
    if (keys.length === 0) return this.all();
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      for (const key of keys) {
        const value = JSON.stringify((clean as Record<string, unknown>)[key]);
        await trx('settings')
          .insert({ key, value, updated_at: now, updated_by: actor.username })
          .onConflict('key')
          .merge();
      }
      await this.audit.record(actor, 'settings.update', keys.join(','), auditView(clean), trx);
    });
    this.cache = undefined;
    this.events.publish('settings.changed', { keys });
    return this.all();
  }
}
