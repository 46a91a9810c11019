import type sqlite3 from 'sqlite3';
import { Random, posDateTime } from './generator.js';
import { closeSqliteFile, openSqliteFile } from './sinks.js';

/**
 * A planted campaign effect for the demo POS: purchases after a campaign by
 * the members it texted (at `targetRate`) and by its hold-out (at
 * `holdoutRate`), written into the demo POS's own file as receipts like any
 * other; the next sync brings them into the mirror. The campaign report must
 * then find an uplift near targetRate − holdoutRate, inside its interval.
 * Only the demo POS is written: StoreMAS never writes a store's database.
 */
export interface PlantedEffect {
  /** POS member keys (card_id) of the members texted and of the hold-out. */
  target: readonly string[];
  holdout: readonly string[];
  /** Purchases fall in (from, from + days). */
  from: number;
  days: number;
  targetRate: number;
  holdoutRate: number;
  /** Basket size in yuan, uniform between the two. */
  basketYuan?: readonly [number, number];
  seed?: number;
  /** The store the receipts are rung up in. */
  branchNo?: string;
}

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));
}

/** Writes the planted receipts; returns how many members of each group bought. */
export async function plantCampaignPurchases(file: string, plan: PlantedEffect): Promise<{ targetBuyers: number; holdoutBuyers: number }> {
  const random = new Random(plan.seed ?? 11);
  const [low, high] = plan.basketYuan ?? [30, 200];
  const branch = plan.branchNo ?? '0001';
  const db = await openSqliteFile(file);
  db.configure('busyTimeout', 5_000);
  let serial = 0;
  const buyers = { targetBuyers: 0, holdoutBuyers: 0 };
  try {
    await run(db, 'BEGIN IMMEDIATE');
    const groups: Array<[readonly string[], number, 'targetBuyers' | 'holdoutBuyers']> = [
      [plan.target, plan.targetRate, 'targetBuyers'],
      [plan.holdout, plan.holdoutRate, 'holdoutBuyers'],
    ];
    for (const [members, rate, counter] of groups) {
      for (const cardId of members) {
        if (!random.chance(rate)) continue;
        buyers[counter] += 1;
        serial += 1;
        // Inside the window, never on its edges (the report counts (from, from + days]).
        const at = plan.from + 60_000 + Math.floor(random.next() * (plan.days * 86_400_000 - 120_000));
        const time = posDateTime(at);
        const amount = (low + random.next() * (high - low)).toFixed(2);
        const flowNo = `${branch}${time.slice(0, 10).replace(/-/g, '')}C${String(serial).padStart(8, '0')}`;
        await run(db, 'INSERT INTO t_sale_master (flow_no, branch_no, card_id, sale_time, sale_amount, points, modify_time) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          flowNo,
          branch,
          cardId,
          time,
          amount,
          Math.floor(Number(amount)),
          time,
        ]);
      }
    }
    await run(db, 'COMMIT');
  } catch (error) {
    await run(db, 'ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await closeSqliteFile(db);
  }
  return buyers;
}
