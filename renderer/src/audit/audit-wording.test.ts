import { describe, expect, it } from 'vitest';
import { parseAuditTarget, wordDetail, type WordingTools } from './audit-wording';

const LABELS: Record<string, string> = {
  'audit.detailKeys.reason': '原因',
  'audit.detailKeys.expiresAt': '到期',
  'audit.detailKeys.filter': '筛选条件',
  'audit.detailKeys.points': '积分',
  'audit.detailKeys.min': '最小',
  'audit.detailKeys.name': '姓名',
  'audit.detailKeys.mobile': '手机号',
  'audit.detailKeys.fields': '字段',
  'audit.values.reason.wrong-password': '密码错误',
  'common.yes': '是',
};
const tools: WordingTools = {
  text: (key) => LABELS[key],
  dateTime: (ms) => new Date(ms).toISOString().slice(0, 16),
  number: (value) => new Intl.NumberFormat('zh-CN').format(value),
};

describe('audit wording', () => {
  it('names the target and links to its page', () => {
    expect(parseAuditTarget('members.update', 'member:9998')).toEqual({ kind: 'member', id: '9998', link: '/members?member=9998' });
    expect(parseAuditTarget('modems.update', 'modem 3')).toMatchObject({ kind: 'modem', id: '3' });
    expect(parseAuditTarget('templates.update', '12')).toMatchObject({ kind: 'template', id: '12', link: '/templates' });
    expect(parseAuditTarget('messages.resolve.mark-sent', '41')).toMatchObject({ kind: 'message', link: '/messages/outbox?message=41' });
    expect(parseAuditTarget('lists.black.add', '+8613800138000')).toMatchObject({ kind: 'number', id: '+8613800138000' });
    expect(parseAuditTarget('store.connection.create', '总店 POS')).toEqual({ kind: 'text', id: '总店 POS' });
  });

  it('words keys, codes, times, lists and nested filters instead of raw JSON', () => {
    const at = Date.UTC(2026, 11, 6, 10, 30);
    const words = wordDetail(
      { reason: 'wrong-password', expiresAt: at, filter: { points: { min: 1000 } }, fields: ['name', 'mobile'], passwordChanged: true, count: 12000 },
      tools,
    );
    expect(words).toEqual([
      ['原因', '密码错误'],
      ['到期', '2026-12-06T10:30'],
      ['筛选条件', '积分：最小：1,000'],
      ['字段', '姓名、手机号'],
      ['password changed', '是'],
      ['count', '12,000'],
    ]);
    expect(JSON.stringify(words)).not.toContain('{');
  });
});
