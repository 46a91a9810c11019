import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../events/bus.js';
import { createTempPty } from '../../../tests/support/pty.js';
import { CLI_ACTOR } from '../../auth/audit.js';
import { systemClock } from '../../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

/**
 * /api/modems over the real core: the pool runs simulated modems in-process
 * (zero latency), so states, sends and the simulator's log are the real ones.
 */
let app: TestAppliance;
let admin: ApiClient;
const SIM = { latency: 'zero' as const };
const FREE = { minGapMs: 0, perHour: 200, perDay: 1000 };
const SIM_IMEI = '867322034512347';

beforeEach(async () => {
  app = await createTestAppliance({ clock: systemClock });
  await app.services.modems.start();
  admin = await app.client('admin');
});
afterEach(async () => {
  await app.close();
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

async function addSimulated(name = '模拟 1', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await admin.post('/api/modems', { name, kind: 'simulator', simulator: SIM, limits: FREE, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

const modem = async (id: string) => (await admin.get(`/api/modems/${id}`)).json();
const ready = (id: string) => until(() => modem(id), (m) => m.status?.state === 'ready', `modem ${id} ready`);
/** Whether any value anywhere in a JSON document equals `secret`. */
const holds = (body: string, secret: string): boolean => {
  const walk = (value: unknown): boolean =>
    value === secret || (typeof value === 'object' && value !== null && Object.values(value).some(walk));
  return walk(JSON.parse(body));
};
const auditActions = async () => (await app.services.db('audit_log').orderBy('id', 'asc').select('action')).map((r: { action: string }) => r.action);

describe('/api/modems', () => {
  it('lists a simulated modem live: ready, registered, signal, operator, identity, and its health history', async () => {
    const id = await addSimulated();
    await ready(id);
    const operator = await app.client('operator');
    const list = await operator.get('/api/modems');
    expect(list.statusCode).toBe(200);
    const body = list.json();
    expect(body.baudRates).toContain(115200);
    expect(body.items).toHaveLength(1);
    const item = body.items[0];
    expect(item).toMatchObject({ id, name: '模拟 1', kind: 'simulator', enabled: true, hasPin: false, simulator: { latency: 'zero' }, limits: FREE });
    expect(item.status).toMatchObject({ state: 'ready', connected: true, registered: true, registration: 'home', imei: SIM_IMEI, binding: 'unbound', reason: null });
    expect(item.status.imsi).toMatch(/^\d{15}$/);
    expect(item.status.operator).toBeTruthy();
    expect(item.status.signal.bars).toBeGreaterThanOrEqual(1);
    expect(item.status.signal.bars).toBeLessThanOrEqual(5);
    expect(item.status.signal.dbm).toBeLessThan(-50);
    expect(item.counts).toEqual({ thisHour: { sent: 0, failed: 0, received: 0, reports: 0 }, today: { sent: 0, failed: 0, received: 0, reports: 0 } });

    const health = await until(() => operator.get(`/api/modems/${id}/health`).then((r) => r.json()), (h) => h.items.length > 0, 'a health sample');
    // The first poll runs while the modem initialises: signal and registration are read by then.
    expect(health.items[0]).toMatchObject({ registration: 'home', bars: item.status.signal.bars, dbm: item.status.signal.dbm });
    expect((await operator.get(`/api/modems/${id}/health?since=${Date.now() + 60_000}`)).json().items).toEqual([]);
    expect((await operator.get('/api/modems/999/health')).statusCode).toBe(404);
  });

  it('sends a test message: per-part results with MR, the simulator log shows recipient and text, counters count it', async () => {
    const id = await addSimulated();
    await ready(id);
    const text = '门店测试短信：本周六会员日，生鲜全场八折，欢迎光临好又多超市！这是一条较长的中文短信，用来检查分段发送是否完整，每一段都应有自己的消息参考号。';
    const res = await admin.post(`/api/modems/${id}/test-send`, { to: '13800138000', text });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({ modemId: id, ok: true });
    expect(result.parts).toHaveLength(2);
    for (const part of result.parts) {
      expect(part).toMatchObject({ status: 'sent', partCount: 2, error: null });
      expect(part.mr).toBeTypeOf('number');
    }

    const log = (await admin.get(`/api/modems/${id}/simulator/log`)).json();
    expect(log.total).toBe(2);
    expect(log.items.map((e: { mr: number }) => e.mr)).toEqual(result.parts.map((p: { mr: number }) => p.mr).reverse());
    expect(log.items[0]).toMatchObject({ recipient: expect.stringContaining('13800138000'), alphabet: 'ucs2', concat: { part: 2, total: 2 }, statusReportRequested: true });
    expect(log.items[1].text + log.items[0].text).toBe(text);

    const counted = await until(() => modem(id), (m) => m.counts.thisHour.sent === 2, 'counters');
    expect(counted.counts.today.sent).toBe(2);
    const counters = (await admin.get(`/api/modems/${id}/counters`)).json();
    expect(counters.items.reduce((sum: number, row: { sent: number }) => sum + row.sent, 0)).toBe(2);
    expect(await auditActions()).toContain('modems.test-send');

    // The device vanishes right after the network took the part: the result says it may have gone out, and it is not sent again.
    app.services.modems.simulator(id)!.faults.set({ unplugAfterSend: 1 });
    const lost = await admin.post(`/api/modems/${id}/test-send`, { to: '13800138000', text: '测试' });
    expect(lost.statusCode, lost.body).toBe(200);
    expect(lost.json()).toMatchObject({ ok: false, uncertain: true, retryable: false, parts: [{ status: 'uncertain', attempts: 1, mr: null }] });
    app.services.modems.simulator(id)!.replug();
    await ready(id);
    expect((await admin.get(`/api/modems/${id}/simulator/log`)).json().total).toBe(3);

    // A real (serial) modem keeps no such log.
    const serial = await admin.post('/api/modems', { name: 'USB 猫', kind: 'serial', portPath: '/dev/ttyNOSUCH0', enabled: false });
    const refused = await admin.get(`/api/modems/${serial.json().id}/simulator/log`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('MODEM_NOT_SIMULATOR');
    const disabledSend = await admin.post(`/api/modems/${serial.json().id}/test-send`, { to: '13800138000', text: 'hi' });
    expect(disabledSend.json().error.code).toBe('MODEM_NOT_RUNNING');
    // The outbox's number rule: nothing that is not a mobile number reaches a modem.
    for (const to of ['1.5', '0755-83021449', '1380013800', 'abc']) {
      const bad = await admin.post(`/api/modems/${id}/test-send`, { to, text: 'hi' });
      expect(bad.statusCode, to).toBe(400);
      expect(bad.json().error.code, to).toBe('INVALID_NUMBER');
    }
  });

  it('adds, edits and removes with validation and audit; the PIN is stored encrypted and never comes back', async () => {
    const PIN = '80516';
    const created = await admin.post('/api/modems', { name: '收银台 1', kind: 'simulator', simulator: SIM, pin: PIN, limits: { minGapMs: 5000, perHour: 100, perDay: 500 } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect(created.json()).toMatchObject({ hasPin: true, limits: { minGapMs: 5000, perHour: 100, perDay: 500 } });
    expect(holds(created.body, PIN)).toBe(false);
    const row = await app.services.db('modems').where('id', Number(id)).first();
    expect(row.pin_encrypted).toBeTruthy();
    expect(row.pin_encrypted).not.toContain(PIN);

    const edited = await admin.patch(`/api/modems/${id}`, { name: '收银台 A', limits: { perHour: 50 }, imeiBinding: SIM_IMEI });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ name: '收银台 A', hasPin: true, imeiBinding: SIM_IMEI, limits: { minGapMs: 5000, perHour: 50, perDay: 500 } });
    // The binding is checked once the identity is read, before initialisation finishes: wait for both.
    const bound = await until(() => modem(id), (m) => m.status?.binding === 'matched' && m.status.state === 'ready', 'binding matched, then ready');
    expect(bound.status).toMatchObject({ binding: 'matched', state: 'ready', imei: SIM_IMEI });
    for (const response of [created, edited, await admin.get('/api/modems'), await admin.get(`/api/modems/${id}`)]) {
      expect(response.body).not.toMatch(/"pin"/);
      expect(holds(response.body, PIN)).toBe(false);
    }

    const cleared = await admin.patch(`/api/modems/${id}`, { pin: null });
    expect(cleared.json().hasPin).toBe(false);

    const removed = await admin.delete(`/api/modems/${id}`);
    expect(removed.statusCode).toBe(200);
    expect((await admin.get(`/api/modems/${id}`)).statusCode).toBe(404);
    expect((await admin.get('/api/modems')).json().items).toEqual([]);
    const actions = await auditActions();
    expect(actions.filter((a) => a.startsWith('modems.'))).toEqual(['modems.add', 'modems.update', 'modems.update', 'modems.remove']);
    const detail = await app.services.db('audit_log').where('action', 'modems.update').first();
    expect(JSON.stringify(detail)).not.toContain(PIN);
  });

  it('refuses a different device on a bound port with a clear status', async () => {
    const id = await addSimulated('绑定测试', { imeiBinding: '867322034512340' });
    const refused = await until(() => modem(id), (m) => m.status?.state === 'refused', 'refused');
    expect(refused.status.binding).toBe('mismatch');
    expect(refused.status.reason).toContain('IMEI mismatch');
    expect(refused.status.reason).toContain(SIM_IMEI);
    expect(refused.status.problem).toEqual({ code: 'imei-mismatch', params: { bound: '867322034512340', found: SIM_IMEI } });
    expect(refused.status.retryAt).toBeGreaterThan(Date.now());

    // Binding it to the device found puts it in service.
    await admin.patch(`/api/modems/${id}`, { imeiBinding: SIM_IMEI });
    await ready(id);
  });

  it('gives clear, coded errors for a bad port, baud rate, IMEI, PIN, name or limit', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ name: 'x', kind: 'serial', portPath: '' }, 'MODEM_BAD_SERIAL_OPTION', /device path/],
      [{ name: 'x', kind: 'serial' }, 'MODEM_BAD_SERIAL_OPTION', /device path/],
      [{ name: 'x', kind: 'serial', portPath: '/dev/ttyUSB0', baudRate: 1234 }, 'VALIDATION_FAILED', /baudRate/],
      [{ name: 'x', kind: 'simulator', imeiBinding: '12345' }, 'VALIDATION_FAILED', /imeiBinding/],
      [{ name: 'x', kind: 'simulator', pin: '12' }, 'VALIDATION_FAILED', /pin/],
      [{ name: '', kind: 'simulator' }, 'VALIDATION_FAILED', /name/],
      [{ name: 'x', kind: 'gsm' }, 'VALIDATION_FAILED', /kind/],
      [{ name: 'x', kind: 'simulator', limits: { perHour: 0 } }, 'VALIDATION_FAILED', /perHour/],
    ];
    for (const [body, code, message] of cases) {
      const res = await admin.post('/api/modems', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
      expect(res.json().error.message).toMatch(message);
    }
    await addSimulated('重名');
    const clash = await admin.post('/api/modems', { name: '重名', kind: 'simulator' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('MODEM_NAME_TAKEN');
    expect((await admin.patch('/api/modems/424242', { name: 'y' })).statusCode).toBe(404);
    expect((await admin.delete('/api/modems/424242')).statusCode).toBe(404);
  });

  it('probes a port and discovers extra paths, naming why a port does not answer', async () => {
    const probe = await admin.post('/api/modems/probe', { path: '/dev/ttyNOSUCH9' });
    expect(probe.statusCode, probe.body).toBe(200);
    expect(probe.json()).toMatchObject({ path: '/dev/ttyNOSUCH9', responding: false, baudRate: null });
    expect(probe.json().error).toBeTruthy();
    expect((await admin.post('/api/modems/probe', { path: '/dev/ttyUSB0', baudRate: 1234 })).json().error.code).toBe('VALIDATION_FAILED');

    const progress: JobProgress[] = [];
    const unsubscribe = app.services.events.onDidPublish((event) => {
      if (event.type === 'job.progress' && (event.data as JobProgress).jobId === 'scan-1') progress.push(event.data as JobProgress);
    });
    const ports = await admin.get('/api/modems/ports?extra=/dev/ttyNOSUCH8,%20/dev/ttyNOSUCH9&jobId=scan-1');
    unsubscribe();
    expect(ports.statusCode, ports.body).toBe(200);
    const extra = ports.json().items.filter((p: { listed: boolean }) => !p.listed);
    expect(extra.map((p: { path: string }) => p.path)).toEqual(['/dev/ttyNOSUCH8', '/dev/ttyNOSUCH9']);
    expect(extra[0].probe).toMatchObject({ responding: false });
    expect(ports.json().tookMs).toBeTypeOf('number');
    // One progress step per port (naming it), then finished with every port done.
    const total = ports.json().items.length as number;
    expect(progress.map((p) => `${p.state} ${p.done}/${p.total}`)).toEqual([
      ...Array.from({ length: total }, (_, i) => `running ${i}/${total}`),
      `finished ${total}/${total}`,
    ]);
    expect(progress.map((p) => p.message).slice(-3)).toEqual(['/dev/ttyNOSUCH8', '/dev/ttyNOSUCH9', undefined]);
  }, 60_000);

  it('stops a port scan when the request is closed (the dialog is closed), between baud rates', async () => {
    // Two silent serial ports (PTYs nobody answers on): each would take every baud rate's timeout.
    const silent = [await createTempPty(), await createTempPty()];
    try {
      await app.server.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.server.address() as { port: number }).port;
      const progress: JobProgress[] = [];
      const ended = new Promise<JobProgress>((resolve) => {
        app.services.events.onDidPublish((event) => {
          const data = event.data as JobProgress;
          if (event.type !== 'job.progress' || data.jobId !== 'scan-2') return;
          progress.push(data);
          if (data.state !== 'running') resolve(data);
        });
      });
      const extra = silent.map((pty) => pty.link).join(',');
      const request = http.get({
        host: '127.0.0.1',
        port,
        path: `/api/modems/ports?jobId=scan-2&extra=${encodeURIComponent(extra)}`,
        headers: { authorization: `Bearer ${admin.token}` },
      });
      request.on('error', () => undefined);
      await until(async () => progress.length, (n) => n > 0, 'the first progress step');
      request.destroy();
      const last = await ended;
      expect(last.state).toBe('cancelled');
      expect(last.done).toBeLessThan(last.total!);
    } finally {
      for (const pty of silent) await pty.dispose();
    }
  }, 60_000);

  it('lets managers and operators read but only admins change modems', async () => {
    const id = await addSimulated();
    for (const role of ['manager', 'operator'] as const) {
      const client = await app.client(role);
      expect((await client.get('/api/modems')).statusCode).toBe(200);
      expect((await client.get(`/api/modems/${id}/counters`)).statusCode).toBe(200);
      const add = await client.post('/api/modems', { name: 'no', kind: 'simulator' });
      expect(add.statusCode).toBe(403);
      expect(add.json().error.code).toBe('FORBIDDEN');
      expect((await client.patch(`/api/modems/${id}`, { name: 'no' })).statusCode).toBe(403);
      expect((await client.delete(`/api/modems/${id}`)).statusCode).toBe(403);
      expect((await client.post(`/api/modems/${id}/test-send`, { to: '13800138000', text: 'x' })).statusCode).toBe(403);
    }
    expect((await app.services.modems.list()).map((m) => m.config.name)).toEqual(['模拟 1']);
    // A modem disabled (here through the pool, as the CLI does) has no live status.
    await app.services.modems.update(id, { enabled: false }, CLI_ACTOR);
    expect((await modem(id)).status).toBeNull();
  });
});
