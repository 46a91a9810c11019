import { describe, expect, it } from 'vitest';
import { runStoremas } from '../../tests/support/cli.js';
import { decodePdu } from '../modem/pdu/index.js';
import { runCli } from './main.js';

/** `storemas pdu decode|encode`: vectors from public sources, round trips, and what a bad PDU prints. */

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['node', 'storemas', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function decodeJson(hex: string, ...flags: string[]): Promise<Record<string, unknown>> {
  const run = await cli(['pdu', 'decode', hex, '--json', ...flags]);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Record<string, unknown>;
}

describe('storemas pdu decode (real process)', { timeout: 60_000 }, () => {
  it('prints the issue\'s field names for a Chinese SMS-DELIVER (python-messaging test_sms.py, test_decoding_ucs2_pdu)', () => {
    const run = runStoremas(['pdu', 'decode', '07914306073011F0040B914316709807F2000880604290224080084E2D5174901A8BAF', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      type: 'SMS-DELIVER',
      smsc: '+34607003110',
      sender: { number: '+34610789702', type: 'international' },
      text: '中兴通讯',
      alphabet: 'ucs2',
      scts: '2008-06-24T09:22:04+02:00',
      smscField: true,
    });
  });

  it('exits non-zero with the reason for bad hex, a truncated PDU and filler', () => {
    const bad = runStoremas(['pdu', 'decode', '07911326040000F0040B91134661008ZF6']);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^storemas: The PDU is not hex: character "Z".*\[PDU_INVALID\]\n$/);
    const truncated = runStoremas(['pdu', 'decode', '07911326040000F0040B911346610089F60000208062917314080CC8F7', '--json']);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toMatch(/\[PDU_INVALID\]/);
    const filler = runStoremas(['pdu', 'decode', 'FFFFFFFFFFFF']);
    expect(filler.status).toBe(1);
    expect(filler.stderr).toMatch(/0xFF filler.*\[PDU_EMPTY\]/);
  });

  it('round-trips a two-part Chinese text: encode prints each part with its CMGS length, decode reads them back', () => {
    const text = '尊敬的会员您好，本周六日全场生鲜八折，满百再减十元，积分可抵现金，详情请咨询服务台。退订回复T。谢谢光临本店，祝您生活愉快！会员日当天消费双倍积分，欢迎携带家人朋友一同前来选购。';
    const encoded = runStoremas(['pdu', 'encode', '--to', '+8613800138000', '--text', text, '--status-report', '--validity', '24h', '--ref', '77', '--json']);
    expect(encoded.status).toBe(0);
    const { alphabet, parts } = JSON.parse(encoded.stdout) as { alphabet: string; parts: Array<{ part: number; total: number; cmgsLength: number; pdu: string }> };
    expect(alphabet).toBe('ucs2');
    expect(parts.map((p) => [p.part, p.total])).toEqual([[1, 2], [2, 2]]);
    let joined = '';
    for (const part of parts) {
      // The AT+CMGS length counts the TPDU only: the whole PDU less the SMSC field ("00" here).
      expect(part.cmgsLength).toBe(part.pdu.length / 2 - 1);
      const run = runStoremas(['pdu', 'decode', part.pdu, '--json']);
      expect(run.status).toBe(0);
      const d = JSON.parse(run.stdout) as { type: string; recipient: { number: string }; concat: { ref: number; part: number; total: number }; statusReportRequested: boolean; validity: string; text: string };
      expect(d).toMatchObject({ type: 'SMS-SUBMIT', recipient: { number: '+8613800138000' }, concat: { ref: 77, part: part.part, total: 2 }, statusReportRequested: true, validity: '1440 minutes' });
      joined += d.text;
    }
    expect(joined).toBe(text);
  });
});

describe('storemas pdu decode (vectors)', () => {
  it('reads a status report with its times and status (python-messaging, a Movistar capture)', async () => {
    expect(await decodeJson('07914306073011F006270B913426565711F7012081111345400120811174054043')).toMatchObject({
      type: 'SMS-STATUS-REPORT',
      smsc: '+34607003110',
      recipient: { number: '+43626575117' },
      mr: 0x27,
      scts: '2010-02-18T11:31:54+01:00',
      dischargeTime: '2010-02-18T11:47:50+01:00',
      status: 0x43,
      outcome: 'failed',
      reason: 'permanent error',
    });
  });

  it('reads part 1 of a concatenated message (python-messaging test_decode_weird_multipart_german_pdu)', async () => {
    const d = await decodeJson(
      '07919471227210244405852122F039F101506271217180A005000319020198E9B2B82C0759DFE4B0F9ED2EB7967537B9CC02B5D37450122D2FCB41EE303DFD7687D96537881A96A7CD6F383DFD7683F46134BBEC064DD36550DA0D22A7CBF3721BE42CD3F5A0198B56036DCA20B8FC0D6A0A4170767D0EAAE540433A082E7F83A6E5F93CFD76BB40D7B2DB0D9AA6CB2072BA3C2F83926EF31BE44E8FD17450BB8C9683CA',
    );
    expect(d).toMatchObject({ type: 'SMS-DELIVER', alphabet: 'gsm7', concat: { ref: 25, part: 1, total: 2 }, sender: { number: '12220' } });
    expect(d.text).toMatch(/^Lieber Vodafone-Kunde, .* 3,45 € pro MB/);
  });

  it('reads a negative time zone (python-gsmmodem TestTimestamp, GMT-8)', async () => {
    const d = await decodeJson('07915892000000F0040B915892214365F700007040213252242B31493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E');
    expect(d.scts).toBe('2007-04-12T23:25:42-08:00');
  });

  it('finds out whether the SMSC field is there: a bare TPDU decodes without it, and --smsc/--no-smsc force the choice', async () => {
    // "How are you?" (python-messaging TestSmsDeliver) with its SMSC field 07911326040000F0 cut off.
    const tpdu = '040B911346610089F60000208062917314080CC8F71D14969741F977FD07';
    expect(await decodeJson(tpdu)).toMatchObject({ smscField: false, smsc: null, text: 'How are you?', sender: { number: '+31641600986' } });
    expect(await decodeJson(tpdu, '--no-smsc')).toMatchObject({ smscField: false, text: 'How are you?' });
    const forced = await cli(['pdu', 'decode', tpdu, '--smsc']);
    expect(forced.code).toBe(1);
    expect(forced.err).toMatch(/SMSC field seems to be missing/);
    expect(await decodeJson(`07911326040000F0${tpdu}`, '--smsc')).toMatchObject({ smscField: true, smsc: '+31624000000', text: 'How are you?' });
    // A status report with an empty SMSC field (length 00), as +CDS prints it (python-gsmmodem test_pdu.py).
    expect(await decodeJson('0006D60B911326880736F4111011719551401110117195714000')).toMatchObject({ smscField: true, smsc: null, mr: 214, outcome: 'delivered' });
  });

  it('prints a readable table', async () => {
    const run = await cli(['pdu', 'decode', '07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^type\s+SMS-DELIVER$/m);
    expect(run.out).toMatch(/^sender\s+\+31641600986 \(international\)$/m);
    expect(run.out).toMatch(/^scts\s+2002-08-26T19:37:41\+00:00$/m);
    expect(run.out).toMatch(/^text\s+How are you\?$/m);
  });
});

describe('storemas pdu encode', () => {
  it('prints one PDU with its AT+CMGS length, the SMSC and options as asked', async () => {
    const run = await cli(['pdu', 'encode', '--to', '13800138000', '--text', 'Hello {world}', '--smsc', '+8613800100500', '--validity', '2d']);
    expect(run.code).toBe(0);
    const [summary, cmgs, pdu] = run.out.split('\n');
    expect(summary).toBe('1 part(s), gsm7:');
    const length = Number(/^part 1\/1: AT\+CMGS=(\d+)$/.exec(cmgs!)![1]);
    expect(pdu!.length / 2 - 9).toBe(length); // the SMSC field of +8613800100500 is 9 octets
    const d = decodePdu(pdu!);
    expect(d).toMatchObject({ type: 'submit', smsc: '+8613800100500', text: 'Hello {world}', statusReportRequested: false, validity: { format: 'relative', minutes: 2880 } });
  });

  it('refuses a bad number, a bad validity and a bad reference with a message', async () => {
    const number = await cli(['pdu', 'encode', '--to', '138-abc', '--text', 'x']);
    expect(number.code).toBe(1);
    expect(number.err).toMatch(/\[PDU_BAD_ADDRESS\]/);
    const validity = await cli(['pdu', 'encode', '--to', '13800138000', '--text', 'x', '--validity', '64w']);
    expect(validity.code).not.toBe(0);
    expect(validity.err).toMatch(/use a duration such as 30m, 24h/);
    const ref = await cli(['pdu', 'encode', '--to', '13800138000', '--text', 'x', '--ref', '300']);
    expect(ref.code).not.toBe(0);
    expect(ref.err).toMatch(/from 0 to 255/);
  });
});
