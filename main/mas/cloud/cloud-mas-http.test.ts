import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { systemClock } from '../../clock.js';
import { decodePdu } from '../../modem/pdu/index.js';
import type { ModemPool } from '../../modem/pool.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';
import { HttpReceiver, until } from '../../../tests/support/http-receiver.js';

/**
 * The 云MAS HTTP interface as a store's software uses it, through the real appliance: a
 * client written here from the field list (Base64 of UTF-8 JSON, MD5 mac) posts to
 * /sms/norsubmit, /sms/submit and /sms/tmpsubmit; texts go out through the outbox to a
 * simulated modem; status reports and replies are pushed to a real HTTP server on loopback.
 */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const ACCOUNT = { ecName: '好又多超市有限公司', apId: 'posclient', secretKey: 'Pos-Secret-2024', sign: 'wHwvfNuH5' };

interface FreeText {
  ecName: string;
  apId: string;
  secretKey: string;
  mobiles: string;
  content: string;
  sign: string;
  addSerial: string;
}
interface TemplateText {
  ecName: string;
  apId: string;
  secretKey: string;
  templateId: string;
  mobiles: string;
  params: string;
  sign: string;
  addSerial: string;
}

function freeText(overrides: Partial<FreeText> = {}): FreeText & { mac: string } {
  const f: FreeText = { ...ACCOUNT, mobiles: '13900139001', content: '您的提货码是 8361，请到服务台取货。', addSerial: '', ...overrides };
  return { ...f, mac: md5(f.ecName + f.apId + f.secretKey + f.mobiles + f.content + f.sign + f.addSerial) };
}
function templateText(overrides: Partial<TemplateText> = {}): TemplateText & { mac: string } {
  const f: TemplateText = { ...ACCOUNT, templateId: 'pickup', mobiles: '13900139002', params: '["A-17","18:00"]', addSerial: '', ...overrides };
  return { ...f, mac: md5(f.ecName + f.apId + f.secretKey + f.templateId + f.mobiles + f.params + f.sign + f.addSerial) };
}
const base64 = (value: object) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

let app: TestAppliance;
let admin: ApiClient;
let pool: ModemPool;
let accountId: number;
const receiver = new HttpReceiver();

async function post(path: string, payload: string, headers: Record<string, string> = {}, remoteAddress?: string) {
  const response = await app.server.inject({ method: 'POST', url: path, payload, headers, ...(remoteAddress ? { remoteAddress } : {}) });
  return { status: response.statusCode, body: response.json() as { msgGroup: string; rspcod: string; success: boolean } };
}
const outboxCount = async () => Number((await app.services.db('outbox_messages').count({ n: '*' }))[0]!.n);
const acceptedTexts = () =>
  pool
    .modemIds()
    .flatMap((id) => pool.simulator(id)!.acceptedLog())
    .map((entry) => decodePdu(entry.pdu))
    .map((pdu) => (pdu.type === 'submit' ? { to: pdu.recipient.number, text: pdu.text } : { to: '', text: '' }));

beforeAll(async () => {
  await receiver.start();
  app = await createTestAppliance({ clock: systemClock });
  admin = await app.client('admin');
  pool = app.services.modems;
  await pool.add(
    { name: 'SIM-A', kind: 'simulator', limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 }, simulator: { latency: 'zero', statusReports: { delayMs: [30, 30] } } },
    SYSTEM_ACTOR,
  );
  await pool.start();
  await until(() => pool.modemIds().length === 1, 20_000, 'the simulated modem');
  await app.services.messaging.start(pool);
  await app.services.integrations.start();
  const created = await admin.post('/api/integrations/cloud-mas/accounts', {
    name: '收银系统',
    ecName: ACCOUNT.ecName,
    apId: ACCOUNT.apId,
    secret: ACCOUNT.secretKey,
    signs: [
      { code: ACCOUNT.sign, text: '【好又多超市】' },
      { code: 'member', text: '会员中心' },
    ],
    templates: [{ id: 'pickup', text: '您的订单已到店，提货码{1}，请于{2}前提货。' }],
    allowedAddresses: ['127.0.0.1', '192.168.8.0/24'],
    category: 'transactional',
    reportUrl: receiver.url('/mas/report'),
    inboundUrl: receiver.url('/mas/deliver'),
    inboundAll: false,
    enabled: true,
  });
  expect(created.statusCode, created.body).toBe(201);
  expect(created.json().secret).toBeNull(); // the secret typed in is not echoed back
  accountId = created.json().account.id;
}, 60_000);

afterAll(async () => {
  await app.services.messaging.stop();
  await pool.stop();
  await app.close();
  await receiver.stop();
});

describe('云MAS submits through the real appliance', () => {
  it('norsubmit: Base64 JSON without a content type goes out through the modem and a report per recipient comes back', async () => {
    const submit = freeText({ mobiles: '13900139001,13900139011', addSerial: '8801' });
    const { status, body } = await post('/sms/norsubmit', base64(submit));
    expect(status).toBe(200);
    expect(body).toMatchObject({ rspcod: 'success', success: true });
    expect(body.msgGroup).toMatch(/^\d{22}$/);

    await until(() => receiver.bodies('/mas/report').filter((r) => r.msgGroup === body.msgGroup).length === 2, 20_000, 'two status reports');
    const reports = receiver.bodies('/mas/report').filter((r) => r.msgGroup === body.msgGroup);
    expect(reports.map((r) => r.mobile).sort()).toEqual(['13900139001', '13900139011']);
    for (const report of reports) {
      expect(report).toMatchObject({ reportStatus: 'DELIVRD', errorCode: 'DELIVRD', msgGroup: body.msgGroup });
      expect(report.submitDate).toMatch(/^\d{14}$/);
      expect(report.receiveDate).toMatch(/^\d{14}$/);
    }
    // What the phone gets: the text as written, the sign code's 【签名】, through the outbox.
    const sent = acceptedTexts().filter((m) => m.to.endsWith('13900139001'));
    expect(sent.map((m) => m.text)).toEqual([`${submit.content}【好又多超市】`]);
    const rows = await app.services.db('outbox_messages').where('batch_id', body.msgGroup);
    expect(rows.every((r: { source: string; category: string; created_by: string }) => r.source === 'cloud-mas' && r.category === 'transactional' && r.created_by === 'cloudmas:收银系统')).toBe(true);
  });

  it('a reply from a number the account texted is pushed to its inbound URL with that submit’s addSerial', async () => {
    const modemId = pool.modemIds()[0]!;
    pool.simulator(modemId)!.injectInbound({ from: '+8613900139001', text: '收到，谢谢' });
    await until(() => receiver.bodies('/mas/deliver').some((r) => r.smsContent === '收到，谢谢'), 20_000, 'the inbound push');
    const pushed = receiver.bodies('/mas/deliver').find((r) => r.smsContent === '收到，谢谢')!;
    expect(pushed).toMatchObject({ mobile: '13900139001', addSerial: '8801' });
    expect(pushed.sendTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // A number the account never texted: not this account's business (inboundAll is off).
    pool.simulator(modemId)!.injectInbound({ from: '+8613700137000', text: '你好' });
    await until(async () => (await app.services.db('inbox_messages').where('text', '你好').first()) !== undefined, 20_000, 'the second text stored');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.bodies('/mas/deliver').some((r) => r.smsContent === '你好')).toBe(false);
  });

  it('accepts every body variant clients send, on /sms/submit too', async () => {
    const variants: Array<[string, string, Record<string, string>]> = [
      ['/sms/submit', base64(freeText({ mobiles: '13900139021' })), { 'content-type': 'text/plain' }],
      ['/sms/submit', base64(freeText({ mobiles: '13900139022' })), { 'content-type': 'application/json' }],
      ['/sms/norsubmit', JSON.stringify(freeText({ mobiles: '13900139023' })), { 'content-type': 'application/json;charset=utf-8' }],
      // Java's HttpURLConnection labels any POST body as a form.
      ['/sms/norsubmit', base64(freeText({ mobiles: '13900139024' })), { 'content-type': 'application/x-www-form-urlencoded' }],
      ['/sms/norsubmit', new URLSearchParams(freeText({ mobiles: '13900139025' }) as unknown as Record<string, string>).toString(), { 'content-type': 'application/x-www-form-urlencoded' }],
    ];
    // Form fields in GBK without secretKey (the mac proves it), as older Chinese clients post them.
    const gbk = freeText({ mobiles: '13900139026' });
    const gbkBody = Object.entries({ ecName: gbk.ecName, apId: gbk.apId, mobiles: gbk.mobiles, content: gbk.content, sign: gbk.sign, addSerial: '', mac: gbk.mac })
      .map(([k, v]) => `${k}=${[...iconv.encode(v, 'gbk')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`)
      .join('&');
    variants.push(['/sms/norsubmit', gbkBody, { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' }]);
    for (const [path, payload, headers] of variants) {
      const { body } = await post(path, payload, headers);
      expect(body.rspcod, `${path} ${headers['content-type']}`).toBe('success');
    }
    await until(() => acceptedTexts().filter((m) => /1390013902[1-6]$/.test(m.to)).length === 6, 20_000, 'six texts sent');
    expect(new Set(acceptedTexts().filter((m) => /1390013902[1-6]$/.test(m.to)).map((m) => m.text))).toEqual(new Set([`${freeText().content}【好又多超市】`]));
  });

  it('tmpsubmit fills the template from params, with the sign code’s signature; braces in free text stay text', async () => {
    const { body } = await post('/sms/tmpsubmit', base64(templateText({ sign: 'member' })));
    expect(body.rspcod).toBe('success');
    const braces = await post('/sms/norsubmit', base64(freeText({ mobiles: '13900139031', content: '订单{20261122-01}已发货' })));
    expect(braces.body.rspcod).toBe('success');
    await until(() => acceptedTexts().some((m) => m.to.endsWith('13900139002')) && acceptedTexts().some((m) => m.to.endsWith('13900139031')), 20_000, 'both sent');
    expect(acceptedTexts().find((m) => m.to.endsWith('13900139002'))!.text).toBe('您的订单已到店，提货码A-17，请于18:00前提货。【会员中心】');
    expect(acceptedTexts().find((m) => m.to.endsWith('13900139031'))!.text).toBe('订单{20261122-01}已发货【好又多超市】');
  });

  it('answers each rspcod for what is wrong, and queues nothing', async () => {
    const before = await outboxCount();
    const cases: Array<[string, string, string, Record<string, string>?, string?]> = [
      ['IllegalMac', '/sms/norsubmit', base64({ ...freeText(), mac: md5('something else') })],
      ['IllegalMac', '/sms/tmpsubmit', base64({ ...templateText(), params: '["B-99","20:00"]' })],
      ['IllegalSignId', '/sms/norsubmit', base64(freeText({ sign: 'unknownSign' }))],
      ['NoSignId', '/sms/norsubmit', base64(freeText({ sign: '' }))],
      ['InvalidUsrOrPwd', '/sms/norsubmit', base64(freeText({ apId: 'nobody' }))],
      ['InvalidUsrOrPwd', '/sms/norsubmit', base64({ ...freeText(), secretKey: 'wrong-secret' })],
      ['InvalidUsrOrPwd', '/sms/norsubmit', base64(freeText()), {}, '10.20.30.40'],
      ['TooManyMobiles', '/sms/norsubmit', base64(freeText({ mobiles: Array.from({ length: 5_001 }, (_, i) => `139${String(i).padStart(8, '0')}`).join(',') }))],
      ['InvalidMobile', '/sms/norsubmit', base64(freeText({ mobiles: '13900139041,12345' }))],
      ['InvalidMobile', '/sms/norsubmit', base64(freeText({ mobiles: '' }))],
      ['InvalidMessage', '/sms/norsubmit', base64(freeText({ content: '   ' }))],
      ['InvalidMessage', '/sms/tmpsubmit', base64(templateText({ templateId: 'nope' }))],
      ['InvalidMessage', '/sms/tmpsubmit', base64(templateText({ params: '["only one"]' }))],
      ['InvalidMessage', '/sms/norsubmit', 'this is not base64 at all', { 'content-type': 'text/plain' }],
      ['InvalidMessage', '/sms/norsubmit', '', {}],
      ['InvalidMessage', '/sms/norsubmit', '{"ecName": [unclosed', { 'content-type': 'application/json' }],
      ['InvalidMessage', '/sms/norsubmit', 'x'.repeat(600 * 1024), { 'content-type': 'text/plain' }],
      ['InvalidMessage', '/sms/norsubmit', base64(freeText({ content: '长'.repeat(2_000) }))],
    ];
    for (const [rspcod, path, payload, headers = {}, remoteAddress] of cases) {
      const { status, body } = await post(path, payload, headers, remoteAddress);
      expect(status, rspcod).toBe(200);
      expect(body, `${rspcod} ${payload.slice(0, 40)}`).toEqual({ msgGroup: '', rspcod, success: false });
    }
    expect(await outboxCount()).toBe(before);
    // From an allowed range it works.
    expect((await post('/sms/norsubmit', base64(freeText({ mobiles: '13900139042' })), {}, '192.168.8.77')).body.rspcod).toBe('success');
    // Every answer is on the record for the integrations page, with why.
    const log = await admin.get(`/api/integrations/cloud-mas/requests?accountId=${accountId}&pageSize=50`);
    const refused = (log.json().items as Array<{ rspcod: string; detail: string; clientIp: string }>).filter((r) => r.rspcod === 'InvalidUsrOrPwd');
    expect(refused.some((r) => r.clientIp === '10.20.30.40' && r.detail.includes('10.20.30.40'))).toBe(true);
  });

  it('reports a recipient the policy blocks at once (REJECTD), and a switched-off account is refused', async () => {
    await app.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13900139051', scope: 'all', reason: '测试' });
    const { body } = await post('/sms/norsubmit', base64(freeText({ mobiles: '13900139051' })));
    expect(body.rspcod).toBe('success');
    await until(() => receiver.bodies('/mas/report').some((r) => r.msgGroup === body.msgGroup), 20_000, 'the REJECTD report');
    expect(receiver.bodies('/mas/report').find((r) => r.msgGroup === body.msgGroup)).toMatchObject({ reportStatus: 'REJECTD', mobile: '13900139051' });
    expect(String(receiver.bodies('/mas/report').find((r) => r.msgGroup === body.msgGroup)!.errorCode)).toMatch(/^POLICY_BLOCKED:/);

    const account = (await admin.get('/api/integrations/cloud-mas/accounts')).json().items[0];
    const { id, createdBy, createdAt, updatedAt, requests24h, refused24h, lastRequestAt, pendingPushes, ...fields } = account;
    void [createdBy, createdAt, updatedAt, requests24h, refused24h, lastRequestAt, pendingPushes];
    expect((await admin.put(`/api/integrations/cloud-mas/accounts/${id}`, { ...fields, enabled: false })).statusCode).toBe(200);
    expect((await post('/sms/norsubmit', base64(freeText()))).body.rspcod).toBe('InvalidUsrOrPwd');
    expect((await admin.put(`/api/integrations/cloud-mas/accounts/${id}`, { ...fields, enabled: true })).statusCode).toBe(200);
  });

  it('answers on a real socket too, and on a port of its own when one is set', async () => {
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/sms/norsubmit`, { method: 'POST', body: base64(freeText({ mobiles: '13900139061' })) });
    expect(await answer.json()).toMatchObject({ rspcod: 'success', success: true });

    const { listenCloudMas } = await import('../../api/cloud-mas-listener.js');
    const probe = await new HttpReceiver().start();
    const ownPort = probe.port;
    await probe.stop();
    expect((await admin.put('/api/integrations/cloud-mas/listener', { port: ownPort, lan: false })).json()).toMatchObject({ restartNeeded: true });
    const close = await listenCloudMas(app.services);
    try {
      expect(app.services.integrations.listener).toMatchObject({ state: 'listening', port: ownPort, host: '127.0.0.1' });
      const own = await fetch(`http://127.0.0.1:${ownPort}/sms/submit`, { method: 'POST', body: base64(freeText({ mobiles: '13900139062' })) });
      expect(await own.json()).toMatchObject({ rspcod: 'success' });
      // Nothing but the 云MAS interface there: the admin API is not on that port.
      const api = await fetch(`http://127.0.0.1:${ownPort}/api/health`);
      expect(api.status).toBe(404);
      // Its port taken: the status says so, the appliance runs on.
      const second = await listenCloudMas(app.services);
      expect(app.services.integrations.listener).toMatchObject({ state: 'failed' });
      expect(app.services.integrations.listener.error).toMatch(/already in use/);
      await second();
    } finally {
      await close();
    }
  });
});
