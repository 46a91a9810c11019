import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';

/**
 * The 云MAS routes sit outside /api and its session gate; their protection (account,
 * address, secret, mac) belongs to the matched route. Whatever the spelling of the path and
 * whatever the body and its content type, a wrong mac or an unknown account never queues a
 * message, never gets a 500, and the process serves on.
 */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const GOOD = { ecName: '好又多', apId: 'pos', secretKey: 'right-secret', mobiles: '13900139301', content: '取货提醒', sign: 'S1', addSerial: '' };
const macOf = (f: typeof GOOD, secret = f.secretKey) => md5(f.ecName + f.apId + secret + f.mobiles + f.content + f.sign + f.addSerial);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');

export function smsSpellings(endpoint: string): string[] {
  return [
    `/sms/${endpoint}`,
    `/%73ms/${endpoint}`,
    `/sm%73/${endpoint}`,
    `/sms/%${endpoint.charCodeAt(0).toString(16)}${endpoint.slice(1)}`,
    `//sms/${endpoint}`,
    `/sms//${endpoint}`,
    `/./sms/${endpoint}`,
    `/x/../sms/${endpoint}`,
    `/SMS/${endpoint}`,
    `/sms/${endpoint.toUpperCase()}`,
    `/sms/${endpoint}/`,
    `/sms/${endpoint}?ecName=x`,
    `/sms/${endpoint};jsessionid=1`,
    `\\sms\\${endpoint}`,
  ];
}

/** Bodies that must never send: a wrong mac, an unknown account, the secret right but mac wrong, garbage. */
function badBodies(): Array<[string, string, Record<string, string>]> {
  const wrongMac = { ...GOOD, mac: macOf(GOOD, 'guessed-secret') };
  const unknown = { ...GOOD, apId: 'nobody', mac: macOf({ ...GOOD, apId: 'nobody' }) };
  const noSecretWrongMac = { ...GOOD, secretKey: undefined, mac: md5('x') };
  const form = (value: Record<string, unknown>) => new URLSearchParams(Object.entries(value).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();
  const bodies: Array<[string, string, Record<string, string>]> = [];
  for (const [name, value] of [['wrong mac', wrongMac], ['unknown account', unknown], ['no secret, wrong mac', noSecretWrongMac]] as const) {
    bodies.push([`${name}, Base64`, b64(value), {}]);
    bodies.push([`${name}, Base64 text/plain`, b64(value), { 'content-type': 'text/plain' }]);
    bodies.push([`${name}, JSON`, JSON.stringify(value), { 'content-type': 'application/json' }]);
    bodies.push([`${name}, form`, form(value), { 'content-type': 'application/x-www-form-urlencoded' }]);
  }
  bodies.push(['garbage', '%%%\u0000<xml/>', { 'content-type': 'application/xml' }]);
  bodies.push(['broken content type', b64(wrongMac), { 'content-type': '///' }]);
  bodies.push(['multipart', `--b\r\nContent-Disposition: form-data; name="mac"\r\n\r\nx\r\n--b--`, { 'content-type': 'multipart/form-data; boundary=b' }]);
  return bodies;
}

describe('the 云MAS routes whatever the spelling', () => {
  let app: TestAppliance;

  beforeAll(async () => {
    app = await createTestAppliance();
    await app.services.integrations.cloudMas.accounts.create({ userId: null, username: 'test', ip: 'local' }, {
      name: 'POS',
      ecName: GOOD.ecName,
      apId: GOOD.apId,
      signs: [{ code: 'S1', text: '【好又多】' }],
      templates: [],
      allowedAddresses: [],
      category: 'transactional',
      reportUrl: null,
      inboundUrl: null,
      inboundAll: false,
      enabled: true,
    }, GOOD.secretKey);
  });
  afterAll(() => app.close());

  it('never queues, never errors, for a wrong mac or an unknown account in any spelling and body', async () => {
    let tried = 0;
    for (const endpoint of ['norsubmit', 'submit', 'tmpsubmit']) {
      for (const url of smsSpellings(endpoint)) {
        for (const [name, payload, headers] of badBodies()) {
          const response = await app.server.inject({ method: 'POST', url, payload, headers });
          const label = `${url} ${name}`;
          // The route's 云MAS answer (200, success false), or a JSON 4xx where the spelling matched no route.
          expect(response.statusCode, label).toBeLessThan(500);
          expect(response.statusCode === 200 || response.statusCode >= 400, label).toBe(true);
          expect(response.headers['content-type'], label).toMatch(/^application\/json/);
          const body = response.json() as { success?: boolean; rspcod?: string };
          if (response.statusCode === 200) expect(body, label).toMatchObject({ success: false, msgGroup: '' });
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(500);
    expect(Number((await app.services.db('outbox_messages').count({ n: '*' }))[0]!.n)).toBe(0);
    const answers = await app.services.db('cloud_mas_requests').distinct('rspcod');
    expect(answers.map((r: { rspcod: string }) => r.rspcod).sort()).toEqual(['IllegalMac', 'InvalidMessage', 'InvalidUsrOrPwd']);
    expect((await app.server.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('a spelling that reaches the route gets the route’s own checks: the right mac sends', async () => {
    const good = { ...GOOD, mac: macOf(GOOD) };
    const answer = await app.server.inject({ method: 'POST', url: '/%73ms/norsubmit', payload: b64(good) });
    expect(answer.json()).toMatchObject({ rspcod: 'success', success: true });
    expect(Number((await app.services.db('outbox_messages').count({ n: '*' }))[0]!.n)).toBe(1);
  });
});
