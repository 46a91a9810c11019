import { decodePdu, encodeSubmit, type DecodedPdu } from '../pdu/index.js';

/**
 * Text mode (AT+CMGF=1) as TS 27.005 §3.4 writes it: the same stored PDUs
 * shown as header lines plus the text. The driver works in PDU mode; text mode
 * is here because real devices answer in it after a reset or a careless script.
 */

const STAT_WORDS = ['REC UNREAD', 'REC READ', 'STO UNSENT', 'STO SENT'] as const;
export const TEXT_STAT: Readonly<Record<string, number>> = { 'REC UNREAD': 0, 'REC READ': 1, 'STO UNSENT': 2, 'STO SENT': 3, ALL: 4 };

const two = (n: number) => String(n).padStart(2, '0');

/** "yy/MM/dd,hh:mm:ss±zz" with the zone in quarter hours. */
export function textTime(time: number, tzOffsetMinutes: number): string {
  const local = new Date(time + tzOffsetMinutes * 60_000);
  const quarters = Math.round(Math.abs(tzOffsetMinutes) / 15);
  return (
    `${two(local.getUTCFullYear() % 100)}/${two(local.getUTCMonth() + 1)}/${two(local.getUTCDate())},` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}${tzOffsetMinutes < 0 ? '-' : '+'}${two(quarters)}`
  );
}

const typeOfAddress = (number: string) => (number.startsWith('+') ? 145 : 129);

function decodeQuietly(pdu: string): DecodedPdu | undefined {
  try {
    return decodePdu(pdu);
  } catch {
    return undefined;
  }
}

/** Lines of one stored message for +CMGL (with index) or +CMGR (without). */
export function textEntry(prefix: '+CMGL' | '+CMGR', index: number | undefined, stat: number, pdu: string): string[] {
  const head = `${prefix}: ${index === undefined ? '' : `${index},`}"${STAT_WORDS[stat] ?? 'REC READ'}"`;
  const decoded = decodeQuietly(pdu);
  if (!decoded) return [head, ''];
  switch (decoded.type) {
    case 'deliver':
      return [`${head},"${decoded.sender.number}",,"${textTime(decoded.timestamp, decoded.tzOffsetMinutes)}"`, decoded.text];
    case 'submit':
      return [`${head},"${decoded.recipient.number}",`, decoded.text];
    case 'status-report':
      return [`${head},6,${decoded.messageReference},"${decoded.recipient.number}",${typeOfAddress(decoded.recipient.number)},"${textTime(decoded.scts, decoded.sctsTzOffsetMinutes)}","${textTime(decoded.dischargeTime, decoded.dischargeTzOffsetMinutes)}",${decoded.status}`];
  }
}

/** A direct delivery (+CMT) or status report (+CDS) in text mode. */
export function textDirect(pdu: string): string[] {
  const decoded = decodeQuietly(pdu);
  if (decoded?.type === 'deliver') return [`+CMT: "${decoded.sender.number}",,"${textTime(decoded.timestamp, decoded.tzOffsetMinutes)}"`, decoded.text];
  if (decoded?.type === 'status-report') {
    return [`+CDS: 6,${decoded.messageReference},"${decoded.recipient.number}",${typeOfAddress(decoded.recipient.number)},"${textTime(decoded.scts, decoded.sctsTzOffsetMinutes)}","${textTime(decoded.dischargeTime, decoded.dischargeTzOffsetMinutes)}",${decoded.status}`];
  }
  return ['+CMT: "",,""', ''];
}

/**
 * The PDU a modem builds from AT+CMGS="<da>" and the typed text; undefined when it
 * does not fit one message. Under AT+CSCS="UCS2" the text arrives as hex.
 */
export function submitFromText(to: string, typed: string, charset: string, statusReport: boolean): { pdu: string; tpduLength: number } | undefined {
  let text = typed;
  if (charset === 'UCS2') {
    if (!/^([0-9A-Fa-f]{4})*$/.test(typed)) return undefined;
    text = Buffer.from(typed, 'hex').swap16().toString('utf16le');
  }
  try {
    const parts = encodeSubmit({ to, text, requestStatusReport: statusReport });
    return parts.length === 1 ? { pdu: parts[0]!.pdu, tpduLength: parts[0]!.tpduLength } : undefined;
  } catch {
    return undefined;
  }
}
