import { isOptOut } from '../policy/policy.js';
import type { InboundHandler } from './inbox.js';

/**
 * First link of the inbound chain: a text that is exactly an opt-out word
 * (TD, 退订, T, N, STOP … as configured) blacklists the sender for commercial
 * texts (marketing and care) at once, records the refusal on the member, and
 * queues one confirmation saying what stops (the policy's optOutConfirmation;
 * the store signature is added when it is rendered) — none when the number
 * was already opted out (a second TD), none to an inbound-blacklisted number.
 */
export const optOutHandler: InboundHandler = {
  name: 'opt-out',
  async handle(message, tools) {
    // Alphanumeric senders (service numbers by name) cannot be listed or answered.
    if (!message.sender.startsWith('+') || !isOptOut(message.text, tools.policy.optOutKeywords)) return 'pass';
    // The blacklist entry and the confirmation commit together (the chain's transaction): never one without the other.
    const change = await tools.optOut();
    if (change !== 'unchanged' && tools.mayAutoAnswer) await tools.autoReply(tools.policy.optOutConfirmation, 'opt-out');
    return 'handled';
  },
};
