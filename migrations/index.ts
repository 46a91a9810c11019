import type { Knex } from 'knex';
import * as foundation from './20261122_0100_foundation.js';
import * as modems from './20261122_0200_modems.js';
import * as members from './20261122_0300_members.js';
import * as storeMirror from './20261122_0310_store_mirror.js';
import * as listsTemplates from './20261122_0400_lists_templates.js';
import * as outboxInbox from './20261122_0410_outbox_inbox.js';
import * as memberSearchIndexes from './20261122_0420_member_search_indexes.js';
import * as storeConnectionTls from './20261206_0100_store_connection_tls.js';
import * as reportEvidence from './20261206_0200_report_evidence.js';
import * as inboundParts from './20261206_0210_inbound_parts.js';
import * as consentRecord from './20261206_0300_consent_record.js';
import * as batchState from './20261206_0310_batch_state.js';
import * as pointsRemindersAreCare from './20261206_0320_points_reminders_are_care.js';
import * as memberPhoneConsent from './20261206_0400_member_phone_consent.js';
import * as smsServices from './20261206_0600_sms_services.js';
import * as strategies from './20261206_0700_strategies.js';
import * as masDb from './20261206_0800_mas_db.js';
import * as integrations from './20261206_0900_integrations.js';
import * as campaigns from './20261206_1000_campaigns.js';
import * as careAutomations from './20261206_1100_care_automations.js';
import * as mailQueue from './20261206_1200_mail_queue.js';
import * as subscriptions from './20261206_1210_subscriptions.js';
import * as feedback from './20261206_1220_feedback.js';
import * as surveys from './20261206_1300_surveys.js';
import * as reportAggregates from './20261206_1310_report_aggregates.js';
import * as reportSchedules from './20261206_1320_report_schedules.js';
import * as salesDaily from './20261206_1400_sales_daily.js';
import * as reportAggregateLevels from './20261206_1500_report_aggregate_levels.js';
import * as pointsExpiry from './20261206_1700_points_expiry.js';

export interface Migration {
  name: string;
  up: (knex: Knex) => Promise<void>;
  down: (knex: Knex) => Promise<void>;
}

/**
 * Every migration, oldest first. Forward-only: once a migration has landed it is
 * never edited; a change is a new file appended here. Names sort by time.
 */
export const migrations: readonly Migration[] = [
  { name: '20261122_0100_foundation', ...foundation },
  { name: '20261122_0200_modems', ...modems },
  { name: '20261122_0300_members', ...members },
  { name: '20261122_0310_store_mirror', ...storeMirror },
  { name: '20261122_0400_lists_templates', ...listsTemplates },
  { name: '20261122_0410_outbox_inbox', ...outboxInbox },
  { name: '20261122_0420_member_search_indexes', ...memberSearchIndexes },
  { name: '20261206_0100_store_connection_tls', ...storeConnectionTls },
  { name: '20261206_0200_report_evidence', ...reportEvidence },
  { name: '20261206_0210_inbound_parts', ...inboundParts },
  { name: '20261206_0300_consent_record', ...consentRecord },
  { name: '20261206_0310_batch_state', ...batchState },
  { name: '20261206_0320_points_reminders_are_care', ...pointsRemindersAreCare },
  { name: '20261206_0400_member_phone_consent', ...memberPhoneConsent },
  { name: '20261206_0600_sms_services', ...smsServices },
  { name: '20261206_0700_strategies', ...strategies },
  { name: '20261206_0800_mas_db', ...masDb },
  { name: '20261206_0900_integrations', ...integrations },
  { name: '20261206_1000_campaigns', ...campaigns },
  { name: '20261206_1100_care_automations', ...careAutomations },
  { name: '20261206_1200_mail_queue', ...mailQueue },
  { name: '20261206_1210_subscriptions', ...subscriptions },
  { name: '20261206_1220_feedback', ...feedback },
  { name: '20261206_1300_surveys', ...surveys },
  { name: '20261206_1310_report_aggregates', ...reportAggregates },
  { name: '20261206_1320_report_schedules', ...reportSchedules },
  { name: '20261206_1400_sales_daily', ...salesDaily },
  { name: '20261206_1500_report_aggregate_levels', ...reportAggregateLevels },
  { name: '20261206_1700_points_expiry', ...pointsExpiry },
];
