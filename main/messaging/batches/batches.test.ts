import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualModems } from '../dispatcher/virtual-modems.js';
import { actor, openMessagingCore, type MessagingCore } from '../outbox/testing.js';

let t: MessagingCore;
let modems: VirtualModems | undefined;
const messaging = () => t.core.services.messaging;
const batches = () => messaging().batches;
const outbox = () => messaging().outbox;
const db = () => t.core.services.db;

beforeEach(async () => {
  t = await openMessagingCore();
});
afterEach(async () => {
  await messaging().stop();
  modems?.close();
  modems = undefined;
  await t.close();
});

async function until(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const numbers = (count: number, from = 8000) => Array.from({ length: count }, (_, i) => ({ number: `1390013${String(from + i)}` }));
const statuses = async (batchId: string) =>
  (await db()('outbox_messages').select('status').where('batch_id', batchId)).map((r: { status: string }) => r.status).sort();

describe('batches', () => {
  it('every send is a batch, a single number included; a dry run makes none', async () => {
    const one = await outbox().enqueue([{ number: '13900138000' }], { text: '取货提醒', category: 'transactional', source: 'cli' }, actor);
    const dry = await outbox().enqueue(numbers(3), { text: '到货', category: 'transactional', source: 'ui' }, actor, { dryRun: true });
    const many = await outbox().enqueue(numbers(3), { text: '到货', category: 'transactional', source: 'ui', batch: { label: '到货通知', kind: 'ui' } }, actor);
    expect(one.batchId).toEqual(expect.any(String));
    expect(dry.batchId).toBeNull();
    const { items, total } = await batches().list({ page: 1, pageSize: 10 });
    expect(total).toBe(2);
    expect(items.map((b) => b.id).sort()).toEqual([one.batchId, many.batchId].sort());
    expect(await batches().get(many.batchId!)).toMatchObject({ name: '到货通知', kind: 'ui', createdBy: actor.username, state: 'active', total: 3, waiting: 3, done: 0 });
    expect(await batches().get(one.batchId!)).toMatchObject({ name: '取货提醒', kind: 'cli', total: 1 });
  });

  it('a pause holds the waiting messages back from the claim, a resume lets them go; messages joining a paused batch wait too', async () => {
    const sent = await outbox().enqueue(numbers(3), { text: '到货', category: 'transactional', source: 'ui' }, actor);
    const id = sent.batchId!;
    expect(await batches().pause(actor, id)).toMatchObject({ state: 'paused', waiting: 3, counts: { paused: 3, queued: 0 } });
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
    await outbox().enqueue(numbers(1, 8100), { text: '到货', category: 'transactional', source: 'ui', batch: { id, label: 'x', kind: 'ui' } }, actor);
    expect(await statuses(id)).toEqual(['paused', 'paused', 'paused', 'paused']);
    await expect(batches().pause(actor, id)).rejects.toMatchObject({ code: 'BATCH_ALREADY_PAUSED', status: 409 });
    expect(await batches().resume(actor, id)).toMatchObject({ state: 'active', counts: { queued: 4, paused: 0 } });
    expect(await outbox().claim('m1', ['m1'])).toMatchObject({ batchId: id });
    await expect(batches().resume(actor, id)).rejects.toMatchObject({ code: 'BATCH_NOT_PAUSED' });
    const audit = await db()('audit_log').whereIn('action', ['batches.pause', 'batches.resume']).orderBy('id');
    expect(audit.map((a: { action: string; target: string }) => [a.action, a.target])).toEqual([
      ['batches.pause', id],
      ['batches.resume', id],
    ]);
  });

  it('cancelling a scheduled batch withdraws every message; it can be neither resumed nor joined', async () => {
    const later = t.clock.now() + 3_600_000;
    const sent = await outbox().enqueue(numbers(5), { text: '明早特价', category: 'marketing', source: 'ui', notBefore: later }, actor);
    const id = sent.batchId!;
    expect(await batches().cancel(actor, id)).toMatchObject({ state: 'cancelled', waiting: 0, done: 5, counts: { cancelled: 5 } });
    t.clock.set(later);
    expect(await outbox().claim('m1', ['m1'])).toBeUndefined();
    await expect(batches().cancel(actor, id)).rejects.toMatchObject({ code: 'BATCH_CANCELLED' });
    await expect(batches().resume(actor, id)).rejects.toMatchObject({ code: 'BATCH_NOT_PAUSED' });
    await expect(
      outbox().enqueue(numbers(1, 8200), { text: 'x', category: 'transactional', source: 'ui', batch: { id, label: 'x', kind: 'ui' } }, actor),
    ).rejects.toMatchObject({ code: 'BATCH_CANCELLED' });
    expect(await db()('audit_log').where({ action: 'batches.cancel', target: id }).first()).toMatchObject({ username: actor.username, detail: expect.stringContaining('"withdrawn":5') });
  });

  it('a single message is cancelled while no modem has it, and refused once one does', async () => {
    const sent = await outbox().enqueue(numbers(2), { text: '到货', category: 'transactional', source: 'ui' }, actor);
    const [first, second] = sent.messageIds as [number, number];
    expect(await batches().cancelMessage(actor, first)).toMatchObject({ id: first, status: 'cancelled', errorCode: 'CANCELLED' });
    await expect(batches().cancelMessage(actor, first)).rejects.toMatchObject({ code: 'MESSAGE_NOT_CANCELLABLE', status: 409 });
    const claimed = await outbox().claim('m1', ['m1']);
    expect(claimed?.id).toBe(second);
    expect(await outbox().beginPart(claimed!.parts[0]!.id, 'm1')).toBe(true);
    await expect(batches().cancelMessage(actor, second)).rejects.toMatchObject({ code: 'MESSAGE_ALREADY_SENDING' });
    await expect(batches().cancelMessage(actor, 999_999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a message claimed but not begun is withdrawn: its worker finds the part withdrawn and sends nothing', async () => {
    const sent = await outbox().enqueue(numbers(1), { text: '到货', category: 'transactional', source: 'ui' }, actor);
    const claimed = await outbox().claim('m1', ['m1']);
    await batches().cancelMessage(actor, sent.messageIds[0]!);
    expect(await outbox().beginPart(claimed!.parts[0]!.id, 'm1')).toBe(false);
    await outbox().settleWithdrawn(claimed!);
    expect(await outbox().get(claimed!.id)).toMatchObject({ status: 'cancelled' });
  });
});

describe('cancel mid-batch with the dispatcher', () => {
  it('hands no part to a modem after the cancel, and never withdraws a part already begun', async () => {
    modems = new VirtualModems(['m1', 'm2'], { latencyMs: 8 });
    await messaging().start(modems);
    const text = '尊敬的会员，本周六会员日全场生鲜八折，积分双倍，欢迎光临好又多超市人民路店。'.repeat(2); // two parts
    const sent = await outbox().enqueue(numbers(40), { text, category: 'transactional', source: 'ui' }, actor);
    messaging().poke();
    await until(async () => modems!.accepted.length >= 6);
    const acceptedBefore = modems.accepted.length;
    await batches().cancel(actor, sent.batchId!);
    // Every worker settles: nothing is left sending.
    await until(async () => (await statuses(sent.batchId!)).every((s) => s !== 'sending'));
    await new Promise((r) => setTimeout(r, 50));
    // At most the one part each modem had begun when the cancel came goes out after it.
    expect(modems.accepted.length - acceptedBefore).toBeLessThanOrEqual(2);
    const parts: Array<{ message_id: number; part_number: number; status: string }> = await db()('outbox_parts').select('message_id', 'part_number', 'status');
    const statusOf = new Map(parts.map((p) => [`${p.message_id}/${p.part_number}`, p.status]));
    for (const accepted of modems.accepted) expect(statusOf.get(`${accepted.messageId}/${accepted.partNumber}`)).toBe('sent');
    const withdrawn = parts.filter((p) => p.status === 'cancelled').map((p) => `${p.message_id}/${p.part_number}`);
    const handedOver = new Set(modems.accepted.map((p) => `${p.messageId}/${p.partNumber}`));
    expect(withdrawn.filter((key) => handedOver.has(key))).toEqual([]);
    const final = await statuses(sent.batchId!);
    expect(final.filter((s) => s !== 'sent' && s !== 'cancelled')).toEqual([]);
    expect(final.filter((s) => s === 'cancelled').length).toBeGreaterThan(30);
    // Messages cut between their parts say so.
    const partial = await db()('outbox_messages').where({ batch_id: sent.batchId, status: 'cancelled' }).andWhere('error_message', 'like', '%parts had gone out%');
    for (const row of partial) expect(handedOver.has(`${row.id}/1`)).toBe(true);
  });
});
