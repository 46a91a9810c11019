import { describe, expect, it } from 'vitest';
import { liOfYuan, yuanOfLi } from './price';

describe('prices per part in 元 and 厘', () => {
  it('shows two decimals, three when the third counts', () => {
    expect(yuanOfLi(100)).toBe('0.10');
    expect(yuanOfLi(45)).toBe('0.045');
    expect(yuanOfLi(0)).toBe('0.00');
    expect(yuanOfLi(10_000)).toBe('10.00');
    expect(yuanOfLi(1)).toBe('0.001');
  });

  it('turns typed yuan into whole 厘 without floating-point drift', () => {
    expect(liOfYuan(0.045)).toBe(45);
    expect(liOfYuan(0.1)).toBe(100);
    expect(liOfYuan(0.07)).toBe(70);
    expect(liOfYuan(1.005)).toBe(1005);
  });
});
