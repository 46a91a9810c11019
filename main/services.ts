import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditLog } from './auth/audit.js';
import type { Users } from './auth/users.js';
import type { Clock } from './clock.js';
import type { ApplianceConfig } from './config.js';
import type { SecretBox } from './crypto/secret-box.js';
import type { EventBus } from './events/bus.js';
import type { LanCertificate } from './lan/certificate.js';
import type { Messaging } from './messaging/dispatcher/service.js';
import type { NumberLists } from './messaging/lists/lists.js';
import type { Templates } from './messaging/templates/templates.js';
import type { ModemPool } from './modem/pool.js';
import type { Settings } from './settings/settings.js';
import type { StoreMirror } from './store/service.js';
import type { Members } from './members/members.js';
import type { SmsServices } from './sms-services/service.js';
import type { StaffDirectory } from './staff/staff.js';
import type { Strategies } from './strategy/strategies.js';
import type { Mail } from './mail/mail.js';
import type { Feedback } from './feedback/feedback.js';
import type { Subscriptions } from './subscriptions/subscriptions.js';
import type { Magazine } from './subscriptions/magazine.js';
import type { MasDatabaseInterface } from './mas/db/service.js';
import type { Integrations } from './integrations/service.js';
import type { Campaigns } from './campaigns/campaigns.js';
import type { CareCalendarSource } from './campaigns/calendar.js';
import type { Segments } from './campaigns/segments.js';
import type { Surveys } from './surveys/surveys.js';
import type { Reports } from './reports/reports.js';
import type { DailyRollup } from './reports/rollup.js';
import type { ReportSchedules } from './reports/schedules.js';
import type { ReportSources } from './reports/sources.js';
import type { Care } from './care/care.js';

/**
 * What the API and the CLI reach through: the appliance's services, wired once
 * in the composition root (main/index.ts). Later capabilities add their service
 * here (modems, outbox, store sync …) and wire it in createAppliance.
 */
export interface ApplianceServices {
  readonly version: string;
  readonly config: ApplianceConfig;
  readonly clock: Clock;
  readonly db: Knex;
  readonly databaseFile: string;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly audit: AuditLog;
  readonly users: Users;
  readonly settings: Settings;
  /** AES-256-GCM for secrets at rest (ID numbers, POS passwords); key file in the data dir. */
  readonly secrets: SecretBox;
  /** Store (POS) database connections, mappings, sync and the mirror's stock questions. */
  readonly store: StoreMirror;
  /** Member search (the one MemberFilter), detail, adding and changing members. */
  readonly members: Members;
  /** Black- and whitelists of numbers (黑白名单). */
  readonly lists: NumberLists;
  /** Outbox, inbox and the dispatcher that sends through the modems. */
  readonly messaging: Messaging;
  /** The GSM modems: configs, live status, routing, counters and health history. */
  readonly modems: ModemPool;
  /** The MAS database interface (MAS 数据库接口): api_mt/api_mo/api_rpt tables served to the store's existing software. */
  readonly masDb: MasDatabaseInterface;
  /** SMS template library (营销库). */
  readonly templates: Templates;
  /** The staff directory (员工): who may use the staff SMS services. */
  readonly staff: StaffDirectory;
  /** SMS services (短信服务): keywords, answers to texts, lock-out, query log. */
  readonly smsServices: SmsServices;
  /** The strategy engine (营销策略): suggestions from stock thresholds, active promotions, pushes to members. */
  readonly strategies: Strategies;
  /** Saved audiences (会员分群): a MemberFilter under a name, counted live. */
  readonly segments: Segments;
  /** Campaigns (活动): audiences, schedules, runs as batches, reports. */
  readonly campaigns: Campaigns;
  /** What the care automations show on the campaign calendar (occurrences, holidays). */
  readonly careCalendar: CareCalendarSource;
  /** E-mail (转发至邮箱): the persistent mail queue and its worker; `enqueue({ purpose, subject, html … })`, `status()`. */
  readonly mail: Mail;
  /** Feedback and complaints (意见反馈): tickets, their texts and mails; `counts()` and `daily()` for the dashboard and reports. */
  readonly feedback: Feedback;
  /** Subscriptions (订阅): topics, members' choices, the consent record; a topic's subscribers as an audience. */
  readonly subscriptions: Subscriptions;
  /** The 电子杂志: issues written or assembled from promotions, sent to its topic's subscribers. */
  readonly magazine: Magazine;
  /** SMS surveys (问卷调查): editor, invitations, respondents' sessions, statistics and exports. */
  readonly surveys: Surveys;
  /** The reports (报表) and the dashboard's business figures, from the daily aggregates. */
  readonly reports: Reports;
  /** Keeps the daily aggregates (message_daily, batch_totals, inbound_daily) up to date. */
  readonly reportRollup: DailyRollup;
  /** Reports e-mailed on a schedule, the periodic satisfaction report among them. */
  readonly reportSchedules: ReportSchedules;
  /** E-mail, feedback tickets and upcoming sends as the dashboard and reports read them (placeholders until wired). */
  readonly reportSources: ReportSources;
  /** Member care (会员关怀): automations (birthdays, festivals, points, invitations …), preview, calendar figures, RSVPs. */
  readonly care: Care;
  /** The HTTPS certificate for LAN access: generated on first use or uploaded; its fingerprint for staff. */
  readonly lanCertificate: LanCertificate;
  /** API keys, the 云MAS HTTP interface, webhooks and the delivery queue behind every push. */
  readonly integrations: Integrations;
  readonly startedAt: number;
}
