import { describe, expect, it } from 'vitest';
import { decodePdu, encodeSubmit, PduError, type DecodedDeliver, type DecodedStatusReport, type DecodedSubmit } from './index.js';
import { encodeTimestamp, decodeTimestamp } from './timestamp.js';
import { validityToOctet, octetToValidityMinutes } from './validity.js';
import { hexToBytes } from './hex.js';

const deliver = (hex: string, options?: Parameters<typeof decodePdu>[1]) => {
  const d = decodePdu(hex, options);
  expect(d.type).toBe('deliver');
  return d as DecodedDeliver;
};
const submit = (hex: string, options?: Parameters<typeof decodePdu>[1]) => {
  const d = decodePdu(hex, options);
  expect(d.type).toBe('submit');
  return d as DecodedSubmit;
};
const report = (hex: string) => {
  const d = decodePdu(hex);
  expect(d.type).toBe('status-report');
  return d as DecodedStatusReport;
};
/** Epoch ms of a local time at `offsetHours` from UTC. */
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number, offsetHours: number) =>
  Date.UTC(y, mo - 1, d, h, mi, s) - offsetHours * 3_600_000;

describe('SMS-DELIVER vectors from public sources', () => {
  it('decodes "How are you?" (python-messaging test_sms.py, TestSmsDeliver.test_decoding_7bit_pdu)', () => {
    const d = deliver('07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07');
    expect(d.smsc).toBe('+31624000000');
    expect(d.sender).toMatchObject({ number: '+31641600986', type: 'international' });
    expect(d.text).toBe('How are you?');
    expect(d.encoding).toBe('gsm7');
    expect(d.timestamp).toBe(at(2002, 8, 26, 19, 37, 41, 0));
    expect(d.messageClass).toBeNull();
  });

  it('decodes UCS2 Chinese "中兴通讯" (python-messaging test_sms.py, test_decoding_ucs2_pdu)', () => {
    const d = deliver('07914306073011F0040B914316709807F2000880604290224080084E2D5174901A8BAF');
    expect(d.smsc).toBe('+34607003110');
    expect(d.sender.number).toBe('+34610789702');
    expect(d.text).toBe('中兴通讯');
    expect(d.encoding).toBe('ucs2');
    expect(d.tzOffsetMinutes).toBe(120);
    expect(d.timestamp).toBe(at(2008, 6, 24, 9, 22, 4, 2));
  });

  it('decodes a GMT+1 timestamp (python-messaging test_decoding_datetime_gmtplusone: 16:41:32 UTC)', () => {
    const d = deliver('0791447758100650040C914497716247010000909010711423400A2050EC468B81C4733A');
    expect(d.sender.number).toBe('+447917267410');
    expect(d.text).toBe('  1741 bst');
    expect(d.tzOffsetMinutes).toBe(60);
    expect(d.timestamp).toBe(Date.UTC(2009, 8, 1, 16, 41, 32));
  });

  it('decodes an alphanumeric sender of odd length, "FONIC" (python-messaging test_decoding_number_alphanumeric)', () => {
    const d = deliver(
      '07919471060040340409D0C6A733390400009060920173018093CC74595C96838C4F6772085AD6DDE4320B444E9741D4B03C6D7EC3E9E9B71B9474D3CB727799DEA286CFE5B9991DA6CBC3F432E85E9793CBA0F09A9EB6A7CB72BA0B9474D3CB727799DE72D6E9FABAFB0CBAA7E56490BA4CD7D34170F91BE4ACD3F575F7794E0F9F4161F1B92C2F8FD1EE32DD054AA2E520E3D3991C82A8E5701B',
    );
    expect(d.smsc).toBe('+491760000443');
    expect(d.sender).toMatchObject({ number: 'FONIC', type: 'alphanumeric' });
    expect(d.text).toBe('Lieber FONIC Kunde, die Tarifoption Internet-Tagesflatrate wurde aktiviert. Internet-Nutzung wird jetzt pro Nutzungstag abgerechnet. Ihr FONIC Team');
  });

  it('decodes an alphanumeric sender of even length, "www.tim.it" (python-messaging test_decoding_number_alphanumeric)', () => {
    const d = deliver('07919333852804000412D0F7FBDD454FB75D693A0000903002801153402BCD301E9F0605D9E971191483C140412A35690D52832063D2F9040599A058EE05A3BD6430580E');
    expect(d.smsc).toBe('+393358824000');
    expect(d.sender).toMatchObject({ number: 'www.tim.it', type: 'alphanumeric' });
    expect(d.text).toBe('Maxxi Alice 100 ATTIVATA FINO AL 19/04/2009');
  });

  it('decodes a real two-part German message with € and DCS class 1 (python-messaging test_decode_weird_multipart_german_pdu)', () => {
    const pdus = [
      '07919471227210244405852122F039F101506271217180A005000319020198E9B2B82C0759DFE4B0F9ED2EB7967537B9CC02B5D37450122D2FCB41EE303DFD7687D96537881A96A7CD6F383DFD7683F46134BBEC064DD36550DA0D22A7CBF3721BE42CD3F5A0198B56036DCA20B8FC0D6A0A4170767D0EAAE540433A082E7F83A6E5F93CFD76BB40D7B2DB0D9AA6CB2072BA3C2F83926EF31BE44E8FD17450BB8C9683CA',
      '07919471227210244405852122F039F1015062712181804F050003190202E4E8309B5E7683DAFC319A5E76B340F73D9A5D7683A6E93268FD9ED3CB6EF67B0E5AD172B19B2C2693C9602E90355D6683A6F0B007946E8382F5393BEC26BB00',
    ];
    const texts = [
      'Lieber Vodafone-Kunde, mit Ihrer nationalen Tarifoption zahlen Sie in diesem Netz 3,45 € pro MB plus 59 Ct pro Session. Wenn Sie diese Info nicht mehr e',
      'rhalten möchten, wählen Sie kostenlos +4917212220. Viel Spaß im Ausland.',
    ];
    pdus.forEach((hex, i) => {
      const d = deliver(hex);
      expect(d.text).toBe(texts[i]);
      expect(d.concat).toEqual({ reference: 25, total: 2, sequence: i + 1, bits: 8 });
      expect(d.messageClass).toBe(1);
      expect(d.sender).toMatchObject({ number: '12220', type: 'unknown' });
      expect(d.udhRaw).toBe(`0500031902${i === 0 ? '01' : '02'}`);
    });
  });

  it('decodes "Test2" at GMT+2 (python-gsmmodem test_pdu.py, TestSmsPdu.test_decode)', () => {
    const d = deliver('06917228195339040B917228214365F700003130805120618005D4F29C2E03');
    expect(d.smsc).toBe('+2782913593');
    expect(d.sender.number).toBe('+27821234567');
    expect(d.text).toBe('Test2');
    expect(d.timestamp).toBe(at(2013, 3, 8, 15, 2, 16, 2));
  });

  it('decodes a Hong Kong message at GMT+8 (python-gsmmodem test_pdu.py)', () => {
    const d = deliver('07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E');
    expect(d.smsc).toBe('+85290000000');
    expect(d.text).toBe('It is easy to read text messages via AT commands.');
    expect(d.tzOffsetMinutes).toBe(480);
    expect(d.timestamp).toBe(at(2007, 4, 12, 23, 25, 42, 8));
  });

  it('decodes a negative zone, GMT-8 (the HK vector above with the SCTS 7040213252242B of python-gsmmodem TestTimestamp)', () => {
    const d = deliver('07915892000000F0040B915892214365F70000704021325224' + '2B' + '31493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E');
    expect(d.tzOffsetMinutes).toBe(-480);
    expect(d.timestamp).toBe(at(2007, 4, 12, 23, 25, 42, -8));
    expect(new Date(d.timestamp).toISOString()).toBe('2007-04-13T07:25:42.000Z');
  });

  it('decodes extension characters and é, "@{tést}!" (python-gsmmodem test_pdu.py)', () => {
    expect(deliver('06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910').text).toBe('@{tést}!');
  });

  it('decodes a 7-bit text after a UDH, with fill bits (python-gsmmodem test_pdu.py, South African airtime notice)', () => {
    const d = deliver(
      '0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20',
    );
    expect(d.smsc).toBe('+2781191');
    expect(d.sender).toMatchObject({ number: '2781188', type: 'unknown' });
    expect(d.text).toBe('Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ');
    expect(d.concat).toEqual({ reference: 0xc3, total: 1, sequence: 1, bits: 8 });
  });

  it('decodes a Chinese operator notice from 10086 (encoded by python3-gammu 1.42 EncodePDU, Layout Deliver)', () => {
    const d = deliver(
      '0891683108705505F00005810180F60008621112900350004C5C0A656C76845BA26237FF0C60A8597DFF0160A8672C67088BDD8D394F59989D4E3A00350038002E003200305143FF0C6D4191CF52694F590031002E00320047004230024E2D56FD79FB52A8',
    );
    expect(d.smsc).toBe('+8613800755500');
    expect(d.sender).toMatchObject({ number: '10086', type: 'unknown' });
    expect(d.text).toBe('尊敬的客户，您好！您本月话费余额为58.20元，流量剩余1.2GB。中国移动');
    expect(d.timestamp).toBe(Date.UTC(2026, 10, 21, 9, 30, 5));
  });

  it('decodes a two-part Chinese concatenated message (encoded by python3-gammu 1.42 EncodeSMS + EncodePDU)', () => {
    const parts = [
      '0891683108501905F0400D91683119325476F80008621112900350008C05000306020130106C388F898D855E0230115C0A656C76844F1A545860A8597DFF1A672C5468516D3001546865E55168573A751F9C9C516B6298FF0C6EE10031003000305143518D51CF003200305143FF0C4F1A545879EF520653EF62B573B091D1FF0C6BCF00310030003079EF520662B50031514330026D3B52A857305740FF1A798F5DDE5E029F13697C',
      '0891683108501905F0400D91683119325476F800086211129003500038050003060202533A4E9456DB8DEF0038003853F76C388F898D855E0230028BE660C58BF754A88BE2670D52A153F0300290008BA256DE0054',
    ].map((hex) => deliver(hex));
    expect(parts.map((p) => p.concat)).toEqual([
      { reference: 6, total: 2, sequence: 1, bits: 8 },
      { reference: 6, total: 2, sequence: 2, bits: 8 },
    ]);
    expect(parts.every((p) => p.sender.number === '+8613912345678' && p.encoding === 'ucs2')).toBe(true);
    expect(parts.map((p) => p.text).join('')).toBe(
      '【永辉超市】尊敬的会员您好：本周六、周日全场生鲜八折，满100元再减20元，会员积分可抵现金，每100积分抵1元。活动地址：福州市鼓楼区五四路88号永辉超市。详情请咨询服务台。退订回T',
    );
    expect(parts[0]!.text.length).toBe(67);
  });
});

describe('stored SMS-SUBMIT vectors (as listed by AT+CMGR / AT+CMGL)', () => {
  it('decodes a stored SUBMIT with a relative validity of 3 days (python-gsmmodem test_pdu.py, diafaan.com)', () => {
    const s = submit('07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701', { direction: 'mo' });
    expect(s.smsc).toBe('+31624000000');
    expect(s.recipient.number).toBe('+31628870634');
    expect(s.messageReference).toBe(13);
    expect(s.validity).toEqual({ format: 'relative', minutes: 3 * 1440 });
    expect(s.text).toBe('www.diafaan.com');
    expect(s.statusReportRequested).toBe(true);
  });

  it('decodes an absolute validity period (python-gsmmodem test_pdu.py, "Timestamp validity test")', () => {
    const s = submit('0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301');
    expect(s.smsc).toBeNull();
    expect(s.text).toBe('Timestamp validity test');
    expect(s.validity).toEqual({ format: 'absolute', expires: at(2013, 7, 10, 13, 39, 0, 2), tzOffsetMinutes: 120 });
  });

  it('decodes UCS2 and 8-bit SUBMITs (python-gsmmodem test_pdu.py)', () => {
    expect(submit('07914346466554F601000B914316565811F9000806304253F68449').text).toBe('あ叶葉');
    const eight = submit('0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421');
    expect(eight).toMatchObject({ smsc: '+2781191', encoding: '8bit', text: 'Hello world!', userDataHex: '48656C6C6F20776F726C6421' });
  });

  it('refuses a SUBMIT whose UCS2 user data length is beyond the limit (python-gsmmodem: "User data length is invalid")', () => {
    expect(() => decodePdu('0041010C910661345542F60008A0050003000301306F3044')).toThrow(PduError);
  });

  it('checks the direction against the stored status', () => {
    expect(() => decodePdu('07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701', { direction: 'mt' })).toThrow(/SMS-SUBMIT/);
    expect(() => decodePdu('07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07', { direction: 'mo' })).toThrow(/SMS-SUBMIT/);
  });
});

describe('SMS-STATUS-REPORT vectors', () => {
  it('delivered (python-gsmmodem test_pdu.py, reference 214)', () => {
    const r = report('0006D60B911326880736F4111011719551401110117195714000');
    expect(r).toMatchObject({ smsc: null, messageReference: 214, status: 0, outcome: 'delivered', reason: 'transaction completed' });
    expect(r.recipient.number).toBe('+31628870634');
    expect(r.scts).toBe(at(2011, 1, 11, 17, 59, 15, 1));
    expect(r.dischargeTime).toBe(at(2011, 1, 11, 17, 59, 17, 1));
  });

  it('permanent error 0x43 "not obtainable" (python-messaging test_decode_sms_confirmation, a Movistar capture)', () => {
    const r = report('07914306073011F006270B913426565711F7012081111345400120811174054043');
    expect(r).toMatchObject({ smsc: '+34607003110', messageReference: 0x27, status: 0x43, outcome: 'failed', reason: 'permanent error', detail: 'not obtainable' });
    expect(r.recipient.number).toBe('+43626575117');
    expect(r.scts).toBe(at(2010, 2, 18, 11, 31, 54, 1));
    expect(r.dischargeTime).toBe(at(2010, 2, 18, 11, 47, 50, 1));
  });

  // The delivered vector above with TP-ST changed, one per status class of TS 23.040 §9.2.3.15.
  it.each([
    ['20', 'pending', 'temporary error, SC still trying', 'congestion'],
    ['30', 'pending', 'temporary error, SC still trying', 'service centre specific'],
    ['46', 'failed', 'permanent error', 'validity period expired'],
    ['61', 'failed', 'temporary error, SC stopped trying', 'recipient busy'],
    ['01', 'delivered', 'transaction completed', 'forwarded to the recipient, delivery not confirmed'],
  ])('status %s is %s (%s)', (st, outcome, reason, detail) => {
    const r = report('0006D60B911326880736F41110117195514011101171957140' + st);
    expect(r.status).toBe(parseInt(st, 16));
    expect(r).toMatchObject({ outcome, reason, detail });
  });

  it('ignores trailing parameter-indicator octets modems append', () => {
    expect(report('0006D60B911326880736F4111011719551401110117195714000' + '00').outcome).toBe('delivered');
  });
});

describe('SMS-SUBMIT encoding vectors', () => {
  it('matches python-messaging test_sms.py TestSmsSubmit', () => {
    const one = (o: Parameters<typeof encodeSubmit>[0]) => encodeSubmit(o)[0]!;
    expect(one({ to: '+34616585119', text: 'hola', requestStatusReport: false }).pdu).toBe('0001000B914316565811F9000004E8373B0C');
    const relative = one({ to: '+34616585119', text: 'hola', requestStatusReport: false, validityMinutes: 4 * 1440 });
    expect(relative).toMatchObject({ pdu: '0011000B914316565811F90000AA04E8373B0C', tpduLength: 18 });
    const csca = one({ to: '+34616585119', text: 'hola', smsc: '+34646456456', requestStatusReport: false });
    expect(csca).toMatchObject({ pdu: '07914346466554F601000B914316565811F9000004E8373B0C', tpduLength: 17, partNumber: 1, partCount: 1 });
    expect(one({ to: '+34654123456', text: 'hey yo', requestStatusReport: false, flash: true }).pdu).toBe('0001000B914356143254F6001006E8721E947F03');
    expect(one({ to: '+34654123456', text: 'hey yo' }).pdu).toBe('0021000B914356143254F6000006E8721E947F03');
    expect(one({ to: '+34654123456', text: 'BÄRÇA äñ@', requestStatusReport: false }).pdu).toBe('0001000B914356143254F6000009C2AD341104EDFB00');
    expect(one({ to: '+34616585119', text: 'あ叶葉', smsc: '+34646456456', requestStatusReport: false }).pdu).toBe('07914346466554F601000B914316565811F9000806304253F68449');
    expect(one({ to: '655345678', text: 'Русский', requestStatusReport: false, validityMinutes: 4 * 1440 }).pdu).toBe('001100098156355476F80008AA0E0420044304410441043A04380439');
    expect(one({ to: '01000000000', text: 'Hi there...', smsc: '+44000000000', requestStatusReport: false, forceEncoding: '8bit' }).pdu).toBe(
      '07914400000000F001000B811000000000F000040B48692074686572652E2E2E',
    );
  });

  it('matches the three-part 7-bit message of python-messaging test_encoding_multipart_7bit (umts-tools)', () => {
    const text =
      "Or walk with Kings - nor lose the common touch, if neither foes nor loving friends can hurt you, If all men count with you, but none too much; If you can fill the unforgiving minute With sixty seconds' worth of distance run, Yours is the Earth and everything thats in it, And - which is more - you will be a Man, my son";
    const parts = encodeSubmit({ to: '655345678', text, requestStatusReport: false, validityMinutes: 4 * 1440, concatReference: 136 });
    expect(parts.map((p) => p.pdu)).toEqual([
      '005100098156355476F80000AAA00500038803019E72D03DCC5E83EE693A1AB44CBBCF73500BE47ECB41ECF7BC0CA2A3CBA0F1BBDD7EBB41F4777D8C6681D26690BB9CA6A3CB7290F95D9E83DC6F3988FDB6A7DD6790599E2EBBC973D038EC06A1EB723A28FFAEB340493328CC6683DA653768FCAEBBE9A07B9A8E06E5DF7516485CA783DC6F7719447FBF41EDFA18BD0325CDA0FCBB0E1A87DD',
      '005100098156355476F80000AAA005000388030240E6349B0DA2A3CBA0BADBFC969FD3F6B4FB0C6AA7DD757A19744DD3D1A0791A4FCF83E6E5F1DB4D9E9F40F7B79C8E06BDCD20727A4E0FBBC76590BCEE6681B2EFBA7C0E4ACF41747419540CCBE96850D84D0695ED65799E8E4EBBCF203A3A4C9F83D26E509ACE0205DD64500B7447A7C768507A0E6ABFE565500B947FD741F7349B0D129741',
      '005100098156355476F80000AA14050003880303C2A066D8CD02B5F3A0F9DB0D',
    ]);
    expect(parts.map((p) => [p.partNumber, p.partCount])).toEqual([[1, 3], [2, 3], [3, 3]]);
  });

  it('matches python-gsmmodem test_pdu.py TestSmsPdu.test_encodeSmsSubmit', () => {
    expect(encodeSubmit({ to: '+27820001111', text: 'Hello World!', requestStatusReport: false })[0]!.pdu).toBe('0001000B917228001011F100000CC8329BFD065DDF72363904');
    expect(encodeSubmit({ to: '+123456789', text: '世界您好！', smsc: '+44000000000', requestStatusReport: false, validityMinutes: 52 * 7 * 1440 })[0]!.pdu).toBe(
      '07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01',
    );
  });

  it('writes a 16-bit concatenation reference (python-gsmmodem TestUdhConcatenation: 384 → 080401800402)', () => {
    const parts = encodeSubmit({ to: '10086', text: '会'.repeat(100), concatReference: 384, concat16: true });
    expect(parts[1]!.pdu).toContain('06080401800202');
    expect((decodePdu(parts[1]!.pdu) as DecodedSubmit).concat).toEqual({ reference: 384, total: 2, sequence: 2, bits: 16 });
  });
});

describe('fields', () => {
  it('encodes and decodes timestamps (python-gsmmodem TestTimestamp; dreamfabric scts.html via python-messaging)', () => {
    expect(encodeTimestamp(at(2015, 11, 27, 0, 0, 0, 2), 120, 't')).toBe('51117200000080');
    expect(encodeTimestamp(at(2007, 4, 12, 23, 25, 42, 8), 480, 't')).toBe('70402132522423');
    expect(encodeTimestamp(at(2007, 4, 12, 23, 25, 42, -8), -480, 't')).toBe('7040213252242B');
    expect(encodeTimestamp(at(1999, 2, 12, 5, 57, 30, -3), -180, 't')).toBe('99202150750329');
    expect(decodeTimestamp(hexToBytes('99202150750329'), 't')).toEqual({ time: at(1999, 2, 12, 5, 57, 30, -3), tzOffsetMinutes: -180 });
    expect(decodeTimestamp(hexToBytes('99202150750321'), 't')).toEqual({ time: at(1999, 2, 12, 5, 57, 30, 3), tzOffsetMinutes: 180 });
  });

  it('converts relative validity periods (python-gsmmodem TestRelativeValidityPeriod, python-messaging test_converting_timedelta_to_validity)', () => {
    const cases: Array<[number, number]> = [[5, 0], [10, 1], [30, 5], [720, 143], [780, 145], [1440, 167], [16 * 60, 151], [2 * 1440, 168], [3 * 1440, 169], [30 * 1440, 196], [5 * 7 * 1440, 197]];
    for (const [minutes, vp] of cases) {
      expect(validityToOctet(minutes)).toBe(vp);
      expect(octetToValidityMinutes(vp)).toBe(minutes);
    }
    // Between two expressible periods the next longer one is chosen, never a shorter one.
    expect(octetToValidityMinutes(validityToOctet(6))).toBe(10);
    expect(() => validityToOctet(0)).toThrow(PduError);
    expect(() => validityToOctet(64 * 7 * 1440)).toThrow(PduError);
  });

  it('decodes port addressing, 8- and 16-bit (python-gsmmodem TestUdhPortAddress IEs 04026432 and 050404D21466)', () => {
    // DELIVER, 8-bit data, UDH with both port elements, built per TS 23.040 §9.2.3.24.3/4 around the IEs above.
    const base = '00' + '44' + '0B917228214365F7' + '00' + '04' + '31308051206180';
    const d8 = deliver(base + '06' + '0404026432' + 'AB');
    expect(d8.ports).toEqual({ destination: 100, source: 50 });
    expect(d8.userDataHex).toBe('AB');
    const d16 = deliver(base + '09' + '06050404D21466' + 'CDEF');
    expect(d16.ports).toEqual({ destination: 1234, source: 5222 });
    expect(d16.encoding).toBe('8bit');
  });

  it('decodes message-waiting DCS groups (TS 23.038 §4: 1100 discard, 1101 store, 1110 store UCS2)', () => {
    const base = '00' + '04' + '0B917228214365F7' + '00';
    const tail = '31308051206180' + '00';
    expect(deliver(base + 'C8' + tail).waitingIndication).toEqual({ kind: 'voicemail', active: true, store: false, source: 'dcs' });
    expect(deliver(base + 'D1' + tail).waitingIndication).toEqual({ kind: 'fax', active: false, store: true, source: 'dcs' });
    const ucs2 = deliver(base + 'EA' + '31308051206180' + '02' + '4F60');
    expect(ucs2).toMatchObject({ encoding: 'ucs2', text: '你', waitingIndication: { kind: 'email', active: true, store: true } });
  });

  it('maps DCS classes: flash is class 0 (TS 23.038 §4, groups 00xx and 1111)', () => {
    const base = '00' + '04' + '0B917228214365F7' + '00';
    const tail = '31308051206180' + '00';
    expect(deliver(base + '10' + tail).messageClass).toBe(0);
    expect(deliver(base + '18' + tail).messageClass).toBe(0);
    expect(deliver(base + 'F0' + tail).messageClass).toBe(0);
    expect(deliver(base + 'F6' + tail)).toMatchObject({ messageClass: 2, encoding: '8bit' });
    expect(deliver(base + '00' + tail).messageClass).toBeNull();
  });

  it('decodes a national-type sender', () => {
    expect(deliver('00' + '04' + '0BA17228214365F7' + '0000' + '31308051206180' + '00').sender).toMatchObject({ number: '27821234567', type: 'national' });
  });

  it('decodes without an SMSC field when told so', () => {
    const d = deliver('040B917228214365F700003130805120618005D4F29C2E03', { hasSmsc: false });
    expect(d).toMatchObject({ smsc: null, text: 'Test2' });
  });
});
