import type { DecodedPdu, Validity } from './decode.js';
import type { PduAddress } from './address.js';

/**
 * A decoded PDU with its fields named plainly, as `storemas pdu decode --json` prints it:
 * times as ISO 8601 with the sender's offset, the alphabet and concatenation spelled out.
 */
export interface PduDescription {
  type: 'SMS-DELIVER' | 'SMS-SUBMIT' | 'SMS-STATUS-REPORT';
  smsc: string | null;
  sender?: { number: string; type: PduAddress['type'] };
  recipient?: { number: string; type: PduAddress['type'] };
  text?: string;
  alphabet?: 'gsm7' | 'ucs2' | '8bit';
  concat?: { ref: number; part: number; total: number; bits: 8 | 16 };
  ports?: { source: number; destination: number };
  messageClass?: number | null;
  flash?: boolean;
  waiting?: { kind: string; active: boolean; count?: number; store: boolean };
  scts?: string;
  dischargeTime?: string;
  mr?: number;
  statusReportRequested?: boolean;
  validity?: string;
  status?: number;
  outcome?: string;
  reason?: string;
  detail?: string;
  udh?: string;
  userDataHex?: string;
}

/** ISO 8601 of an instant as seen at `offsetMinutes` from UTC, e.g. 2026-11-21T17:30:05+08:00. */
export function isoWithOffset(time: number, offsetMinutes: number): string {
  const local = new Date(time + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function describeValidity(validity: Validity): string {
  switch (validity.format) {
    case 'none': return 'none';
    case 'relative': return `${validity.minutes} minutes`;
    case 'absolute': return `until ${isoWithOffset(validity.expires, validity.tzOffsetMinutes)}`;
    case 'enhanced': return `enhanced ${validity.raw}`;
  }
}

export function describePdu(pdu: DecodedPdu): PduDescription {
  if (pdu.type === 'status-report') {
    return {
      type: 'SMS-STATUS-REPORT',
      smsc: pdu.smsc,
      recipient: { number: pdu.recipient.number, type: pdu.recipient.type },
      mr: pdu.messageReference,
      scts: isoWithOffset(pdu.scts, pdu.sctsTzOffsetMinutes),
      dischargeTime: isoWithOffset(pdu.dischargeTime, pdu.dischargeTzOffsetMinutes),
      status: pdu.status,
      outcome: pdu.outcome,
      reason: pdu.reason,
      detail: pdu.detail,
    };
  }
  const description: PduDescription = {
    type: pdu.type === 'deliver' ? 'SMS-DELIVER' : 'SMS-SUBMIT',
    smsc: pdu.smsc,
    text: pdu.text,
    alphabet: pdu.encoding,
    messageClass: pdu.messageClass,
    flash: pdu.messageClass === 0,
  };
  if (pdu.type === 'deliver') {
    description.sender = { number: pdu.sender.number, type: pdu.sender.type };
    description.scts = isoWithOffset(pdu.timestamp, pdu.tzOffsetMinutes);
  } else {
    description.recipient = { number: pdu.recipient.number, type: pdu.recipient.type };
    description.mr = pdu.messageReference;
    description.statusReportRequested = pdu.statusReportRequested;
    description.validity = describeValidity(pdu.validity);
  }
  if (pdu.concat) description.concat = { ref: pdu.concat.reference, part: pdu.concat.sequence, total: pdu.concat.total, bits: pdu.concat.bits };
  if (pdu.ports) description.ports = pdu.ports;
  if (pdu.waitingIndication) {
    const { kind, active, count, store } = pdu.waitingIndication;
    description.waiting = count === undefined ? { kind, active, store } : { kind, active, count, store };
  }
  if (pdu.udhRaw) description.udh = pdu.udhRaw;
  if (pdu.userDataHex !== undefined) description.userDataHex = pdu.userDataHex;
  return description;
}
