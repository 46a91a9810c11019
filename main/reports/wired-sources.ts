import type { Campaigns } from '../campaigns/campaigns.js';
import type { Care } from '../care/care.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { Feedback } from '../feedback/feedback.js';
import type { Mail } from '../mail/mail.js';
import { AppError } from '../errors.js';
import { MailNotConfiguredError, type FeedbackFigures, type MailOutbox, type ReportSources } from './sources.js';
import { UpcomingSends } from './upcoming.js';

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

/**
 * The sources of the dashboard and reports, from the capabilities this appliance
 * has; `stop` ends what they listen to (the upcoming sends' counts follow care changes).
 */
export function wiredReportSources(deps: { mail: Mail; feedback: Feedback; campaigns: Campaigns; care: Care; clock: Clock; events: EventBus }): { sources: ReportSources; stop: () => void } {
  const upcoming = new UpcomingSends({ campaigns: deps.campaigns, care: deps.care, clock: deps.clock, events: deps.events });
  return { sources: { mail: mailOutbox(deps.mail), feedback: feedbackFigures(deps.feedback), upcoming }, stop: upcoming.watch() };
}
