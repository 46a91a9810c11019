import type { Knex } from 'knex';
import { COMMERCIAL_CATEGORIES, decide, type ListStatus, type PolicyContext, type PolicyDecision, type PolicyMessage } from '../policy/policy.js';

/**
 * The seam to the sending policy: `decide` by default, a stand-in in tests. The
 * outbox gathers what the rules need (list status, consent, recent marketing
 * sends) in bulk and asks once per recipient.
 */
export type SendPolicy = (message: PolicyMessage, context: PolicyContext) => PolicyDecision;
export const defaultSendPolicy: SendPolicy = decide;

/** How the outbox asks the lists about many numbers at once (NumberLists.lookup). */
export type ListLookup = (numbers: readonly string[], now: number, trx: Knex) => Promise<Map<string, ListStatus>>;

/** Statuses that count against the frequency cap: queued or on its way, not blocked or failed. */
const COUNTED: ReadonlySet<string> = new Set(['queued', 'sending', 'sent', 'delivered', 'unknown']);

/**
 * Commercial (care and marketing) messages per recipient created within the
 * cap window, one query per 500 numbers; `excludeId` leaves out the message
 * being dispatched.
 */
export async function recentCommercialSends(
  trx: Knex,
  numbers: readonly string[],
  since: number,
  excludeId?: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const unique = [...new Set(numbers)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    // Statuses are counted here, not in SQL: a status condition tempts the planner onto the claim
    // index (status first), a scan of every queued row, instead of the (recipient, created_at) seek.
    const q = trx('outbox_messages')
      .select('recipient', 'status')
      .whereIn('recipient', chunk)
      .andWhere('created_at', '>=', since)
      .whereIn('category', COMMERCIAL_CATEGORIES);
    if (excludeId !== undefined) q.andWhere('id', '<>', excludeId);
    for (const row of (await q) as Array<{ recipient: string; status: string }>) {
      if (COUNTED.has(row.status)) counts.set(row.recipient, (counts.get(row.recipient) ?? 0) + 1);
    }
  }
  return counts;
}
