import type { Campaigns } from '../campaigns/campaigns.js';
import type { Feedback } from '../feedback/feedback.js';
import type { Mail } from '../mail/mail.js';
import { AppError } from '../errors.js';
import { MailNotConfiguredError, type FeedbackFigures, type MailOutbox, type ReportSources, type UpcomingSource } from './sources.js';

/** The mail queue as the reports see it: a report's mail is queued like any other, and its troubles show on the dashboard. */
function mailOutbox(mail: Mail): MailOutbox {
  return {
    configured: true,
    enqueue: async (request) => {
      const queued = await mail.enqueue(request);
      if (queued.status === 'skipped') {
        // Recorded as skipped by the mail queue; the report's run says why it did not go.
        if (!(await mail.status()).configured) throw new MailNotConfiguredError();
        throw new AppError('MAIL_NO_RECIPIENTS', `No one receives ${request.purpose} mails: add recipients under 设置 › 邮件, and the next period's report goes to them.`, 409);
      }
      return { id: queued.id };
    },
    status: async () => {
      const status = await mail.status();
      return { configured: status.configured, failedRecently: status.failed + status.failing, queued: status.queued, lastError: status.lastError?.message ?? null };
    },
  };
}

/** Feedback tickets: the dashboard's open and overdue counts, and the 投诉建议 report's days. */
function feedbackFigures(feedback: Feedback): FeedbackFigures {
  return {
    configured: true,
    counts: async () => {
      const counts = await feedback.counts();
      return { new: counts.new, overdue: counts.overdue, open: counts.open };
    },
    daily: async (range) => (await feedback.daily({ from: range.from, to: range.to })).map((d) => ({ day: d.date, received: d.created, closed: d.resolved + d.closed, overdue: d.overdue })),
  };
}

/** What the dashboard lists under 即将发送: scheduled campaigns, soonest first. */
function upcomingCampaigns(campaigns: Campaigns): UpcomingSource {
  return {
    configured: true,
    upcoming: async (now, limit) => {
      const { items } = await campaigns.list({ states: ['scheduled'], page: 1, pageSize: 100 });
      return items
        .filter((c): c is typeof c & { nextRunAt: number } => c.nextRunAt !== null && c.nextRunAt >= now)
        .sort((a, b) => a.nextRunAt - b.nextRunAt)
        .slice(0, limit)
        .map((c) => ({ kind: 'campaign' as const, id: String(c.id), name: c.name, at: c.nextRunAt, audience: null, link: `/campaigns/${c.id}` }));
    },
  };
}

/** The sources of the dashboard and reports, from the capabilities this appliance has. */
export function wiredReportSources(deps: { mail: Mail; feedback: Feedback; campaigns: Campaigns }): ReportSources {
  return { mail: mailOutbox(deps.mail), feedback: feedbackFigures(deps.feedback), upcoming: upcomingCampaigns(deps.campaigns) };
}
