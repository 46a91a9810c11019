import { foldText } from '../sms-services/fold.js';
import { INBOUND_ORDER, type InboundHandler } from '../messaging/inbox/inbox.js';
import { keywordKey, type Subscriptions, type Topic } from './subscriptions.js';

/**
 * DY 促销 / TD 促销 (订阅促销 / 退订促销): a member subscribes to or leaves one topic by text. TD
 * alone is the general opt-out, handled before this (INBOUND_ORDER.optOut); DY alone asks what
 * can be subscribed. Pure.
 */
export type TopicCommand = { action: 'subscribe' | 'unsubscribe'; topic: string } | { action: 'menu' };

export function parseTopicCommand(text: string): TopicCommand | undefined {
  const folded = foldText(text, 40).trim().replace(/[\s\p{P}]+$/u, '');
  if (/^(dy|订阅)$/.test(folded)) return { action: 'menu' };
  const match = /^(dy|td|订阅|退订)(?:[\s\p{P}]*)(.+)$/u.exec(folded);
  if (!match) return undefined;
  const verb = match[1]!;
  const topic = match[2]!.trim();
  // DYxyz / TDabc: a Latin verb glued to Latin letters is some other word, not a command.
  if (/^[a-z]/.test(verb) && /^[a-z0-9]/.test(topic) && !/[\s\p{P}]/u.test(folded.charAt(verb.length))) return undefined;
  return { action: verb === 'dy' || verb === '订阅' ? 'subscribe' : 'unsubscribe', topic };
}

/** The topic a customer named, by its keyword or its name (促销 or 促销信息). */
export function findTopic(topics: readonly Topic[], named: string): Topic | undefined {
  const key = keywordKey(named);
  return topics.find((t) => t.active && (keywordKey(t.keyword) === key || keywordKey(t.name) === key));
}

export function topicMenu(topics: readonly Topic[]): string {
  const listed = topics
    .filter((t) => t.active)
    .map((t) => (t.name === t.keyword ? t.keyword : `${t.keyword}（${t.name}）`))
    .join('、');
  return `可订阅：${listed}。回复DY加名称订阅，TD加名称退订，如DY${topics.find((t) => t.active)?.keyword ?? ''}。`;
}

export const TOPIC_REPLIES = {
  subscribed: (t: Topic) => `已为您订阅「${t.name}」，回复TD${t.keyword}可退订。`,
  unsubscribed: (t: Topic) => `已为您退订「${t.name}」，其他订阅不受影响。回复DY${t.keyword}可重新订阅。`,
  notMember: (t: Topic) => `您的号码尚未登记会员，暂不能订阅「${t.name}」。请到服务台办理会员后再回复DY${t.keyword}。`,
  unknown: (named: string, topics: readonly Topic[]) => `没有“${named.slice(0, 10)}”这项订阅。${topicMenu(topics)}`,
};

/**
 * The inbound chain's link for topic commands, in its place after the general opt-out. The
 * subscription, the consent record and the confirmation commit with the text being marked
 * handled (the chain's transaction). TD with a word that is no topic passes on: staff see it.
 */
export function topicCommandHandler(subscriptions: Subscriptions): { handler: InboundHandler; order: number } {
  const handler: InboundHandler = {
    name: 'subscriptions',
    async handle(message, tools) {
      if (!message.sender.startsWith('+')) return 'pass';
      const command = parseTopicCommand(message.text);
      if (!command) return 'pass';
      const topics = await subscriptions.topics({ activeOnly: true }, tools.trx);
      const answer = async (text: string) => {
        if (tools.mayAutoAnswer) await tools.autoReply(text, 'subscriptions');
      };
      if (command.action === 'menu') {
        await answer(topicMenu(topics));
        return 'handled';
      }
      const topic = findTopic(topics, command.topic);
      if (!topic) {
        if (command.action === 'unsubscribe') return 'pass';
        await answer(TOPIC_REPLIES.unknown(command.topic, topics));
        return 'handled';
      }
      const members: Array<{ id: number }> = await tools.trx('members').select('id').where('mobile', message.sender).whereNull('deleted_at');
      const memberIds = members.map((m) => Number(m.id));
      const subscribe = command.action === 'subscribe';
      if (memberIds.length === 0) {
        await answer(subscribe ? TOPIC_REPLIES.notMember(topic) : TOPIC_REPLIES.unsubscribed(topic));
        return 'handled';
      }
      await subscriptions.apply(tools.trx, {
        memberIds,
        mobile: message.sender,
        topicId: topic.id,
        subscribed: subscribe,
        source: 'sms',
        text: message.text,
        inboxId: message.id,
        actor: 'system',
      });
      if (subscribe) await subscriptions.restoreConsentForOptIn(tools.trx, memberIds, message.sender, message.text, message.id);
      await answer(subscribe ? TOPIC_REPLIES.subscribed(topic) : TOPIC_REPLIES.unsubscribed(topic));
      return 'handled';
    },
  };
  return { handler, order: INBOUND_ORDER.subscriptions };
}
