import { describe, expect, it } from 'vitest';
import { GENERAL_TEMPLATES, SERVICE_IDS, SERVICES } from '../../main/sms-services/catalog.js';
import messages from '../../renderer/src/i18n/messages/smsServices.js';

/** The 短信服务 page names every service, reply, outcome and refusal the core has, in both languages. */
describe('SMS services labels', () => {
  const outcomes = ['answered', 'usage', 'refused', 'not-member', 'several-members', 'help', 'fallback-help', 'unknown', 'silent', 'locked-out', 'failed'];
  const reasons = ['not-staff', 'inactive', 'pin-missing', 'pin-wrong', 'no-approve-permission', 'store-not-allowed', 'already-listed'];
  for (const locale of ['zh-CN', 'en'] as const) {
    it(`labels services, replies, outcomes and refusals in ${locale}`, () => {
      const m = messages[locale] as unknown as {
        names: Record<string, string>;
        descriptions: Record<string, string>;
        templates: Record<string, Record<string, string>>;
        log: { outcomes: Record<string, string>; refusedReasons: Record<string, string> };
      };
      const missing: string[] = [];
      for (const id of SERVICE_IDS) {
        if (!m.names[id] || !m.descriptions[id]) missing.push(id);
        for (const key of Object.keys(SERVICES[id].templates)) if (!m.templates[id]?.[key]) missing.push(`${id}.${key}`);
      }
      for (const key of Object.keys(GENERAL_TEMPLATES)) if (!m.templates['general']?.[key]) missing.push(`general.${key}`);
      for (const outcome of outcomes) if (!m.log.outcomes[outcome]) missing.push(outcome);
      for (const reason of reasons) if (!m.log.refusedReasons[reason]) missing.push(reason);
      expect(missing).toEqual([]);
    });
  }
});
