import type { DataCoding } from './length.js';
import { PduError } from './errors.js';
import { waitingKind, type WaitingIndication } from './udh.js';

export type MessageClass = 0 | 1 | 2 | 3;

export interface DataCodingScheme {
  encoding: DataCoding;
  messageClass: MessageClass | null;
  waiting?: WaitingIndication;
}

/** TP-DCS (TS 23.038 §4). Reserved groups fall back to the GSM 7-bit alphabet, as the standard says. */
export function parseDcs(dcs: number): DataCodingScheme {
  const group = dcs >> 4;
  if (group <= 0x07) {
    // General data coding (00xx) and automatic deletion (01xx) share the layout.
    if (dcs & 0x20) throw new PduError('PDU_UNSUPPORTED', `The message text is compressed (DCS ${hex(dcs)}); compressed SMS is not supported.`);
    const alphabet = (dcs >> 2) & 0x03;
    const encoding: DataCoding = alphabet === 1 ? '8bit' : alphabet === 2 ? 'ucs2' : 'gsm7';
    return { encoding, messageClass: dcs & 0x10 ? ((dcs & 0x03) as MessageClass) : null };
  }
  if (group === 0x0c || group === 0x0d || group === 0x0e) {
    return {
      encoding: group === 0x0e ? 'ucs2' : 'gsm7',
      messageClass: null,
      waiting: { kind: waitingKind(dcs), active: (dcs & 0x08) !== 0, store: group !== 0x0c, source: 'dcs' },
    };
  }
  if (group === 0x0f) return { encoding: dcs & 0x04 ? '8bit' : 'gsm7', messageClass: (dcs & 0x03) as MessageClass };
  return { encoding: 'gsm7', messageClass: null }; // 1000..1011 reserved
}

export function buildDcs(encoding: DataCoding, flash: boolean): number {
  const alphabet = encoding === 'gsm7' ? 0x00 : encoding === '8bit' ? 0x04 : 0x08;
  return flash ? 0x10 | alphabet : alphabet; // class 0 = flash, shown and not stored
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
