import { PduError } from './errors.js';
import { BYTE_HEX } from './hex.js';

export interface PduTimestamp {
  /** Epoch milliseconds, UTC. */
  time: number;
  /** The sender's offset from UTC in minutes (SCTS carries quarter hours; negative west of Greenwich). */
  tzOffsetMinutes: number;
}

function bcd(byte: number, field: string): number {
  const lo = byte & 0x0f;
  const hi = byte >> 4;
  if (lo > 9 || hi > 9) throw new PduError('PDU_INVALID', `The ${field} is not a valid time: octet ${BYTE_HEX[byte]} is not two decimal digits.`);
  return lo * 10 + hi; // semi-octets are swapped
}

/** TP-SCTS / TP-DT: seven swapped-BCD octets, the last one the zone in quarter hours with a sign bit (TS 23.040 §9.2.3.11). */
export function decodeTimestamp(bytes: Uint8Array, field: string): PduTimestamp {
  const yy = bcd(bytes[0]!, field);
  const month = bcd(bytes[1]!, field);
  const day = bcd(bytes[2]!, field);
  const hour = bcd(bytes[3]!, field);
  const minute = bcd(bytes[4]!, field);
  const second = bcd(bytes[5]!, field);
  const tz = bytes[6]!;
  const quarters = (tz & 0x07) * 10 + (tz >> 4);
  if (tz >> 4 > 9) throw new PduError('PDU_INVALID', `The ${field} time zone octet ${BYTE_HEX[tz]} is not a valid offset.`);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw new PduError('PDU_INVALID', `The ${field} ${yy}-${month}-${day} ${hour}:${minute}:${second} is not a valid date and time.`);
  }
  const tzOffsetMinutes = (tz & 0x08 ? -quarters : quarters) * 15;
  // Two-digit years: the GSM era starts in the 1990s, so 90–99 are 19xx and the rest 20xx.
  const year = yy >= 90 ? 1900 + yy : 2000 + yy;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  return { time: local - tzOffsetMinutes * 60_000, tzOffsetMinutes: tzOffsetMinutes === 0 ? 0 : tzOffsetMinutes };
}

function swapped(value: number): string {
  return BYTE_HEX[((value % 10) << 4) | Math.floor(value / 10)]!;
}

export function encodeTimestamp(time: number, tzOffsetMinutes: number, field: string): string {
  if (!Number.isFinite(time)) throw new PduError('PDU_BAD_OPTION', `The ${field} must be a time in epoch milliseconds.`);
  if (!Number.isInteger(tzOffsetMinutes) || tzOffsetMinutes % 15 !== 0 || Math.abs(tzOffsetMinutes) > 79 * 15) {
    throw new PduError('PDU_BAD_OPTION', `The ${field} time zone offset ${tzOffsetMinutes} must be whole quarter hours between -19:45 and +19:45.`);
  }
  const local = new Date(time + tzOffsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  if (year < 1990 || year > 2089) throw new PduError('PDU_BAD_OPTION', `The ${field} year ${year} cannot be written in an SMS (1990–2089).`);
  const quarters = Math.abs(tzOffsetMinutes) / 15;
  const tz = ((quarters % 10) << 4) | Math.floor(quarters / 10) | (tzOffsetMinutes < 0 ? 0x08 : 0);
  return (
    swapped(year % 100) + swapped(local.getUTCMonth() + 1) + swapped(local.getUTCDate()) +
    swapped(local.getUTCHours()) + swapped(local.getUTCMinutes()) + swapped(local.getUTCSeconds()) + BYTE_HEX[tz]
  );
}
