import { describe, expect, it } from 'vitest';
import { inHoldout } from './holdout.js';

describe('the hold-out draw', () => {
  it('holds out about the share asked for, the same members every time, anew per run', () => {
    const draw = (run: number) => Array.from({ length: 20_000 }, (_, i) => inHoldout(7, run, `member:${i + 1}`, 5));
    const first = draw(1);
    const share = first.filter(Boolean).length / first.length;
    // 5% of 20,000: 1,000 ± 4 standard deviations (√(20000·0.05·0.95) ≈ 31).
    expect(share).toBeGreaterThan(0.05 - 0.0062);
    expect(share).toBeLessThan(0.05 + 0.0062);
    expect(draw(1)).toEqual(first);
    const second = draw(2);
    const overlap = second.filter((h, i) => h && first[i]).length;
    expect(overlap).toBeLessThan(150); // independent draws: about 5% of 1,000
    expect(Array.from({ length: 1000 }, (_, i) => inHoldout(7, 1, `member:${i}`, 0)).some(Boolean)).toBe(false);
  });
});
