import type { Knex } from 'knex';
import type { AudienceKind } from '../api/schemas/campaigns.js';
import type { MemberFilter } from '../members/filter.js';
import type { Recipient } from '../messaging/outbox/enqueue.js';
import { memberRecipient, recipientColumns, type AudienceRow } from '../messaging/outbox/recipients.js';
import { reachable } from './segments.js';

/**
 * A campaign's audience as a stream of recipients in a stable order: members
 * by id (segment, ad-hoc filter, tag), or an uploaded list by its row number.
 * Read a page at a time after a position (keyset), so a million members stream
 * in constant memory and a run can go on from where it stopped.
 */
export interface AudienceSource {
  kind: AudienceKind;
  campaignId: number;
  /** For segment, filter and tag: the member filter as it is now (a segment is read afresh each page). */
  filter: MemberFilter | null;
}

export interface AudienceEntry {
  /** Member id, or the list row number: the run's cursor. */
  position: number;
  /** The member id, or the number for a list entry: what the idempotency key and the hold-out draw are made of. */
  key: string;
  recipient: Recipient;
}

export async function audiencePage(db: Knex, source: AudienceSource, after: number, limit: number, now: number): Promise<AudienceEntry[]> {
  if (source.kind === 'list') {
    const rows: Array<{ seq: number; number: string }> = await db('campaign_list_numbers')
      .select('seq', 'number')
      .where('campaign_id', source.campaignId)
      .andWhere('seq', '>', after)
      .orderBy('seq')
      .limit(limit);
    return rows.map((r) => ({ position: Number(r.seq), key: `number:${r.number}`, recipient: { number: r.number } }));
  }
  const rows: AudienceRow[] = await reachable(db, source.filter ?? {}, now)
    .leftJoin('stores as s', 's.code', 'members.store_code')
    .select(...recipientColumns('members'), 's.name as store_name')
    .andWhere('members.id', '>', after)
    .orderBy('members.id')
    .limit(limit);
  return rows.map((row) => ({ position: Number(row.id), key: `member:${row.id}`, recipient: memberRecipient(row) }));
}

/** How many the audience holds now. */
export async function audienceSize(db: Knex, source: AudienceSource, now: number): Promise<number> {
  const q =
    source.kind === 'list'
      ? db('campaign_list_numbers').where('campaign_id', source.campaignId)
      : reachable(db, source.filter ?? {}, now);
  const [row] = await q.count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}

/** The filter a tag audience is. */
export function tagFilter(tag: string): MemberFilter {
  return { tags: { values: [tag], match: 'any' } };
}
