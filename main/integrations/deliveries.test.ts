import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import type { ManualClock } from '../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../tests/support/appliance.js';
import { HttpReceiver } from '../../tests/support/http-receiver.js';
import { retryDelay, DEFAULT_DELIVERY_POLICY } from './deliveries.js';

/**
 * Pushes to a program that is down: persisted first, retried with backoff on a hand-moved
 * clock, held behind the one failing origin, and delivered when it is back after a day.
 * The receiver is a real HTTP server on loopback that is stopped and started again.
 */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const MINUTE = 60_000;

let app: TestAppliance;
let admin: ApiClient;
let clock: ManualClock;
const receiver = new HttpReceiver();

function submitBody(mobiles: string): string {
  const f = { ecName: 'ERP', apId: 'erp', secretKey: 'k', mobiles, content: '到货通知', sign: 'S1', addSerial: '' };
  return Buffer.from(JSON.stringify({ ...f, mac: md5(f.ecName + f.apId + f.secretKey + f.mobiles + f.content + f.sign + f.addSerial) })).toString('base64');
}

beforeAll(async () => {
  await receiver.start();
  await receiver.stop(); // down from the start; the port is kept for later
  app = await createTestAppliance();
  clock = app.clock as ManualClock;
  admin = await app.client('admin');
  await app.services.integrations.start({ worker: false });
  const created = await admin.post('/api/integrations/cloud-mas/accounts', {
    name: 'ERP',
    ecName: 'ERP',
    apId: 'erp',
    secret: 'k',
    signs: [{ code: 'S1', text: '【好又多超市】' }],
    templates: [],
    allowedAddresses: [],
    category: 'transactional',
    reportUrl: receiver.url('/report'),
    inboundUrl: null,
    inboundAll: false,
    enabled: true,
  });
  expect(created.statusCode, created.body).toBe(201);
});
afterAll(async () => {
  await app.close();
  await receiver.stop();
});

describe('the delivery queue', () => {
  it('backs off 10 s, 20 s, 40 s … and never waits more than 30 minutes', () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelay(i + 1, DEFAULT_DELIVERY_POLICY) / 1000);
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800, 1800, 1800]);
  });

  it('keeps reports for a target that is down for a day and delivers them when it is back', async () => {
    const deliveries = app.services.integrations.deliveries;
    // Three numbers the policy blocks: their REJECTD reports are queued at once, no modem needed.
    for (const n of ['13900139071', '13900139072', '13900139073']) await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: n, scope: 'all', reason: '' });
    const answer = await app.server.inject({ method: 'POST', url: '/sms/norsubmit', payload: submitBody('13900139071,13900139072,13900139073') });
    expect(answer.json().rspcod).toBe('success');
    const queued = await deliveries.search({ kind: 'cloud-mas.report', page: 1, pageSize: 10 });
    expect(queued.items.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);

    // First pass: the receiver is down. One try is made; the other two wait behind it, not tried.
    expect(await deliveries.runDue()).toBe(1);
    let rows = (await deliveries.search({ kind: 'cloud-mas.report', page: 1, pageSize: 10 })).items;
    expect(rows.map((d) => d.attempts).sort()).toEqual([0, 0, 1]);
    const first = rows.find((d) => d.attempts === 1)!;
    expect(first.lastError).toMatch(/ECONNREFUSED/);
    expect(first.nextAttemptAt).toBe(clock.now() + 10_000);
    expect(rows.every((d) => d.nextAttemptAt === first.nextAttemptAt)).toBe(true);
    expect(await deliveries.runDue()).toBe(0); // nothing is due before then

    // A day of being down, the worker trying whenever something is due.
    const start = clock.now();
    let passes = 0;
    while (clock.now() - start < 24 * 60 * MINUTE) {
      const next = Math.min(...(await deliveries.search({ kind: 'cloud-mas.report', status: 'pending', page: 1, pageSize: 10 })).items.map((d) => d.nextAttemptAt!));
      clock.set(Math.max(next, clock.now()));
      await deliveries.runDue();
      passes += 1;
    }
    rows = (await deliveries.search({ kind: 'cloud-mas.report', page: 1, pageSize: 10 })).items;
    expect(rows.every((d) => d.status === 'pending')).toBe(true);
    const triesInADay = rows.reduce((sum, d) => sum + d.attempts, 0);
    // Capped at one try per 30 minutes after the first hour: about 55 in a day, for the whole origin.
    expect(triesInADay).toBeGreaterThan(40);
    expect(triesInADay).toBeLessThan(70);
    expect(passes).toBeLessThan(70);
    const waited = Math.max(...rows.map((d) => d.nextAttemptAt!)) - clock.now();
    expect(waited).toBeLessThanOrEqual(30 * MINUTE);

    // It is back: at the next try, everything is delivered, in one pass.
    await receiver.start();
    clock.set(Math.max(...rows.map((d) => d.nextAttemptAt!)));
    expect(await deliveries.runDue()).toBe(3);
    rows = (await deliveries.search({ kind: 'cloud-mas.report', page: 1, pageSize: 10 })).items;
    expect(rows.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(receiver.bodies('/report').map((r) => r.mobile).sort()).toEqual(['13900139071', '13900139072', '13900139073']);
    expect(receiver.bodies('/report').every((r) => r.reportStatus === 'REJECTD' && r.msgGroup === answer.json().msgGroup)).toBe(true);

    // The log keeps every try of the one that probed: refusals, then the 200 with the answer's start.
    admin = await app.client('admin'); // the day moved on: a fresh session
    const detail = await admin.get(`/api/integrations/deliveries/${first.id}`);
    const attempts = detail.json().attempts as Array<{ statusCode: number | null; error: string | null; response: string | null }>;
    expect(attempts[0]).toMatchObject({ statusCode: 200, error: null, response: '{"result":"ok"}' });
    expect(attempts.slice(1).every((a) => a.statusCode === null && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
  });

  it('retries a non-2xx answer, gives up after 3 days, and is retried by hand from the log', async () => {
    const deliveries = app.services.integrations.deliveries;
    receiver.status = 503;
    await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13900139081', scope: 'all', reason: '' });
    expect((await app.server.inject({ method: 'POST', url: '/sms/norsubmit', payload: submitBody('13900139081') })).json().rspcod).toBe('success');
    const [pending] = (await deliveries.search({ kind: 'cloud-mas.report', status: 'pending', page: 1, pageSize: 10 })).items;
    expect(await deliveries.runDue()).toBe(1);
    expect(await deliveries.get(pending!.id)).toMatchObject({ status: 'pending', lastStatus: 503, lastError: 'HTTP 503', attempts: 1 });

    clock.advance(3 * 24 * 60 * MINUTE);
    await deliveries.runDue();
    expect(await deliveries.get(pending!.id)).toMatchObject({ status: 'failed', attempts: 2 });
    clock.advance(MINUTE);
    expect(await deliveries.runDue()).toBe(0); // given up: no more tries

    receiver.status = 200;
    admin = await app.client('admin');
    const retried = await admin.post(`/api/integrations/deliveries/${pending!.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await deliveries.runDue()).toBe(1);
    expect(await deliveries.get(pending!.id)).toMatchObject({ status: 'delivered', attempts: 3 });
    expect((await admin.post(`/api/integrations/deliveries/${pending!.id}/retry`)).json().error.code).toBe('DELIVERY_ALREADY_DELIVERED');
    const audit = await app.services.audit.search({ action: 'integrations.delivery.retry', page: 1, pageSize: 5 });
    expect(audit.items[0]).toMatchObject({ username: 'test-admin', target: String(pending!.id) });
  });

  it('a corrected URL takes the waiting backlog with it', async () => {
    const deliveries = app.services.integrations.deliveries;
    await receiver.stop();
    await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13900139091', scope: 'all', reason: '' });
    expect((await app.server.inject({ method: 'POST', url: '/sms/norsubmit', payload: submitBody('13900139091') })).json().rspcod).toBe('success');
    await deliveries.runDue();
    const fixed = await new HttpReceiver().start();
    try {
      const account = (await admin.get('/api/integrations/cloud-mas/accounts')).json().items[0];
      const { id, createdBy, createdAt, updatedAt, requests24h, refused24h, lastRequestAt, pendingPushes, ...fields } = account;
      void [createdBy, createdAt, updatedAt, requests24h, refused24h, lastRequestAt];
      expect(pendingPushes).toBe(1);
      expect((await admin.put(`/api/integrations/cloud-mas/accounts/${id}`, { ...fields, reportUrl: fixed.url('/report') })).statusCode).toBe(200);
      expect(await deliveries.runDue()).toBe(1);
      expect(fixed.bodies('/report').map((r) => r.mobile)).toEqual(['13900139091']);
    } finally {
      await fixed.stop();
    }
  });

  it('after a restart, queues the reports whose events were lost, once', async () => {
    const pushes = app.services.integrations.cloudMas.pushes;
    await pushes.stop(); // the appliance is "down" between a message's last change and its event
    const answer = await app.server.inject({ method: 'POST', url: '/sms/norsubmit', payload: submitBody('13900139095') });
    const msgGroup = answer.json().msgGroup as string;
    await app.services.db('outbox_messages')
      .where('batch_id', msgGroup)
      .update({ status: 'failed', error_code: 'DELIVERY_FAILED', finished_at: clock.now(), updated_at: clock.now() });
    expect(await pushes.catchUp(6 * 60 * MINUTE)).toBe(1);
    expect(await pushes.catchUp(6 * 60 * MINUTE)).toBe(0);
    const [report] = (await app.services.integrations.deliveries.search({ kind: 'cloud-mas.report', status: 'pending', page: 1, pageSize: 1 })).items;
    expect(JSON.parse(report!.body)).toMatchObject({ msgGroup, mobile: '13900139095', reportStatus: 'UNDELIV', errorCode: 'DELIVERY_FAILED' });
    pushes.start();
  });

  it('drops finished deliveries after 7 days, with their tries', async () => {
    const deliveries = app.services.integrations.deliveries;
    const before = (await deliveries.search({ page: 1, pageSize: 100 })).total;
    expect(before).toBeGreaterThan(0);
    clock.advance(8 * 24 * 60 * MINUTE);
    await deliveries.purge();
    const left = await deliveries.search({ page: 1, pageSize: 100 });
    expect(left.items.every((d) => d.status === 'pending')).toBe(true);
    expect(Number((await app.services.db('delivery_attempts').count({ n: '*' }))[0]!.n)).toBeLessThan(10);
  });
});
