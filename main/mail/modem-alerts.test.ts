import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModemStatusEvent } from '../modem/events.js';
import type { SendLimits } from '../modem/send-ledger.js';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { modemAlerts } from './modem-alerts.js';

const context = { now: Date.UTC(2026, 10, 22, 2, 0), timeZone: 'Asia/Shanghai', storeName: '好又多超市', language: 'zh-CN' as const };
const status = (state: string, lastDay = 0) => ({ modemId: 'm1', name: '一号猫', state: state as ModemStatusEvent['state'], reason: state === 'out-of-service' ? 'no answer to AT' : null, usage: { lastHour: 0, lastDay } });
const limits: SendLimits = { minGapMs: 3000, perHour: 200, perDay: 1000 };

describe('modem alerts (pure)', () => {
  it('mails when a modem goes out of service and when it comes back, once per change', () => {
    expect(modemAlerts(status('out-of-service'), 'ready', limits, context)).toEqual([expect.objectContaining({ kind: 'out-of-service', subject: expect.stringContaining('短信猫停止服务') })]);
    expect(modemAlerts(status('out-of-service'), 'out-of-service', limits, context)).toEqual([]);
    expect(modemAlerts(status('ready'), 'out-of-service', limits, context)).toEqual([expect.objectContaining({ kind: 'back-in-service' })]);
    expect(modemAlerts(status('ready'), 'ready', limits, context)).toEqual([]);
  });

  it('warns once a SIM passes 90 % of its daily cap, keyed per modem and local day', () => {
    expect(modemAlerts(status('ready', 899), 'ready', limits, context)).toEqual([]);
    const [alert] = modemAlerts(status('ready', 900), 'ready', limits, context);
    expect(alert).toMatchObject({ kind: 'daily-cap', key: 'modem-cap:m1:2026-11-22' });
    expect(alert!.text).toContain('900 / 1000');
  });
});

describe('the modem alert watcher', () => {
  let t: MessagingCore;
  beforeEach(async () => {
    t = await openMessagingCore();
  });
  afterEach(async () => {
    await t.close();
  });

  it('queues one modem-alerts mail for a modem going down, however often the status repeats', async () => {
    const full = (state: string): ModemStatusEvent => ({ ...status(state), problem: null, signal: null, registration: null, operator: null, counters: { sent: 0, failed: 0, received: 0, reports: 0 } });
    t.core.services.events.publish('modem.status', full('ready'));
    t.core.services.events.publish('modem.status', full('out-of-service'));
    t.core.services.events.publish('modem.status', full('out-of-service'));
    await expect.poll(async () => (await t.core.services.db('mail_messages').where('purpose', 'modem-alerts')).length).toBe(1);
    const [row] = await t.core.services.db('mail_messages').where('purpose', 'modem-alerts');
    expect(row.subject).toContain('一号猫');
  });
});
