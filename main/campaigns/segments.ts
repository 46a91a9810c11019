import type { Knex } from 'knex';
import type { Segment, SegmentInput } from '../api/schemas/campaigns.js';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import { applyMemberFilter, localDate, parseMemberFilter, type MemberFilter } from '../members/filter.js';
import { CampaignError } from './errors.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A segment was saved, changed or deleted: the segments list and the audience pickers reload. */
    'segments.changed': { id: number; change: 'created' | 'updated' | 'deleted' };
  }
}

interface SegmentRow {
  id: number;
  name: string;
  description: string;
  filter: string;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  updated_by: string;
}

/** Members a filter reaches: not deleted, with a mobile number (the rest cannot be texted). */
export function reachable(db: Knex, filter: MemberFilter, now: number): Knex.QueryBuilder {
  return applyMemberFilter(db('members'), filter, { today: localDate(now) }).whereNotNull('members.mobile');
}

/** Exact count of the members a filter reaches (an audience is counted in full, not capped as the list is). */
export async function countReachable(db: Knex, filter: MemberFilter, now: number): Promise<number> {
  const [row] = await reachable(db, filter, now).count<Array<{ n: number | string }>>({ n: '*' });
  return Number(row?.n ?? 0);
}

/**
 * Segments (分群): a member filter saved under a name — 高价值会员, 本周生日,
 * 沉睡会员 — with its live count, usable as a campaign audience. A segment
 * is the filter, not a frozen list: a campaign run reads it as it is then.
 */
export class Segments {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
  ) {}

  async list(options: { counts?: boolean } = {}): Promise<Segment[]> {
    const rows: SegmentRow[] = await this.db('segments').select('*').orderBy('name');
    const used = await this.usage();
    const now = this.clock.now();
    const out: Segment[] = [];
    for (const row of rows) {
      const filter = JSON.parse(row.filter) as MemberFilter;
      out.push(toSegment(row, options.counts === false ? null : await countReachable(this.db, filter, now), used.get(Number(row.id)) ?? []));
    }
    return out;
  }

  async get(id: number, trx: Knex = this.db): Promise<Segment> {
    const row: SegmentRow | undefined = await trx('segments').where('id', id).first();
    if (!row) throw new CampaignError('SEGMENT_NOT_FOUND', `There is no segment ${id}; it may have been deleted. Choose another audience.`, 404, { id });
    const used = await this.usage(trx, id);
    return toSegment(row, await countReachable(trx, JSON.parse(row.filter) as MemberFilter, this.clock.now()), used.get(Number(row.id)) ?? []);
  }

  async filterOf(id: number, trx: Knex = this.db): Promise<MemberFilter> {
    const row: Pick<SegmentRow, 'filter'> | undefined = await trx('segments').select('filter').where('id', id).first();
    if (!row) throw new CampaignError('SEGMENT_NOT_FOUND', `There is no segment ${id}; it may have been deleted. Choose another audience.`, 404, { id });
    return JSON.parse(row.filter) as MemberFilter;
  }

  async count(filter: unknown): Promise<number> {
    return countReachable(this.db, parseMemberFilter(filter), this.clock.now());
  }

  async create(actor: AuditActor, input: SegmentInput): Promise<Segment> {
    const clean = this.check(input);
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      await this.assertNameFree(trx, clean.name);
      const [inserted] = (await trx('segments')
        .insert({ ...clean, filter: JSON.stringify(clean.filter), created_at: now, created_by: actor.username, updated_at: now, updated_by: actor.username })
        .returning('id')) as Array<{ id: number } | number>;
      const segmentId = Number(typeof inserted === 'object' ? inserted.id : inserted);
      await this.audit.record(actor, 'segments.create', `segment:${segmentId}`, { name: clean.name, filter: clean.filter }, trx);
      return segmentId;
    });
    this.events.publish('segments.changed', { id, change: 'created' }, 'campaigns.read');
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, input: SegmentInput): Promise<Segment> {
    const clean = this.check(input);
    await this.db.transaction(async (trx) => {
      const before = await this.get(id, trx);
      if (before.name !== clean.name) await this.assertNameFree(trx, clean.name);
      await trx('segments').where('id', id).update({ ...clean, filter: JSON.stringify(clean.filter), updated_at: this.clock.now(), updated_by: actor.username });
      // A rename names the old name too: the log reads "高价值会员 (was VIP)" without looking further back.
      const renamed = before.name !== clean.name ? { wasName: before.name } : {};
      await this.audit.record(actor, 'segments.update', `segment:${id}`, { name: clean.name, ...renamed, filter: clean.filter, wasFilter: before.filter }, trx);
    });
    this.events.publish('segments.changed', { id, change: 'updated' }, 'campaigns.read');
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const segment = await this.get(id, trx);
      if (segment.usedBy > 0) {
        const names = segment.usedIn.map((c) => `"${c.name}"`).join(', ');
        throw new CampaignError('SEGMENT_IN_USE', `Segment "${segment.name}" is the audience of ${names}; give those campaigns another audience (or cancel them) first.`, 409, {
          id,
          usedBy: segment.usedBy,
          campaigns: names,
        });
      }
      // Finished campaigns keep their audience as it was: the segment's filter, as an ad-hoc filter.
      await trx('campaigns')
        .where('segment_id', id)
        .update({ audience_kind: 'filter', audience_filter: JSON.stringify(segment.filter), segment_id: null });
      await trx('segments').where('id', id).delete();
      await this.audit.record(actor, 'segments.delete', `segment:${id}`, { name: segment.name }, trx);
    });
    this.events.publish('segments.changed', { id, change: 'deleted' }, 'campaigns.read');
  }

  private check(input: SegmentInput): { name: string; description: string; filter: MemberFilter } {
    const name = input.name.trim();
    if (!name) throw new CampaignError('SEGMENT_NAME_REQUIRED', 'Give the segment a name, such as 高价值会员.', 400);
    return { name, description: (input.description ?? '').trim(), filter: parseMemberFilter(input.filter) };
  }

  private async assertNameFree(trx: Knex, name: string): Promise<void> {
    if (await trx('segments').where('name', name).first()) {
      throw new CampaignError('SEGMENT_NAME_TAKEN', `A segment named "${name}" exists already; choose another name or change that one.`, 409, { name });
    }
  }

  /** Campaigns not yet over (drafts included) that use each segment, or the one segment `only`. */
  private async usage(trx: Knex = this.db, only?: number): Promise<Map<number, SegmentUse[]>> {
    const rows: Array<{ segment_id: number; id: number; name: string; state: SegmentUse['state'] }> = await trx('campaigns')
      .select('segment_id', 'id', 'name', 'state')
      .whereNotNull('segment_id')
      .whereNotIn('state', ['completed', 'cancelled'])
      .modify((q) => {
        if (only !== undefined) void q.where('segment_id', only);
      })
      .orderBy('id');
    const out = new Map<number, SegmentUse[]>();
    for (const r of rows) {
      const list = out.get(Number(r.segment_id)) ?? [];
      list.push({ id: Number(r.id), name: r.name, state: r.state });
      out.set(Number(r.segment_id), list);
    }
    return out;
  }
}

type SegmentUse = Segment['usedIn'][number];

function toSegment(row: SegmentRow, count: number | null, usedIn: SegmentUse[]): Segment {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    filter: JSON.parse(row.filter) as MemberFilter,
    count,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
    usedBy: usedIn.length,
    usedIn,
  };
}
