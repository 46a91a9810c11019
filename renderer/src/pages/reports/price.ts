/**
 * Prices per SMS part are kept in 厘 (1/1000 yuan, so ¥0.045 is exact) and
 * shown in 元 with two decimals, three when the third is not zero (pure).
 */
export function yuanOfLi(li: number): string {
  const text = (li / 1000).toFixed(3);
  return text.endsWith('0') ? text.slice(0, -1) : text;
}

/** 元 as typed (up to three decimals) → 厘. */
export function liOfYuan(yuan: number): number {
  return Math.round(yuan * 1000);
}
