import type { Knex } from 'knex';

/** Where a member's marketing consent (营销) last came from (sms-opt-in: the customer texted DY <topic>). */
export const CONSENT_SOURCES = ['sms-opt-out', 'sms-opt-in', 'staff', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** The columns that record a consent change: the value, where it came from, when. */
export function consentColumns(consent: boolean, source: ConsentSource, at: number): Record<string, unknown> {
  return { marketing_consent: consent, marketing_consent_source: source, marketing_consent_at: at };
}

/**
 * How a consent change came about, in the consent record (consent_events): a text (TD, DY 促销,
 * TD 促销), staff in the UI, an import, the POS, or a complaint's blacklisting.
 */
export const CONSENT_EVENT_SOURCES = ['sms', 'ui', 'import', 'pos', 'complaint'] as const;
export type ConsentEventSource = (typeof CONSENT_EVENT_SOURCES)[number];

export interface ConsentEvent {
  memberId: number | null;
  mobile: string | null;
  /** null: the general marketing consent; otherwise a subscription topic. */
  topicId: number | null;
  granted: boolean;
  source: ConsentEventSource;
  /** The text that caused it (the customer's SMS, a note), kept as written. */
  text?: string | null | undefined;
  inboxId?: number | null | undefined;
  /** The user, or 'system' for a customer's own text. */
  actor: string;
  at: number;
}

/** Appends to the consent record, in the caller's transaction (with the change itself). */
export async function recordConsentEvents(trx: Knex, events: readonly ConsentEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({
    member_id: e.memberId,
    mobile: e.mobile,
    topic_id: e.topicId,
    granted: e.granted,
    source: e.source,
    text: e.text ? e.text.slice(0, 500) : null,
    inbox_id: e.inboxId ?? null,
    actor: e.actor.slice(0, 64),
    at: e.at,
  }));
  for (let i = 0; i < rows.length; i += 200) await trx('consent_events').insert(rows.slice(i, i + 200));
}

/**
 * A customer texted TD: every member with that mobile stops consenting, at
 * once and in the caller's transaction (the inbound chain's, with the
 * blacklist entry), so the member page shows 营销 = 否 from 短信退订 with the time.
 * Each member that changed gets a consent event with the text; a number that is
 * no member gets one by its mobile when the blacklist changed.
 * Returns how many members changed.
 */
export async function withdrawConsentByMobile(
  trx: Knex,
  mobile: string,
  at: number,
  cause?: { text: string; inboxId: number; listChanged: boolean },
): Promise<number> {
  const matching = () =>
    trx('members')
      .where('mobile', mobile)
      .whereNull('deleted_at')
      .andWhere((w) => w.where('marketing_consent', true).orWhereNull('marketing_consent_source').orWhereNot('marketing_consent_source', 'sms-opt-out'));
  const ids = cause ? ((await matching().select('id')) as Array<{ id: number }>).map((r) => Number(r.id)) : [];
  const changed = Number(await matching().update({ ...consentColumns(false, 'sms-opt-out', at), updated_at: at }));
  if (cause) {
    const event = { mobile, topicId: null, granted: false, source: 'sms' as const, text: cause.text, inboxId: cause.inboxId, actor: 'system', at };
    if (ids.length > 0) await recordConsentEvents(trx, ids.map((memberId) => ({ ...event, memberId })));
    else if (cause.listChanged) {
      const anyMember = await trx('members').select('id').where('mobile', mobile).whereNull('deleted_at').first();
      if (!anyMember) await recordConsentEvents(trx, [{ ...event, memberId: null }]);
    }
  }
  return changed;
}
