import { describe, expect, it } from 'vitest';
import { deliverySummary } from './delivery-summary';

const t = (key: string) => `«${key.split('.').pop()}»`; // the last key segment: message_status

describe('a delivery in one line', () => {
  it('says what each kind carries', () => {
    expect(deliverySummary({ kind: 'cloud-mas.report', event: 'report', body: '{"mobile":"13800138000","reportStatus":"REJECTD","errorCode":"POLICY_BLOCKED:blacklist"}' }, t)).toBe(
      '13800138000 · REJECTD (POLICY_BLOCKED:blacklist)',
    );
    expect(deliverySummary({ kind: 'cloud-mas.report', event: 'report', body: '{"mobile":"13800138000","reportStatus":"DELIVRD","errorCode":"DELIVRD"}' }, t)).toBe('13800138000 · DELIVRD');
    expect(deliverySummary({ kind: 'cloud-mas.inbound', event: 'inbound', body: '{"mobile":"13800138000","smsContent":"收到"}' }, t)).toBe('13800138000：收到');
    expect(deliverySummary({ kind: 'webhook', event: 'message.status', body: '{"type":"message.status","data":{"recipient":"+8613800138000","status":"delivered"}}' }, t)).toBe(
      '«message_status» · +8613800138000 · delivered',
    );
    expect(deliverySummary({ kind: 'webhook', event: 'x', body: 'not json' }, t)).toBe('x');
  });
});
