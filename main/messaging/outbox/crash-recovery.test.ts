import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSubmit } from '../../modem/pdu/index.js';
import {
  DEFAULT_VALIDITY_MS,
  LONGEST_EVIDENCE_WINDOW_MS,
  NETWORK_CLOCK_SKEW_MS,
  REPORT_TRAVEL_MS,
  partsTheReportFits,
  reportDeadline,
  type UnknownPart,
} from './crash-recovery.js';
import type { StatusReportInput } from './status-reports.js';
import { actor, openMessagingCore, type MessagingCore } from './testing.js';

/**
 * Unknown parts and the status reports that settle them: the evidence rule on
 * its own (pure), then through the outbox on a real SQLite file with a
 * hand-moved clock.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const part = (id: number, sendingAt: number, validityMinutes?: number): UnknownPart => ({
  id,
  messageId: id,
  sendingAt,
  pdu: encodeSubmit({ to: '+8613800138000', text: '取货提醒', validityMinutes })[0]!.pdu,
});

describe('the evidence rule', () => {
  const sent = Date.UTC(2026, 11, 6, 2, 0, 0);

  it('takes a report that came after the part went out and within its validity window', () => {
    expect(reportDeadline(part(1, sent))).toBe(sent + DEFAULT_VALIDITY_MS + REPORT_TRAVEL_MS);
    expect(reportDeadline(part(1, sent, 60))).toBe(sent + HOUR + REPORT_TRAVEL_MS);
    expect(reportDeadline(part(1, sent, 60 * 24 * 30))).toBe(sent + LONGEST_EVIDENCE_WINDOW_MS);
    const fits = (receivedAt: number, submittedAt: number | null, p = part(1, sent)) => partsTheReportFits({ receivedAt, submittedAt }, [p]).length === 1;
    expect(fits(sent + 5_000, sent + 2_000)).toBe(true);
    expect(fits(sent + DEFAULT_VALIDITY_MS + REPORT_TRAVEL_MS, null)).toBe(true);
    expect(fits(sent + DEFAULT_VALIDITY_MS + REPORT_TRAVEL_MS + 1, null)).toBe(false);
    expect(fits(sent + 2 * HOUR, null, part(1, sent, 60))).toBe(true);
    expect(fits(sent + 2 * HOUR + 1, null, part(1, sent, 60))).toBe(false);
    // Before the part went out, or taken by the service centre well before it: another message's report.
    expect(fits(sent - 1, null)).toBe(false);
    expect(fits(sent + 5_000, sent - NETWORK_CLOCK_SKEW_MS - 1)).toBe(false);
    expect(fits(sent + 5_000, sent - NETWORK_CLOCK_SKEW_MS + 1)).toBe(true);
  });

  it('names every part a report fits, so two of them leave the choice to the operator', () => {
    const both = partsTheReportFits({ receivedAt: sent + 10 * MINUTE, submittedAt: null }, [part(1, sent), part(2, sent + MINUTE), part(3, sent + 11 * MINUTE)]);
    expect(both.map((p) => p.id)).toEqual([1, 2]);
  });
});

describe('unknown parts settled by their status report', () => {
  let t: MessagingCore;
  beforeEach(async () => {
    t = await openMessagingCore();
  });
  afterEach(async () => {
    await t.close();
  });
  const outbox = () => t.core.services.messaging.outbox;
  const db = () => t.core.services.db;

  /** Queues a text to `number` and leaves its first part in flight on `modem`, as a kill between AT+CMGS and +CMGS would. */
  async function interrupted(number: string, modem = 'm1', text = '会员通知：您预订的月饼已到店'): Promise<{ id: number; partIds: number[] }> {
    const queued = await outbox().enqueue([{ number }], { text, category: 'care', source: 'ui' }, actor);
    const claimed = (await outbox().claim(modem, [modem]))!;
    expect(claimed.id).toBe(queued.messageIds[0]);
    await outbox().beginPart(claimed.parts[0]!.id, modem);
    return { id: claimed.id, partIds: claimed.parts.map((p) => p.id) };
  }
  const report = (fields: Partial<StatusReportInput> & { recipient: string; mr: number }): StatusReportInput => ({
    modemId: 'm1',
    status: 0,
    outcome: 'delivered',
    submittedAt: t.clock.now() - 20_000,
    dischargeAt: t.clock.now(),
    ...fields,
  });

  it('settles the one unknown part a report fits as delivered, recording why in the timeline and the audit log', async () => {
    const { id, partIds } = await interrupted('13800138001');
    const sendingAt = t.clock.now();
    expect(await outbox().recoverAfterRestart()).toEqual({ unknown: 1, requeued: 0 });
    t.clock.advance(40_000);
    expect(await outbox().storeStatusReport(report({ recipient: '+8613800138001', mr: 42 }))).toEqual({ partId: partIds[0], messageStatus: 'delivered' });

    const detail = await outbox().detail(id);
    expect(detail.message).toMatchObject({ status: 'delivered', resolution: 'by-report', resolvedBy: 'system', resolvedAt: t.clock.now(), sentAt: sendingAt, errorCode: null });
    expect(detail.parts[0]).toMatchObject({ status: 'delivered', mr: 42, sentAt: sendingAt, reportStatus: 0, errorCode: null });
    expect(detail.reports).toEqual([expect.objectContaining({ partId: partIds[0], mr: 42, recipient: '+8613800138001', evidence: 'resolved', receivedAt: t.clock.now() })]);
    const [audit] = await db()('audit_log').where('action', 'messages.resolve.by-report');
    expect(audit).toMatchObject({ username: 'system', target: String(id) });
    expect(JSON.parse(audit.detail)).toMatchObject({ mr: 42, recipient: '+8613800138001', modemId: 'm1', outcome: 'delivered' });
    expect(JSON.parse(audit.detail).why).toMatch(/^Resolved automatically: status report MR 42 from \+8613800138001 at 2026-/);
    // Settled means settled: nothing is left for the operator, and nothing is sent again.
    await expect(outbox().resolveUnknown(actor, id, 'resend')).rejects.toMatchObject({ code: 'MESSAGE_NOT_UNKNOWN' });
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
  });

  it('settles it as sent on a pending report, and as failed on a failed one', async () => {
    const pending = await interrupted('13800138002');
    const failed = await interrupted('13800138003');
    await outbox().recoverAfterRestart();
    t.clock.advance(5_000);
    await outbox().storeStatusReport(report({ recipient: '13800138002', mr: 7, outcome: 'pending', status: 0x20 }));
    await outbox().storeStatusReport(report({ recipient: '13800138003', mr: 8, outcome: 'failed', status: 0x41 }));
    expect(await outbox().get(pending.id)).toMatchObject({ status: 'sent', resolution: 'by-report' });
    expect(await outbox().get(failed.id)).toMatchObject({ status: 'failed', resolution: 'by-report', errorCode: 'DELIVERY_FAILED' });
  });

  it('uses a report that came in before the restart marked the part unknown (the modems start first)', async () => {
    const { id } = await interrupted('13800138004');
    t.clock.advance(3_000);
    expect(await outbox().storeStatusReport(report({ recipient: '13800138004', mr: 99 }))).toEqual({ partId: null, messageStatus: null });
    await outbox().recoverAfterRestart();
    expect(await outbox().get(id)).toMatchObject({ status: 'delivered', resolution: 'by-report' });
  });

  it('leaves two unknown messages to the same number for the operator, each showing the report that may be its', async () => {
    const first = await interrupted('13800138005');
    t.clock.advance(1_000);
    const second = await interrupted('13800138005', 'm1', '第二条通知');
    await outbox().recoverAfterRestart();
    t.clock.advance(10_000);
    expect(await outbox().storeStatusReport(report({ recipient: '13800138005', mr: 12 }))).toEqual({ partId: null, messageStatus: null });
    for (const [mine, other] of [
      [first, second],
      [second, first],
    ] as const) {
      const detail = await outbox().detail(mine.id);
      expect(detail.message).toMatchObject({ status: 'unknown', resolution: null });
      expect(detail.reports).toEqual([expect.objectContaining({ mr: 12, partId: mine.partIds[0], evidence: 'candidate', alsoFits: [other.id] })]);
    }
    expect(await db()('audit_log').where('action', 'messages.resolve.by-report')).toHaveLength(0);
    // The operator decides; the other keeps the evidence beside it.
    await outbox().resolveUnknown(actor, first.id, 'mark-sent');
    expect((await outbox().detail(second.id)).reports).toEqual([expect.objectContaining({ evidence: 'candidate', alsoFits: [first.id] })]);
  });

  it('takes no report that belongs elsewhere: another modem, a recorded MR, a test send, too late, or taken before the part went out', async () => {
    // A sent message to the same number holds MR 30: its report is its own.
    await outbox().enqueue([{ number: '13800138006' }], { text: '早先的短信', category: 'care', source: 'ui' }, actor);
    const earlier = (await outbox().claim('m1', ['m1']))!;
    await outbox().beginPart(earlier.parts[0]!.id, 'm1');
    await outbox().partAccepted(earlier.parts[0]!.id, 30);
    await outbox().messageSent(earlier);
    const { id } = await interrupted('13800138006');
    const sendingAt = t.clock.now();
    await outbox().recoverAfterRestart();
    t.clock.advance(5_000);
    expect(await outbox().storeStatusReport(report({ recipient: '13800138006', mr: 30 }))).toMatchObject({ messageStatus: 'delivered' });
    expect(await outbox().get(earlier.id)).toMatchObject({ status: 'delivered' });
    await outbox().storeStatusReport(report({ recipient: '13800138006', mr: 31, modemId: 'm2' }));
    await outbox().storeStatusReport(report({ recipient: '13800138006', mr: 32, sendReference: 'test:1' }));
    await outbox().storeStatusReport(report({ recipient: '13800138006', mr: 33, submittedAt: sendingAt - HOUR }));
    await outbox().storeStatusReport(report({ recipient: '13800138007', mr: 34 }));
    t.clock.advance(DEFAULT_VALIDITY_MS + REPORT_TRAVEL_MS);
    await outbox().storeStatusReport(report({ recipient: '13800138006', mr: 35 }));
    expect(await outbox().get(id)).toMatchObject({ status: 'unknown', resolution: null });
    expect((await outbox().detail(id)).reports).toEqual([]);
    expect(Number((await db()('status_reports').whereNull('part_id').count({ n: '*' }))[0]!.n)).toBe(5);
  });

  it('settles the part but leaves the message to the operator when another part of it never went out', async () => {
    const long = '尊敬的会员：本周六会员日全场生鲜八折，积分双倍，满一百元再送十元电子券，凭本短信到服务台另领鸡蛋一盒，欢迎光临好又多超市人民路店。';
    const { id, partIds } = await interrupted('13800138008', 'm1', long);
    expect(partIds).toHaveLength(2);
    await outbox().recoverAfterRestart();
    t.clock.advance(5_000);
    await outbox().storeStatusReport(report({ recipient: '13800138008', mr: 50 }));
    const detail = await outbox().detail(id);
    expect(detail.parts.map((p) => p.status)).toEqual(['delivered', 'pending']);
    expect(detail.message).toMatchObject({ status: 'unknown', resolution: null });
    expect(detail.message.errorMessage).toMatch(/^Resolved automatically: status report MR 50 .* Other parts of this message are still undecided\.$/);
    expect(await db()('audit_log').where('action', 'messages.resolve.by-report')).toHaveLength(1);
  });
});
