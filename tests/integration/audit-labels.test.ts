import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../main/auth/audit.js';
import auditMessages from '../../renderer/src/i18n/messages/audit.js';

/** The audit page shows every action in words, in both languages; a raw code means a label is missing. */
describe('audit action labels', () => {
  for (const locale of ['zh-CN', 'en'] as const) {
    it(`labels every recorded action in ${locale}`, () => {
      const labels = auditMessages[locale].actions as Record<string, string>;
      const missing = AUDIT_ACTIONS.filter((action) => !labels[action.replace(/\./g, '_')]?.trim());
      expect(missing).toEqual([]);
    });
  }

  it('has no labels for actions that are never recorded', () => {
    const known = new Set<string>(AUDIT_ACTIONS.map((action) => action.replace(/\./g, '_')));
    const stale = Object.keys(auditMessages['zh-CN'].actions).filter((key) => !known.has(key));
    expect(stale).toEqual([]);
  });
});
