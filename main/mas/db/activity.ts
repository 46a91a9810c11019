import type { Knex } from 'knex';
import { localDate, zoneOffset } from '../../messaging/policy/local-time.js';

/** What each code did, for the integrations page: counts per local day, and the recent problems. */
export type DailyCounter = 'taken' | 'rejected' | 'reports' | 'replies';

export interface Problem {
  id: number;
  code: string;
  at: number;
  autoSn: number | null;
  smId: number | null;
  /** A stable word: an RPT description (EMPTY_MOBILES …) or an error code (MAS_DB_…). */
  problem: string;
  detail: string;
}

/** Problems kept per code: enough to see a pattern, never a growing table. */
const KEEP_PROBLEMS = 200;

/** 'yyyy-MM-dd HH:mm:ss' on the store's wall clock: MO_TIME, RPT_TIME. */
export function wallClock(timeZone: string, at: number): string {
  return new Date(at + zoneOffset(timeZone, at)).toISOString().slice(0, 19).replace('T', ' ');
}

export async function countToday(db: Knex, code: string, timeZone: string, now: number, counts: Partial<Record<DailyCounter, number>>): Promise<void> {
  const add = Object.entries(counts).filter(([, n]) => (n ?? 0) > 0) as Array<[DailyCounter, number]>;
  if (add.length === 0) return;
  const day = localDate(timeZone, now);
  const fresh = { code, day, taken: 0, rejected: 0, reports: 0, replies: 0, ...Object.fromEntries(add) };
  await db('mas_db_daily')
    .insert(fresh)
    .onConflict(['code', 'day'])
    .merge(Object.fromEntries(add.map(([name, n]) => [name, db.raw('?? + ?', [`mas_db_daily.${name}`, n])])));
}

export async function recordProblems(db: Knex, at: number, problems: Array<Omit<Problem, 'id' | 'at'>>): Promise<void> {
  if (problems.length === 0) return;
  for (let i = 0; i < problems.length; i += 200) {
    await db('mas_db_problems').insert(
      problems.slice(i, i + 200).map((p) => ({ code: p.code, at, auto_sn: p.autoSn, sm_id: p.smId, problem: p.problem.slice(0, 40), detail: p.detail.slice(0, 1_000) })),
    );
  }
  for (const code of new Set(problems.map((p) => p.code))) {
    const cut: { id: number } | undefined = await db('mas_db_problems').select('id').where('code', code).orderBy('id', 'desc').offset(KEEP_PROBLEMS).first();
    if (cut) await db('mas_db_problems').where('code', code).andWhere('id', '<=', cut.id).delete();
  }
}

export async function recentProblems(db: Knex, code: string | undefined, limit: number): Promise<Problem[]> {
  const q = db('mas_db_problems').orderBy('id', 'desc').limit(limit);
  if (code !== undefined) q.where('code', code);
  const rows: Array<{ id: number; code: string; at: number | string; auto_sn: number | string | null; sm_id: number | string | null; problem: string; detail: string }> = await q;
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    at: Number(r.at),
    autoSn: r.auto_sn === null ? null : Number(r.auto_sn),
    smId: r.sm_id === null ? null : Number(r.sm_id),
    problem: r.problem,
    detail: r.detail,
  }));
}

/** Today's counts per code. */
export async function todayCounts(db: Knex, timeZone: string, now: number): Promise<Map<string, Record<DailyCounter, number>>> {
  const rows: Array<{ code: string; taken: number; rejected: number; reports: number; replies: number }> = await db('mas_db_daily').where('day', localDate(timeZone, now));
  return new Map(rows.map((r) => [r.code, { taken: Number(r.taken), rejected: Number(r.rejected), reports: Number(r.reports), replies: Number(r.replies) }]));
}

/** Daily counts of the last `days` days (oldest first) for one code: the page's chart. */
export async function dailyHistory(db: Knex, code: string, timeZone: string, now: number, days: number): Promise<Array<{ day: string } & Record<DailyCounter, number>>> {
  const wanted = Array.from({ length: days }, (_, i) => localDate(timeZone, now - (days - 1 - i) * 86_400_000));
  const rows: Array<{ day: string; taken: number; rejected: number; reports: number; replies: number }> = await db('mas_db_daily').where('code', code).whereIn('day', wanted);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return wanted.map((day) => {
    const r = byDay.get(day);
    return { day, taken: Number(r?.taken ?? 0), rejected: Number(r?.rejected ?? 0), reports: Number(r?.reports ?? 0), replies: Number(r?.replies ?? 0) };
  });
}
