import type { Settings } from '../settings/settings.js';
import { INBOUND_ORDER, type InboundHandler } from '../messaging/inbox/inbox.js';
import type { Feedback } from './feedback.js';
import { feedbackKeyword, satisfactionScore } from './parse.js';

const QUOTED_TICKET = /FK\d{8}-\d{4}/i;

/**
 * The inbound chain's link for feedback, in its place after subscriptions and surveys:
 *
 * - the answer (1–5) to a ticket's satisfaction question, while it is open for that number;
 * - a text starting with a feedback keyword (投诉, 建议, FK, TS …) opens a ticket: the
 *   acknowledgement with its number answers it, a complaint's forward is queued for the
 *   managers' mail, all in the chain's transaction (a queue row, never a mail server's wait);
 * - a text quoting a ticket number, or any text while the number's ticket is open, is added to
 *   that ticket (staff read it in the ticket's thread; no automatic answer talks over them).
 */
export function feedbackHandler(feedback: Feedback, settings: Settings): { handler: InboundHandler; order: number } {
  const handler: InboundHandler = {
    name: 'feedback',
    async handle(message, tools) {
      if (!message.sender.startsWith('+')) return 'pass';
      const config = await settings.get('feedback');
      const { trx } = tools;

      const score = satisfactionScore(message.text);
      if (score !== undefined) {
        const asking = await feedback.askingScore(trx, message.sender, config.satisfaction.windowDays);
        if (asking) {
          await feedback.recordScore(trx, asking, score, message.id);
          if (tools.mayAutoAnswer) await tools.autoReply(config.satisfaction.thanks, 'feedback-satisfaction');
          tools.afterCommit(() => publish(feedback, asking.id, asking.number, 'satisfaction'));
          return 'handled';
        }
      }

      const keyword = config.keywordsEnabled ? feedbackKeyword(message.text, config.keywords) : undefined;
      const quoted = QUOTED_TICKET.exec(message.text)?.[0]?.toUpperCase();
      const quotedTicket = quoted ? await feedback.byNumber(trx, quoted) : undefined;
      const open = quotedTicket?.mobile === message.sender ? quotedTicket : await feedback.openTicketOf(message.sender, trx);
      if (open && (open.state === 'new' || open.state === 'in-progress' || open === quotedTicket)) {
        await feedback.recordCustomerText(trx, open, message.text, message.id);
        tools.afterCommit(() => publish(feedback, open.id, open.number, 'customer-text'));
        return 'handled';
      }
      if (!keyword) return 'pass';

      const ticket = await feedback.open(
        trx,
        { mobile: message.sender, text: message.text, kind: keyword.kind, source: 'sms', inboxId: message.id, conversationId: message.conversationId, modemId: message.modemId, memberId: message.memberId, createdBy: 'system' },
        config,
      );
      if (config.acknowledgement.enabled && tools.mayAutoAnswer) {
        const reply = await tools.autoReply(feedback.acknowledgementText(ticket, config), 'feedback');
        await trx('feedback_tickets').where('id', ticket.id).update({ ack_message_id: reply.messageId });
      }
      tools.afterCommit(() => publish(feedback, ticket.id, ticket.number, 'created'));
      return 'handled';
    },
  };
  return { handler, order: INBOUND_ORDER.feedback };
}

function publish(feedback: Feedback, ticketId: number, number: string, change: 'created' | 'customer-text' | 'satisfaction'): void {
  feedback.announce(ticketId, number, change);
}
