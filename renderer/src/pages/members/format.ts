/** 138 0013 8000 for Chinese mobiles; other numbers as stored. */
export function formatMobile(e164: string | null): string {
  if (!e164) return '—';
  const match = /^\+86(\d{3})(\d{4})(\d{4})$/.exec(e164);
  return match ? `${match[1]} ${match[2]} ${match[3]}` : e164;
}

export function yuan(cents: number | null): string {
  if (cents === null) return '—';
  return `¥${(cents / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
