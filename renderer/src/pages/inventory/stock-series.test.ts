import { describe, expect, it } from 'vitest';
import { stockSeries } from './stock-series';

const row = (storeCode: string, quantity: number) => ({
  storeCode,
  storeName: null,
  productCode: 'P1',
  productName: null,
  category: null,
  quantity,
  updatedAt: 0,
});

describe('stockSeries', () => {
  it('groups points by store in time order and carries the current quantity to now', () => {
    const series = stockSeries(
      {
        points: [
          { storeCode: 'S2', at: 300, quantity: 7 },
          { storeCode: 'S1', at: 200, quantity: 5 },
          { storeCode: 'S1', at: 100, quantity: 9 },
        ],
        current: [row('S1', 4), row('S3', 12)],
      },
      1000,
    );
    expect(series.get('S1')).toEqual([
      [100, 9],
      [200, 5],
      [1000, 4],
    ]);
    expect(series.get('S2')).toEqual([[300, 7]]);
    expect(series.get('S3')).toEqual([[1000, 12]]);
  });

  it('never puts the current point before the last history point (clock skew between browser and appliance)', () => {
    const series = stockSeries({ points: [{ storeCode: 'S1', at: 5000, quantity: 3 }], current: [row('S1', 3)] }, 1000);
    expect(series.get('S1')).toEqual([
      [5000, 3],
      [5000, 3],
    ]);
  });

  it('is empty without history', () => {
    expect(stockSeries(null, 1).size).toBe(0);
  });
});
