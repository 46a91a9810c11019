import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { normaliseTags } from '../members/profile.js';
import { CampaignError } from './errors.js';

/** Members one bulk tag change may touch (the 会员 page selects a page of rows at most). */
export const MAX_BULK_MEMBERS = 1_000;

export interface BulkTagInput {
  memberIds: readonly number[];
  add?: readonly string[] | undefined;
  remove?: readonly string[] | undefined;
}

/**
 * Adds and removes tags on the members selected in 会员, in one transaction
 * with its audit row: all of them change or none.
 */
export async function tagMembers(db: Knex, audit: AuditLog, actor: AuditActor, input: BulkTagInput): Promise<{ members: number; added: number; removed: number }> {
  const ids = [...new Set(input.memberIds)];
  const add = normaliseTags([...(input.add ?? [])]);
  const remove = normaliseTags([...(input.remove ?? [])]);
  if (ids.length === 0) throw new CampaignError('BULK_TAG_NO_MEMBERS', 'Select at least one member in the list first.', 400);
  if (ids.length > MAX_BULK_MEMBERS) throw new CampaignError('BULK_TAG_TOO_MANY', `Tag at most ${MAX_BULK_MEMBERS} members at once; for more, save the filter as a segment.`, 400, { max: MAX_BULK_MEMBERS });
  if (add.length === 0 && remove.length === 0) throw new CampaignError('BULK_TAG_NOTHING', 'Name a tag to add or to remove.', 400);
  const long = [...add, ...remove].find((t) => [...t].length > 32);
  if (long) throw new CampaignError('TAG_TOO_LONG', `The tag "${long}" is longer than 32 characters: shorten it.`, 400, { tag: long });
  const both = add.find((t) => remove.includes(t));
  if (both) throw new CampaignError('BULK_TAG_BOTH', `The tag "${both}" is both added and removed; choose one.`, 400, { tag: both });

  return db.transaction(async (trx) => {
    const found: number[] = (await trx('members').whereIn('id', ids).whereNull('deleted_at').pluck('id')).map(Number);
    if (found.length !== ids.length) {
      const missing = ids.filter((id) => !found.includes(id));
      throw new CampaignError('BULK_TAG_MEMBER_GONE', `Member(s) ${missing.slice(0, 5).join(', ')} no longer exist; reload the list and select again.`, 404, { missing });
    }
    let added = 0;
    for (const tag of add) {
      const have = new Set((await trx('member_tags').where('tag', tag).whereIn('member_id', ids).pluck('member_id')).map(Number));
      const rows = ids.filter((id) => !have.has(id)).map((member_id) => ({ member_id, tag }));
      for (let i = 0; i < rows.length; i += 300) await trx('member_tags').insert(rows.slice(i, i + 300));
      added += rows.length;
    }
    const removed = remove.length === 0 ? 0 : Number(await trx('member_tags').whereIn('member_id', ids).whereIn('tag', remove).delete());
    await audit.record(actor, 'members.tag', '', { members: ids.length, add, remove, added, removed }, trx);
    return { members: ids.length, added, removed };
  });
}
