import { AppError } from '../errors.js';

/**
 * What the dashboard and the reports read from capabilities built beside them
 * (e-mail, feedback tickets, campaigns and care automations). Each is an
 * interface injected in the composition root; until a capability is wired, a
 * placeholder says plainly that it is not configured (the dashboard tile shows
 * 未启用) instead of inventing figures.
 */

export type MailPurpose = 'complaints' | 'feedback-digest' | 'survey-reports' | 'modem-alerts' | 'reports' | 'test';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

export interface MailRequest {
  /** Who receives it is the mail service's business: each purpose has its recipients. */
  purpose: MailPurpose;
  subject: string;
  html: string;
  text?: string;
  attachments?: MailAttachment[];
}

export interface MailStatusSummary {
  configured: boolean;
  /** Mails that could not be delivered in the last 24 hours (the dashboard's alert). */
  failedRecently: number;
  /** Waiting to go out. */
  queued: number;
  lastError: string | null;
}

/** The mail outbox (services.mail once it lands): queue a mail, and how mail is doing. */
export interface MailOutbox {
  readonly configured: boolean;
  enqueue(mail: MailRequest): Promise<{ id: number }>;
  status(): Promise<MailStatusSummary>;
}

export interface FeedbackReportRow {
  /** 'YYYY-MM-DD' */
  day: string;
  received: number;
  closed: number;
  overdue: number;
}

/** Feedback tickets (投诉/建议): the dashboard's counts and the report's daily figures. */
export interface FeedbackFigures {
  readonly configured: boolean;
  counts(): Promise<{ new: number; overdue: number; open: number }>;
  /** Tickets per day in a range, for the 报表 (optional: the tile works without it). */
  daily?(range: { from: string; to: string; storeCode?: string | undefined }): Promise<FeedbackReportRow[]>;
}

export interface UpcomingItem {
  kind: 'campaign' | 'automation';
  id: string;
  name: string;
  /** When it runs next (epoch ms). */
  at: number;
  /** How many it will text, when known. */
  audience: number | null;
  /** The UI route that shows it. */
  link: string;
}

/** Campaigns and care automations that will run soon. */
export interface UpcomingSource {
  readonly configured: boolean;
  upcoming(now: number, limit: number): Promise<UpcomingItem[]>;
}

export class MailNotConfiguredError extends AppError {
  constructor() {
    super('MAIL_NOT_CONFIGURED', 'E-mail is not set up on this appliance yet, so reports cannot be mailed. Set up e-mail (outgoing server and recipients) first.', 409);
  }
}

export const mailNotConfigured: MailOutbox = {
  configured: false,
  enqueue: () => Promise.reject(new MailNotConfiguredError()),
  status: () => Promise.resolve({ configured: false, failedRecently: 0, queued: 0, lastError: null }),
};

export const feedbackNotConfigured: FeedbackFigures = {
  configured: false,
  counts: () => Promise.resolve({ new: 0, overdue: 0, open: 0 }),
};

export const upcomingNotConfigured: UpcomingSource = {
  configured: false,
  upcoming: () => Promise.resolve([]),
};

export interface ReportSources {
  mail: MailOutbox;
  feedback: FeedbackFigures;
  upcoming: UpcomingSource;
}
