import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodePdu, encodeSubmitUserData, type DecodedSubmit } from './index.js';
import { encodeUserData } from './user-data.js';

/** python3-gammu, an independent decoder (Debian python3-gammu; loads only under /usr/bin/python3). */
function gammuDecode(pdus: string[]): Array<{ number: string; coding: string; text: string; udhType: string; part: number; total: number }> {
  const script = String.raw`
import sys, json, gammu
out = []
for hexpdu in json.load(sys.stdin):
    d = gammu.DecodePDU(bytes.fromhex(hexpdu), SMSC=True)
    udh = d['UDH']
    out.append({'number': d['Number'], 'coding': d['Coding'], 'text': d['Text'] if isinstance(d['Text'], str) else d['Text'].hex(),
                'udhType': udh['Type'], 'part': udh['PartNumber'], 'total': udh['AllParts']})
print(json.dumps(out))
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(pdus), encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`python3-gammu failed (is python3-gammu installed?): ${result.stderr}`);
  return JSON.parse(result.stdout) as ReturnType<typeof gammuDecode>;
}

const ucs2 = (text: string) => Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();

describe('encodeSubmitUserData: user data sent as given', () => {
  it('a UCS2 part of the sender’s own concatenated message keeps its header, text and flags', () => {
    const udh = '0500037A0302'; // concat, reference 0x7A, part 2 of 3
    const pdu = encodeSubmitUserData({ to: '+8613800138000', dcs: 0x08, pid: 0, udhi: true, udl: 6 + 8, ud: udh + ucs2('会员日见') });
    const decoded = decodePdu(pdu.pdu) as DecodedSubmit;
    expect(decoded.type).toBe('submit');
    expect(decoded.recipient.number).toBe('+8613800138000');
    expect(decoded.text).toBe('会员日见');
    expect(decoded.concat).toMatchObject({ reference: 0x7a, total: 3, sequence: 2 });
    expect(decoded.statusReportRequested).toBe(true);
    expect(pdu.tpduLength).toBe(pdu.pdu.length / 2 - 1);
    const [gammu] = gammuDecode([pdu.pdu]);
    expect(gammu).toMatchObject({ number: '+8613800138000', coding: 'Unicode_No_Compression', text: '会员日见', udhType: 'ConcatenatedMessages', part: 2, total: 3 });
  });

  it('8-bit data with a port header and 7-bit text packed after a header decode the same in gammu', () => {
    const wap = encodeSubmitUserData({ to: '+8613900139000', dcs: 0x04, pid: 0, udhi: true, udl: 9, ud: '0605040B8423F0DC06' });
    const gsmBody = encodeUserData('Order 42 shipped', 'gsm7', '050003010201');
    const packed = encodeSubmitUserData({ to: '+8613900139000', dcs: 0x00, pid: 0, udhi: true, udl: gsmBody.udl, ud: gsmBody.hex, requestStatusReport: false });
    const ours = [wap, packed].map((p) => decodePdu(p.pdu) as DecodedSubmit);
    expect(ours[0]!.encoding).toBe('8bit');
    expect(ours[1]!.text).toBe('Order 42 shipped');
    expect(ours[1]!.statusReportRequested).toBe(false);
    const [g8, g7] = gammuDecode([wap.pdu, packed.pdu]);
    expect(g8).toMatchObject({ number: '+8613900139000', coding: '8bit', text: 'dc06' });
    expect(g7).toMatchObject({ coding: 'Default_No_Compression', text: 'Order 42 shipped', part: 1, total: 2 });
  });

  it('refuses what no SMS can carry, naming the problem', () => {
    const base = { to: '13800138000', dcs: 0x04, pid: 0, udhi: false };
    expect(() => encodeSubmitUserData({ ...base, udl: 3, ud: 'ABC' })).toThrow(/even number/);
    expect(() => encodeSubmitUserData({ ...base, udl: 141, ud: '00'.repeat(141) })).toThrow(/at most 140/);
    expect(() => encodeSubmitUserData({ ...base, udl: 4, ud: '00'.repeat(3) })).toThrow(/says 4 octets, but 3/);
    expect(() => encodeSubmitUserData({ ...base, udhi: true, udl: 2, ud: '0500' })).toThrow(/header length is beyond/);
    expect(() => encodeSubmitUserData({ ...base, dcs: 0, udl: 10, ud: '00'.repeat(10) })).toThrow(/10 septets pack into 9 octets/);
    expect(() => encodeSubmitUserData({ ...base, pid: 256, udl: 0, ud: '' })).toThrow(/pid must be/);
  });
});
