import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';
import { HttpReceiver, type ReceivedPost } from '../../tests/support/http-receiver.js';

/**
 * Webhooks end to end: events from the appliance's own services become signed JSON posts
 * to a real HTTP server; the signature is verified by an independent implementation
 * (Python's hmac module, the way a receiver in another language would check it).
 */
const VERIFY = `
import hashlib, hmac, json, sys, time
request = json.load(sys.stdin)
parts = dict(item.split("=", 1) for item in request["header"].split(","))
signed = (parts["t"] + "." + request["body"]).encode("utf-8")
expected = hmac.new(request["secret"].encode("utf-8"), signed, hashlib.sha256).hexdigest()
fresh = abs(int(parts["t"]) - request["now"]) <= 300
print("ok" if hmac.compare_digest(expected, parts["v1"]) and fresh else "bad")
`;

/** What a receiver does: recompute the HMAC over "<t>.<raw body>" and compare; refuse stale times. */
function pythonVerifies(post: ReceivedPost, secret: string, nowMs: number): boolean {
  const result = spawnSync('/usr/bin/python3', ['-c', VERIFY], {
    input: JSON.stringify({ header: String(post.headers['x-storemas-signature']), body: post.body, secret, now: Math.floor(nowMs / 1000) }),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout.trim() === 'ok';
}

let app: TestAppliance;
let admin: ApiClient;
let clock: ManualClock;
const receiver = new HttpReceiver();

beforeAll(async () => {
  await receiver.start();
  app = await createTestAppliance();
  clock = app.clock as ManualClock;
  admin = await app.client('admin');
  await app.services.integrations.start({ worker: false });
  // The outbox below holds only what these tests queue: no help reply from the keyword services to the inbound text.
  app.services.smsServices.detach();
});
afterAll(async () => {
  await app.close();
  await receiver.stop();
});

describe('webhooks', () => {
  let hookId: number;
  let secret: string;

  it('delivers subscribed events as signed JSON that an independent HMAC check accepts', async () => {
    const created = await admin.post('/api/integrations/webhooks', { name: '会员系统', url: receiver.url('/hook'), events: ['inbound.text', 'message.status'], enabled: true });
    expect(created.statusCode, created.body).toBe(201);
    ({ secret } = created.json() as { secret: string });
    hookId = created.json().webhook.id;
    expect(secret).toMatch(/^whsec_/);
    // The secret is in that answer only.
    expect(JSON.stringify((await admin.get('/api/integrations/webhooks')).json())).not.toContain(secret);

    // A customer's text arrives through the real inbox.
    await app.services.messaging.inbox.storeInbound({ modemId: 'sim-1', sender: '+8613900139111', text: '请问周末营业到几点？' });
    // An event this hook did not subscribe to is not sent.
    await app.services.lists.add({ userId: null, username: 'test', ip: 'local' }, 'black', { mobile: '13900139112', scope: 'all', reason: '' });
    await app.services.integrations.settled();
    expect(await app.services.integrations.deliveries.runDue()).toBe(1);

    const [post] = receiver.received;
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    expect(post!.headers['x-storemas-event']).toBe('inbound.text');
    expect(post!.headers['x-storemas-delivery']).toMatch(/^\d+$/);
    const body = JSON.parse(post!.body) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'inbound.text', data: { sender: '+8613900139111', text: '请问周末营业到几点？' } });
    expect(body.id).toMatch(/^evt_/);
    expect(pythonVerifies(post!, secret, clock.now())).toBe(true);
    // The check can fail: another secret, a changed body, or a replay long after.
    expect(pythonVerifies(post!, 'whsec_other', clock.now())).toBe(false);
    expect(pythonVerifies({ ...post!, body: post!.body.replace('几点', '几时') }, secret, clock.now())).toBe(false);
    expect(pythonVerifies(post!, secret, clock.now() + 3_600_000)).toBe(false);
  });

  it('"send test event" posts a signed webhook.test; a rotated secret signs from then on', async () => {
    const test = await admin.post(`/api/integrations/webhooks/${hookId}/test`);
    expect(test.statusCode, test.body).toBe(200);
    expect(await app.services.integrations.deliveries.runDue()).toBe(1);
    const testPost = receiver.received.at(-1)!;
    expect(JSON.parse(testPost.body)).toMatchObject({ type: 'webhook.test', data: { webhook: '会员系统' } });
    expect(pythonVerifies(testPost, secret, clock.now())).toBe(true);

    const rotated = (await admin.post(`/api/integrations/webhooks/${hookId}/rotate-secret`)).json().secret as string;
    expect(rotated).not.toBe(secret);
    await admin.post(`/api/integrations/webhooks/${hookId}/test`);
    await app.services.integrations.deliveries.runDue();
    const after = receiver.received.at(-1)!;
    expect(pythonVerifies(after, rotated, clock.now())).toBe(true);
    expect(pythonVerifies(after, secret, clock.now())).toBe(false);
    secret = rotated;

    const log = await admin.get(`/api/integrations/deliveries?kind=webhook&targetId=${hookId}`);
    expect(log.json().counts).toMatchObject({ delivered: 3, pending: 0 });
  });

  it('tells of a message’s change of state (message.status), from the outbox itself', async () => {
    const queued = await app.services.messaging.outbox.enqueue(
      [{ number: '13900139116' }],
      { text: '取货提醒', category: 'transactional', source: 'test', notAfter: clock.now() + 1_000 },
      { userId: null, username: 'test', ip: 'local' },
    );
    clock.advance(2_000);
    // The dispatcher finds it past its expiry: the outbox moves it to expired and says so.
    expect(await app.services.messaging.outbox.claim('sim-1', ['sim-1'])).toBeUndefined();
    await app.services.integrations.settled();
    expect(await app.services.integrations.deliveries.runDue()).toBe(1);
    const post = receiver.received.at(-1)!;
    expect(post.headers['x-storemas-event']).toBe('message.status');
    expect(JSON.parse(post.body).data).toEqual({ messageId: queued.messageIds[0], status: 'expired', recipient: '+8613900139116', batchId: queued.batchId }); // every send is a batch
    expect(pythonVerifies(post, secret, clock.now())).toBe(true);
  });

  it('tells of a feedback ticket opened by a customer’s complaint (ticket.created), and of its progress (ticket.changed)', async () => {
    const hook = await admin.post('/api/integrations/webhooks', { name: '客服系统', url: receiver.url('/tickets'), events: ['ticket.created', 'ticket.changed'], enabled: true });
    expect(hook.statusCode, hook.body).toBe(201);
    const ticketSecret = (hook.json() as { secret: string }).secret;
    const before = receiver.received.length;
    await app.services.messaging.inbox.storeInbound({ modemId: 'sim-1', sender: '+8613900139117', text: '投诉 生鲜区的鱼不新鲜' });
    await app.services.integrations.settled();
    await app.services.integrations.deliveries.runDue();
    const posts = receiver.received.slice(before).filter((p) => p.path === '/tickets');
    expect(posts.map((p) => p.headers['x-storemas-event'])).toEqual(['ticket.created']);
    const data = JSON.parse(posts[0]!.body).data as { ticketId: number; number: string };
    const ticket = (await admin.get(`/api/feedback/${data.ticketId}`)).json() as { ticket: { number: string; mobile: string; kind: string } };
    expect(ticket.ticket).toMatchObject({ number: data.number, mobile: '+8613900139117', kind: 'complaint' });
    expect(pythonVerifies(posts[0]!, ticketSecret, clock.now())).toBe(true);

    // Staff resolve it: a ticket.changed, not another ticket.created.
    const resolved = await admin.post(`/api/feedback/${data.ticketId}/resolve`, { resolution: '已更换供货商', notify: false });
    expect(resolved.statusCode, resolved.body).toBeLessThan(300);
    await app.services.integrations.settled();
    await app.services.integrations.deliveries.runDue();
    const later = receiver.received.slice(before).filter((p) => p.path === '/tickets').map((p) => JSON.parse(p.body) as { type: string; data: { change?: string } });
    expect(later.map((p) => p.type)).toEqual(['ticket.created', 'ticket.changed']);
    expect(later[1]!.data).toMatchObject({ ticketId: data.ticketId, change: 'resolved' });
    await admin.delete(`/api/integrations/webhooks/${(hook.json() as { webhook: { id: number } }).webhook.id}`);
  });

  it('retries a receiver that answers 500, signing each try with its own time, with the same event id', async () => {
    receiver.status = 500;
    await app.services.messaging.inbox.storeInbound({ modemId: 'sim-1', sender: '+8613900139113', text: '退订' });
    await app.services.integrations.settled();
    await app.services.integrations.deliveries.runDue();
    const failed = receiver.received.at(-1)!;
    clock.advance(10_000);
    receiver.status = 200;
    expect(await app.services.integrations.deliveries.runDue()).toBeGreaterThanOrEqual(1);
    const retried = receiver.received.filter((r) => r.headers['x-storemas-delivery'] === failed.headers['x-storemas-delivery']);
    expect(retried).toHaveLength(2);
    expect(JSON.parse(retried[0]!.body).id).toBe(JSON.parse(retried[1]!.body).id);
    expect(retried[0]!.headers['x-storemas-signature']).not.toBe(retried[1]!.headers['x-storemas-signature']);
    expect(retried.every((r) => pythonVerifies(r, secret, clock.now()))).toBe(true);
  });

  it('switched off, it receives nothing and what waited is cancelled; a manager may look but not change', async () => {
    await receiver.stop();
    await app.services.messaging.inbox.storeInbound({ modemId: 'sim-1', sender: '+8613900139114', text: '在吗' });
    await app.services.integrations.settled();
    await app.services.integrations.deliveries.runDue();
    const hook = (await admin.get('/api/integrations/webhooks')).json().items[0];
    expect(hook.pending).toBe(1);
    expect((await admin.put(`/api/integrations/webhooks/${hookId}`, { name: hook.name, url: hook.url, events: hook.events, enabled: false })).statusCode).toBe(200);
    expect((await admin.get('/api/integrations/webhooks')).json().items[0].pending).toBe(0);
    await app.services.messaging.inbox.storeInbound({ modemId: 'sim-1', sender: '+8613900139115', text: '在吗？' });
    await app.services.integrations.settled();
    expect(await app.services.integrations.deliveries.runDue()).toBe(0);

    const manager = await app.client('manager');
    expect((await manager.get('/api/integrations/webhooks')).statusCode).toBe(200);
    expect((await manager.post(`/api/integrations/webhooks/${hookId}/test`)).statusCode).toBe(403);
    expect((await admin.post('/api/integrations/webhooks', { name: 'x', url: 'ftp://example.com/', events: ['inbound.text'], enabled: true })).json().error.code).toBe('VALIDATION_FAILED');
    expect((await admin.post('/api/integrations/webhooks', { name: 'y', url: 'http://127.0.0.1/', events: ['no.such.event'], enabled: true })).statusCode).toBe(400);
  });
});
