import type { ApplianceEvents, EventName } from '../events/bus.js';

/**
 * The events a webhook may subscribe to, each drawn from one event on the appliance's
 * EventBus. A capability that publishes a new event (say, the feedback feature's
 * 'ticket.created') makes it subscribable by adding one entry here.
 */
export interface WebhookEventType<K extends EventName = EventName> {
  type: string;
  bus: K;
  /** The event's data as receivers get it; undefined skips this occurrence. */
  payload: (data: ApplianceEvents[K]) => Record<string, unknown> | undefined;
}

function entry<K extends EventName>(type: string, bus: K, payload: WebhookEventType<K>['payload']): WebhookEventType {
  return { type, bus, payload } as unknown as WebhookEventType;
}

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  // Every change a message goes through after it was queued (a re-queue for retry is not one).
  entry('message.status', 'outbox.message', (d) => (d.status === 'queued' || d.status === 'sending' ? undefined : { messageId: d.id, status: d.status, recipient: d.recipient, batchId: d.batchId })),
  entry('inbound.text', 'inbox.message', (d) => ({ inboxId: d.id, conversationId: d.conversationId, sender: d.sender, text: d.text, memberId: d.memberId })),
  entry('list.changed', 'lists.changed', (d) => ({ list: d.list, change: d.change, ...(d.mobile ? { mobile: d.mobile } : {}) })),
  // A feedback ticket opened (by a customer's 投诉/建议 text or by staff); its details are at GET /api/feedback/:id.
  entry('ticket.created', 'feedback.changed', (d) => (d.change === 'created' ? { ticketId: d.ticketId, number: d.number } : undefined)),
  // Worked on, answered by the customer, resolved, closed or rated.
  entry('ticket.changed', 'feedback.changed', (d) => (d.change === 'created' ? undefined : { ticketId: d.ticketId, number: d.number, change: d.change })),
  entry('campaign.state', 'campaigns.changed', (d) => ({ campaignId: d.id, state: d.state })),
];

/** The test event "send test event" delivers; not subscribable, always allowed. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

export const WEBHOOK_EVENT_NAMES: readonly string[] = WEBHOOK_EVENT_TYPES.map((e) => e.type);
