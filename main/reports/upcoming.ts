import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { UpcomingItem, UpcomingSource } from './sources.js';

/** The campaigns side: scheduled campaigns with their next run. */
export interface ScheduledCampaigns {
  list(query: { states: Array<'scheduled'>; page: number; pageSize: number }): Promise<{ items: Array<{ id: number; name: string; nextRunAt: number | null }> }>;
}

/** The care side: each automation's next send, and a day's preview (how many each would text). */
export interface CarePlans {
  nextSends(): Promise<Array<{ automationId: number; name: string; sendDay: string; at: number }>>;
  preview(date: string, options: { limit: number }): Promise<{ items: Array<{ automationId: number; count: number }> }>;
}

/** A day's counts are read again after this long (opt-outs and new members change them a little). */
export const PREVIEW_TTL_MS = 10 * 60_000;

interface DayCounts {
  at: number;
  counts: Map<number, number>;
}

/**
 * What the dashboard lists under 即将发送: scheduled campaigns and the care
 * automations' next sends (明天 09:00 生日祝福 37 人), soonest first. An
 * automation's count is its day's care preview — the same figure the 会员关怀
 * page shows — kept for a few minutes (a preview reads every member it may
 * text) and dropped whenever an automation changes or runs. One that would text
 * nobody is left out.
 */
export class UpcomingSends implements UpcomingSource {
  readonly configured = true;
  private readonly days = new Map<string, DayCounts>();
  private readonly refreshing = new Map<string, Promise<DayCounts>>();
  private generation = 0;

  constructor(
    private readonly deps: { campaigns: ScheduledCampaigns; care: CarePlans; clock: Clock; events: EventBus },
  ) {}

  /** Forgets the counts when automations change or run, or a setting (time zone, quiet hours) moves; returns the unsubscribe. */
  watch(): () => void {
    return this.deps.events.onDidPublish((event) => {
      if (event.type === 'care.changed' || event.type === 'settings.changed') this.forget();
    });
  }

  forget(): void {
    this.generation += 1;
    this.days.clear();
    this.refreshing.clear();
  }

  async upcoming(now: number, limit: number): Promise<UpcomingItem[]> {
    const [campaigns, automations] = await Promise.all([this.campaigns(now), this.automations(now)]);
    return [...campaigns, ...automations].sort((a, b) => a.at - b.at).slice(0, limit);
  }

  private async campaigns(now: number): Promise<UpcomingItem[]> {
    const { items } = await this.deps.campaigns.list({ states: ['scheduled'], page: 1, pageSize: 100 });
    return items
      .filter((c): c is typeof c & { nextRunAt: number } => c.nextRunAt !== null && c.nextRunAt >= now)
      .map((c) => ({ kind: 'campaign' as const, id: String(c.id), name: c.name, at: c.nextRunAt, audience: null, link: `/campaigns/${c.id}` }));
  }

  private async automations(now: number): Promise<UpcomingItem[]> {
    const sends = await this.deps.care.nextSends();
    const items: UpcomingItem[] = [];
    for (const day of [...new Set(sends.map((s) => s.sendDay))]) {
      const { counts } = await this.countsOf(day, now);
      for (const send of sends) {
        if (send.sendDay !== day) continue;
        const count = counts.get(send.automationId) ?? 0;
        if (count > 0) items.push({ kind: 'automation', id: String(send.automationId), name: send.name, at: send.at, audience: count, link: '/care' });
      }
    }
    return items;
  }

  /** The day's preview counts: kept ones while fresh; stale ones are shown while they are read again. */
  private async countsOf(day: string, now: number): Promise<DayCounts> {
    const kept = this.days.get(day);
    if (kept && now - kept.at < PREVIEW_TTL_MS) return kept;
    let running = this.refreshing.get(day);
    if (!running) {
      const generation = this.generation;
      running = this.deps.care
        .preview(day, { limit: 0 })
        .then((preview) => {
          const fresh = { at: this.deps.clock.now(), counts: new Map(preview.items.map((i) => [i.automationId, i.count])) };
          if (generation === this.generation) this.days.set(day, fresh);
          return fresh;
        })
        .finally(() => {
          if (this.refreshing.get(day) === running) this.refreshing.delete(day);
        });
      this.refreshing.set(day, running);
    }
    if (kept) {
      running.catch(() => undefined);
      return kept;
    }
    return running;
  }
}
