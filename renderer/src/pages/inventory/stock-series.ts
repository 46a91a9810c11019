import type { StockHistoryDto } from '../../api/store';

/**
 * One step line per store for the history chart: each history point is the
 * quantity from that time on; the current quantity is carried to `now` so the
 * line reaches the right edge.
 */
export function stockSeries(history: StockHistoryDto | null, now: number): Map<string, Array<[number, number]>> {
  const byStore = new Map<string, Array<[number, number]>>();
  const add = (store: string, at: number, quantity: number) => {
    const list = byStore.get(store) ?? [];
    list.push([at, quantity]);
    byStore.set(store, list);
  };
  for (const p of history?.points ?? []) add(p.storeCode, p.at, p.quantity);
  for (const c of history?.current ?? []) add(c.storeCode, Math.max(now, ...(byStore.get(c.storeCode) ?? []).map(([at]) => at)), c.quantity);
  for (const list of byStore.values()) list.sort((a, b) => a[0] - b[0]);
  return byStore;
}
