import type { Knex } from 'knex';
import type { CampaignInput } from '../api/schemas/campaigns.js';
import type { AuditActor } from '../auth/audit.js';
import type { CampaignActor } from './campaigns.js';

export const MANAGER: CampaignActor = { actor: { userId: null, username: 'manager-li', ip: '127.0.0.1' } as AuditActor, role: 'manager' };
export const OPERATOR: CampaignActor = { actor: { userId: null, username: 'operator-wang', ip: '127.0.0.1' } as AuditActor, role: 'operator' };

/** The mobile of test member i (1-based): +86 139 0000 0000 + i. */
export function testMobile(i: number): string {
  return `+86139${String(i).padStart(8, '0')}`;
}

/**
 * Members 1…count as the mirror would hold them: every third without a card
 * number (a {卡号} text cannot be personalised for them), every tenth
 * without marketing consent, points rising with the id.
 */
export async function seedMembers(db: Knex, count: number, now: number, options: { tagEvery?: number } = {}): Promise<void> {
  const rows = [];
  for (let i = 1; i <= count; i += 1) {
    rows.push({
      source: 'manual',
      source_key: `seed-${i}`,
      name: ['王芳', '李强', '张伟', '刘洋', '陈静'][i % 5],
      gender: i % 2 === 0 ? 'F' : 'M',
      mobile: testMobile(i),
      card_no: i % 3 === 0 ? null : `8800${String(i).padStart(8, '0')}`,
      points: i * 10,
      total_spent_cents: i * 1000,
      marketing_consent: i % 10 !== 0,
      created_at: now,
      updated_at: now,
    });
  }
  for (let i = 0; i < rows.length; i += 200) await db('members').insert(rows.slice(i, i + 200));
  if (options.tagEvery) {
    const tags = [];
    for (let i = options.tagEvery; i <= count; i += options.tagEvery) tags.push({ member_id: i, tag: '老顾客' });
    for (let i = 0; i < tags.length; i += 200) await db('member_tags').insert(tags.slice(i, i + 200));
  }
}

/** A campaign input with sensible defaults: send now, marketing, no hold-out. */
export function campaignInput(overrides: Partial<CampaignInput> = {}): CampaignInput {
  return {
    name: '周末会员日',
    audience: { kind: 'filter', filter: { points: { min: 0 } } },
    text: '{称呼}，本周六会员日全场八折，积分{积分}可抵现',
    category: 'marketing',
    schedule: { kind: 'now' },
    holdoutPercent: 0,
    effectDays: 7,
    ...overrides,
  };
}
