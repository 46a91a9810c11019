/** How tickets look in lists and the drawer: tag colours by kind and state, a mobile as people read it. */
export const KIND_TAG = { complaint: 'danger', suggestion: 'primary', praise: 'success', question: 'info' } as const;
export const STATE_TAG = { new: 'warning', 'in-progress': 'primary', resolved: 'success', closed: 'info' } as const;

/** +8613900139401 → 139 0013 9401; other numbers as they are. */
export function formatMobile(e164: string): string {
  const match = /^\+86(\d{3})(\d{4})(\d{4})$/.exec(e164);
  return match ? `${match[1]} ${match[2]} ${match[3]}` : e164;
}
