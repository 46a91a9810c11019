/**
 * What StoreMAS writes into api_rpt_<code>: RPT_CODE 0 with DELIVRD for a
 * delivered message, a non-zero code otherwise. Descriptions are ASCII (every
 * client reads them alike, whatever its encoding) and, where a CMPP status
 * word fits, that word. The table is in the README for integrators.
 */
export interface ReportCode {
  code: number;
  desc: string;
}

/** Rows refused on intake, before anything is queued. */
export const REJECTIONS = {
  invalidMobile: { code: 10, desc: 'INVALID_MOBILE' },
  emptyMobiles: { code: 11, desc: 'EMPTY_MOBILES' },
  emptyContent: { code: 12, desc: 'EMPTY_CONTENT' },
  contentTooLong: { code: 13, desc: 'CONTENT_TOO_LONG' },
  badSendTime: { code: 14, desc: 'BAD_SEND_TIME' },
  badPdu: { code: 15, desc: 'BAD_PDU' },
  tooManyMobiles: { code: 16, desc: 'TOO_MANY_MOBILES' },
  unreadableContent: { code: 17, desc: 'BAD_ENCODING' },
} as const satisfies Record<string, ReportCode>;
export type Rejection = (typeof REJECTIONS)[keyof typeof REJECTIONS];

export const DELIVERED: ReportCode = { code: 0, desc: 'DELIVRD' };
export const UNDELIVERABLE: ReportCode = { code: 1, desc: 'UNDELIV' };
export const EXPIRED: ReportCode = { code: 2, desc: 'EXPIRED' };
/** Sent, but no status report came within the window: the network never said. */
export const NO_REPORT: ReportCode = { code: 3, desc: 'UNKNOWN' };
/** The modems refused it or it failed before going out: the description is StoreMAS's error code. */
export const SEND_FAILED_CODE = 4;
/** Blocked by the sending policy: the description is the rule (BLACKLIST, OPTOUT …). */
export const BLOCKED_CODE = 5;
export const CANCELLED: ReportCode = { code: 6, desc: 'CANCELLED' };

/**
 * How long after a message went out StoreMAS waits for its status report
 * before answering UNKNOWN: 72 hours, the longest validity operators give an
 * SMS (StoreMAS sets none, so the SMSC's default applies, usually 24–72 h).
 * A report arriving later still settles the message in StoreMAS, but the
 * client has had its one api_rpt row.
 */
export const NO_REPORT_AFTER_MS = 72 * 3_600_000;

const RULE_DESC: Record<string, string> = {
  'opt-out': 'OPTOUT',
  blacklist: 'BLACKLIST',
  whitelist: 'WHITELIST',
  consent: 'NO_CONSENT',
  'frequency-cap': 'FREQUENCY_CAP',
  'quiet-hours': 'QUIET_HOURS',
};

const ascii = (value: string) => value.replace(/[^\x20-\x7e]/g, '').slice(0, 40);

export interface ReportedMessage {
  /** The outbox status (a string, so statuses added later read as not final). */
  status: string;
  blockedRule: string | null;
  errorCode: string | null;
  sentAt: number | null;
}

/** The api_rpt row a message has earned by now, or undefined while it may still change. */
export function reportFor(message: ReportedMessage, now: number, noReportAfterMs = NO_REPORT_AFTER_MS): ReportCode | undefined {
  switch (message.status) {
    case 'delivered':
      return DELIVERED;
    case 'failed':
      if (message.errorCode === 'DELIVERY_FAILED') return UNDELIVERABLE;
      return { code: SEND_FAILED_CODE, desc: ascii(message.errorCode ?? '') || 'SEND_FAILED' };
    case 'expired':
      return EXPIRED;
    case 'cancelled':
      return CANCELLED;
    case 'blocked': {
      const rule = message.blockedRule ?? '';
      if (rule === 'invalid-number') return REJECTIONS.invalidMobile;
      if (rule === 'render') return { code: BLOCKED_CODE, desc: ascii(message.errorCode ?? '') || 'TEXT_REFUSED' };
      return { code: BLOCKED_CODE, desc: RULE_DESC[rule] ?? (ascii(rule.toUpperCase().replace(/-/g, '_')) || 'BLOCKED') };
    }
    case 'sent':
      return message.sentAt !== null && now - message.sentAt >= noReportAfterMs ? NO_REPORT : undefined;
    default:
      return undefined;
  }
}
