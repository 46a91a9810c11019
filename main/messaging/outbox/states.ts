import { AppError } from '../../errors.js';
import type { MessageCategory } from '../policy/policy.js';

/**
 * The outbox state machine as data: every status change in the repository goes
 * through `assertTransition`, so an illegal move (a sent part going back to
 * pending, an `unknown` message being resent by the dispatcher) is an error
 * instead of a silent double send.
 */
export const MESSAGE_STATUSES = ['queued', 'paused', 'sending', 'sent', 'delivered', 'failed', 'expired', 'blocked', 'cancelled', 'unknown'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const PART_STATUSES = ['pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'unknown'] as const;
export type PartStatus = (typeof PART_STATUSES)[number];

const MESSAGE_TRANSITIONS: Record<MessageStatus, readonly MessageStatus[]> = {
  // queued → queued is a deferral (quiet hours, modem busy): due_at moves, nothing else.
  // queued → paused: its batch was paused; the claim only ever takes queued messages.
  queued: ['queued', 'paused', 'sending', 'blocked', 'expired', 'failed', 'cancelled'],
  paused: ['queued', 'cancelled'],
  // sending → queued: a retryable error before every part was accepted; the accepted parts stay sent.
  // sending → cancelled: withdrawn while claimed; only parts not yet handed to a modem are withdrawn.
  sending: ['queued', 'sent', 'failed', 'unknown', 'expired', 'cancelled'],
  sent: ['delivered', 'failed'],
  // Only an operator moves an unknown message, and only to a final state.
  unknown: ['sent', 'failed'],
  delivered: [],
  failed: [],
  expired: [],
  blocked: [],
  cancelled: [],
};

const PART_TRANSITIONS: Record<PartStatus, readonly PartStatus[]> = {
  // pending → cancelled: withdrawn before any modem had it (a part begun is never withdrawn).
  pending: ['sending', 'failed', 'cancelled'],
  // sending → pending only when the modem refused the part outright (+CMS ERROR): it was not accepted.
  sending: ['sent', 'pending', 'failed', 'unknown'],
  sent: ['delivered', 'failed'],
  unknown: ['sent', 'failed'],
  delivered: [],
  failed: [],
  cancelled: [],
};

/** Final states: nothing more happens to the message by itself. */
export const FINAL_MESSAGE_STATUSES: readonly MessageStatus[] = ['delivered', 'failed', 'expired', 'blocked', 'cancelled'];

/** Waiting for a modem: a cancel withdraws these whole. */
export const WAITING_MESSAGE_STATUSES: readonly MessageStatus[] = ['queued', 'paused'];

export class OutboxStateError extends AppError {
  constructor(what: 'message' | 'part', from: string, to: string, id: number) {
    super('OUTBOX_BAD_TRANSITION', `The ${what} ${id} cannot go from ${from} to ${to}. Reload it: something else changed it first.`, 409, {
      from,
      to,
      id,
    });
  }
}

export function canMoveMessage(from: MessageStatus, to: MessageStatus): boolean {
  return MESSAGE_TRANSITIONS[from].includes(to);
}

export function canMovePart(from: PartStatus, to: PartStatus): boolean {
  return PART_TRANSITIONS[from].includes(to);
}

export function assertMessageTransition(id: number, from: MessageStatus, to: MessageStatus): void {
  if (!canMoveMessage(from, to)) throw new OutboxStateError('message', from, to, id);
}

export function assertPartTransition(id: number, from: PartStatus, to: PartStatus): void {
  if (!canMovePart(from, to)) throw new OutboxStateError('part', from, to, id);
}

/** Lower goes first: replies to a customer, then care and transactional, then marketing. */
export function priorityOf(category: MessageCategory): number {
  switch (category) {
    case 'reply':
      return 0;
    case 'care':
    case 'transactional':
      return 1;
    case 'marketing':
      return 2;
  }
}

/** The status a message takes from its parts once none is still in flight. */
export function messageStatusFromParts(parts: readonly PartStatus[]): MessageStatus | undefined {
  if (parts.length === 0) return undefined;
  if (parts.some((p) => p === 'pending' || p === 'sending')) return undefined;
  if (parts.some((p) => p === 'unknown')) return 'unknown';
  if (parts.some((p) => p === 'failed')) return 'failed';
  if (parts.every((p) => p === 'delivered')) return 'delivered';
  return 'sent';
}

export interface RetryPolicy {
  /** Attempts in all (the first one included) before a retryable error fails the message. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000 };

/**
 * After the `attempt`-th failed attempt (1-based): when to try again, or
 * undefined when the attempts are used up. Exponential, capped, no jitter:
 * one dispatcher per appliance, so there is no herd to spread.
 */
export function retryDelay(attempt: number, policy: RetryPolicy = DEFAULT_RETRY): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}
