import { describe, expect, it } from 'vitest';
import {
  MESSAGE_STATUSES,
  PART_STATUSES,
  canMoveMessage,
  canMovePart,
  messageStatusFromParts,
  priorityOf,
  retryDelay,
  assertMessageTransition,
} from './states.js';

describe('outbox state machine', () => {
  it('never lets a part that a modem accepted go back to be sent again', () => {
    for (const to of PART_STATUSES) {
      expect(canMovePart('sent', to)).toBe(to === 'delivered' || to === 'failed');
      expect(canMovePart('unknown', to)).toBe(to === 'sent' || to === 'failed');
    }
    expect(canMovePart('sending', 'pending')).toBe(true);
    expect(canMovePart('delivered', 'pending')).toBe(false);
  });

  it('withdraws only what no modem has: a pending part, a waiting or claimed message; a part begun never', () => {
    for (const from of PART_STATUSES) expect(canMovePart(from, 'cancelled')).toBe(from === 'pending');
    for (const from of MESSAGE_STATUSES) expect(canMoveMessage(from, 'cancelled')).toBe(['queued', 'paused', 'sending'].includes(from));
    expect(canMoveMessage('paused', 'sending')).toBe(false);
    expect(canMoveMessage('paused', 'queued')).toBe(true);
  });

  it('moves an unknown message only to a final decision, never back to the queue', () => {
    expect(canMoveMessage('unknown', 'queued')).toBe(false);
    expect(canMoveMessage('unknown', 'sending')).toBe(false);
    expect(canMoveMessage('unknown', 'sent')).toBe(true);
    expect(canMoveMessage('unknown', 'failed')).toBe(true);
  });

  it('keeps final states final', () => {
    for (const from of ['delivered', 'failed', 'expired', 'blocked', 'cancelled'] as const) {
      for (const to of MESSAGE_STATUSES) expect(canMoveMessage(from, to)).toBe(false);
    }
    expect(() => assertMessageTransition(7, 'delivered', 'queued')).toThrow(/cannot go from delivered to queued/);
  });

  it('derives the message status from its parts', () => {
    expect(messageStatusFromParts(['sent', 'pending'])).toBeUndefined();
    expect(messageStatusFromParts(['sent', 'delivered'])).toBe('sent');
    expect(messageStatusFromParts(['delivered', 'delivered'])).toBe('delivered');
    expect(messageStatusFromParts(['delivered', 'failed'])).toBe('failed');
    expect(messageStatusFromParts(['sent', 'unknown'])).toBe('unknown');
    expect(messageStatusFromParts([])).toBeUndefined();
  });

  it('orders replies before care and transactional before marketing', () => {
    expect(priorityOf('reply')).toBeLessThan(priorityOf('care'));
    expect(priorityOf('care')).toBe(priorityOf('transactional'));
    expect(priorityOf('transactional')).toBeLessThan(priorityOf('marketing'));
  });

  it('backs off exponentially, capped, and gives up after the last attempt', () => {
    const policy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 3_000 };
    expect(retryDelay(1, policy)).toBe(1_000);
    expect(retryDelay(2, policy)).toBe(2_000);
    expect(retryDelay(3, policy)).toBe(3_000);
    expect(retryDelay(4, policy)).toBeUndefined();
  });
});
