import type { Clock } from '../clock.js';
import type { InboundHandler } from '../messaging/inbox/inbox.js';
import { localDate } from '../messaging/policy/local-time.js';
import { normalizeReply, toAutomation, type AutomationRow, type InvitationSettings } from './automations.js';

/** The statuses of an invitation that reached (or may have reached) the phone: a reply can be about it. */
const REACHED = ['sending', 'sent', 'delivered', 'unknown'];

/** Values put into an answer lose braces: the answer is rendered as a template. */
const plain = (text: string) => text.replace(/[{}｛｝]/g, '');

function dayText(date: string): string {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

export interface RsvpDeps {
  clock: Clock;
  timeZone(): Promise<string>;
  /** After a sign-up was recorded (the page updates its count). */
  onRsvp?(automationId: number): void;
}

/**
 * Replies to event invitations (回复1报名), in the inbound chain after topic
 * commands and surveys and before feedback keywords and the keyword services.
 *
 * A text that is one of an invitation's reply words, from a number that was
 * sent that invitation, up to the end of the event day, signs the number up.
 * When the number had several open invitations with that word, the most
 * recent one sent to it is meant. The sign-up is counted against the places,
 * answered (a reply, through the modem the text came in on), and the text
 * stays in the inbox handled by 'invitation'. Any other text passes on.
 */
export function invitationReplies(deps: RsvpDeps): InboundHandler {
  return {
    name: 'invitation',
    async handle(message, tools) {
      if (!message.sender.startsWith('+')) return 'pass';
      const reply = normalizeReply(message.text);
      if (reply === '' || [...reply].length > 10) return 'pass';
      const { trx } = tools;
      const today = localDate(await deps.timeZone(), deps.clock.now());
      const invitations = (await trx('outbox_messages as o')
        .join('care_runs as r', 'r.batch_id', 'o.batch_id')
        .join('care_automations as a', 'a.id', 'r.automation_id')
        .where('o.recipient', message.sender)
        .where('o.source', 'care')
        .whereIn('o.status', REACHED)
        .where('a.kind', 'invitation')
        .where('r.occasion_date', '>=', today)
        .orderBy('o.created_at', 'desc')
        .orderBy('o.id', 'desc')
        .limit(20)
        .select('a.*', 'r.occasion_date as occasion_date', 'o.member_id as invited_member_id')) as Array<AutomationRow & { occasion_date: string; invited_member_id: number | null }>;
      const match = invitations.find((row) => {
        const settings = toAutomation(row).settings as InvitationSettings;
        return settings.keywords.includes(reply);
      });
      if (!match) return 'pass';
      const automation = toAutomation(match);
      const settings = automation.settings as InvitationSettings;
      const event = plain(settings.eventName);
      const when = `${dayText(match.occasion_date)}${settings.place ? ` ${plain(settings.place)}` : ''}`;
      const existing = (await trx('care_rsvps').where({ automation_id: automation.id, occasion_date: match.occasion_date, mobile: message.sender }).first()) as { state: string } | undefined;
      let answer: string;
      if (existing) {
        answer = existing.state === 'accepted' ? `您已报名${event}（${when}），无需重复回复，届时恭候。` : `抱歉，${event}名额已满，感谢您的支持！`;
      } else {
        const counted = (await trx('care_rsvps').where({ automation_id: automation.id, occasion_date: match.occasion_date, state: 'accepted' }).count({ c: '*' }).first()) as { c: number | string } | undefined;
        const full = settings.capacity !== null && Number(counted?.c ?? 0) >= settings.capacity;
        const memberId = message.memberId ?? match.invited_member_id ?? null;
        const member = memberId !== null ? ((await trx('members').where('id', memberId).first('name')) as { name: string } | undefined) : undefined;
        await trx('care_rsvps').insert({
          automation_id: automation.id,
          occasion_date: match.occasion_date,
          mobile: message.sender,
          member_id: memberId,
          name: (member?.name ?? '').slice(0, 64),
          state: full ? 'full' : 'accepted',
          inbox_id: message.id,
          text: message.text.slice(0, 160),
          replied_at: deps.clock.now(),
        });
        answer = full ? `抱歉，${event}名额已满，感谢您的支持！` : `报名成功！${event}（${when}），届时恭候您的光临。`;
      }
      if (tools.mayAutoAnswer) await tools.autoReply(answer, 'invitation');
      deps.onRsvp?.(automation.id);
      return 'handled';
    },
  };
}
