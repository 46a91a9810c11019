import type { Knex } from 'knex';

/** Where a member's marketing consent (营销) last came from. */
export const CONSENT_SOURCES = ['sms-opt-out', 'staff', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** The columns that record a consent change: the value, where it came from, when. */
export function consentColumns(consent: boolean, source: ConsentSource, at: number): Record<string, unknown> {
  return { marketing_consent: consent, marketing_consent_source: source, marketing_consent_at: at };
}

/**
 * A customer texted TD: every member with that mobile stops consenting, at
 * once and in the caller's transaction (the inbound chain's, with the
 * blacklist entry), so the member page shows 营销 = 否 from 短信退订 with the time.
 * Returns how many members changed.
 */
export async function withdrawConsentByMobile(trx: Knex, mobile: string, at: number): Promise<number> {
  const changed = await trx('members')
    .where('mobile', mobile)
    .whereNull('deleted_at')
    .andWhere((w) => w.where('marketing_consent', true).orWhereNull('marketing_consent_source').orWhereNot('marketing_consent_source', 'sms-opt-out'))
    .update({ ...consentColumns(false, 'sms-opt-out', at), updated_at: at });
  return Number(changed);
}
