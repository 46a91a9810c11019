import { isOptOut } from '../policy/policy.js';
import type { InboundHandler } from './inbox.js';

/** The confirmation an unsubscriber gets, once; the store signature is added when it is rendered. */
export const OPT_OUT_CONFIRMATION = '您已成功退订营销短信，今后不再收到促销信息。';

/**
 * First link of the inbound chain: a text that is exactly an opt-out word
 * (TD, 退订, T, N, STOP … as configured) blacklists the sender for marketing
 * at once and queues one confirmation — none when the number was already
 * opted out (a second TD), none to an inbound-blacklisted number.
 */
export const optOutHandler: InboundHandler = {
  name: 'opt-out',
  async handle(message, tools) {
    // Alphanumeric senders (service numbers by name) cannot be listed or answered.
    if (!message.sender.startsWith('+') || !isOptOut(message.text, tools.policy.optOutKeywords)) return 'pass';
    // The blacklist entry and the confirmation commit together (the chain's transaction): never one without the other.
    const change = await tools.optOut();
    if (change !== 'unchanged' && tools.mayAutoAnswer) await tools.autoReply(OPT_OUT_CONFIRMATION, 'opt-out');
    return 'handled';
  },
};
