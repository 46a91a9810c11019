/**
 * Unsolicited result codes: what a modem says on its own, possibly in the
 * middle of a command's reply. Recognised by prefix; the ones that carry a PDU
 * on the next line (+CMT, +CDS) say so, and the session joins the two lines.
 */
export type Unsolicited =
  /** +CMTI: a message was stored at `index` of `storage`. */
  | { type: 'message-stored'; storage: string; index: number }
  /** +CDSI: a status report was stored. */
  | { type: 'report-stored'; storage: string; index: number }
  /** +CMT: a message delivered directly (not stored); `length` is as the modem says, trust the PDU. */
  | { type: 'message-delivered'; length: number | null; pdu: string }
  /** +CDS: a status report delivered directly. */
  | { type: 'report-delivered'; length: number | null; pdu: string }
  | { type: 'registration'; stat: number }
  | { type: 'ring' }
  /** Storage full (e.g. Huawei ^SMMEMFULL, +CIEV message-full indications). */
  | { type: 'storage-full'; storage: string | null }
  /** The modem restarted on its own (^BOOT is noise; these mean "re-initialise me"). */
  | { type: 'restarted'; line: string }
  /** Known chatter with nothing to do (^RSSI, ^HCSQ, ^DSFLOWRPT …). */
  | { type: 'noise'; line: string }
  /** Anything else that is not part of a command reply. */
  | { type: 'unknown'; line: string };

/** Vendor chatter that never needs an action (Huawei ^-codes, call-state codes). */
export const NOISE_PREFIXES = [
  '^RSSI', '^HCSQ', '^BOOT', '^MODE', '^DSFLOWRPT', '^SRVST', '^SIMST', '^STIN', '^CEND', '^CONN', '^ORIG', '^CONF',
  '^ACTIVEBAND', '^RFSWITCH', '^NDISSTAT', '^SYSINFO', '^EONS', '^CSNR', '^CERSSI', '^NWTIME', '^TIME', '^SYSCFGEX',
  '+CRING', '+CLIP', '+CCWA', '+CUSD', '+CGEV', '+CIEV', '+CTZV', '+CTZE', '+CTZU', '+NITZ', '+PSUTTZ', '*PSUTTZ', 'DST:',
  '+QIND', '+CPSI', '+CGREG', '+CEREG', '+STIN', '+STKPCI', '*PSNWID', '*PSUTTZ', '+SIM READY', 'CALL READY', 'SMS READY',
  '+CFUN', '+CPIN', '^SMMEMFULL_OFF', '+ECSQ', '^SCTM', '^SYSSTART', '+PACSP', '+QUSIM', '+QNITZ',
];

/** Prefixes of unsolicited codes whose next line is a PDU. */
export function takesPduLine(line: string): boolean {
  return /^\+(CMT|CDS)\s*:/i.test(line);
}

/**
 * Classifies a line as an unsolicited code when it is one. `pendingPrefixes`
 * are the reply prefixes the running command expects: a line with such a
 * prefix is part of the reply, not unsolicited (e.g. +CREG during AT+CREG?).
 */
export function classifyUnsolicited(line: string, pendingPrefixes: readonly string[] = []): Unsolicited | undefined {
  const trimmed = line.trim();
  const upper = trimmed.toUpperCase();
  for (const prefix of pendingPrefixes) {
    if (upper.startsWith(prefix.toUpperCase())) return undefined;
  }
  let match = /^\+(CMTI|CDSI)\s*:\s*"?([A-Za-z]{0,4})"?\s*,\s*(\d+)/i.exec(trimmed);
  if (match) {
    const storage = match[2]!.toUpperCase() || 'SM';
    const index = Number(match[3]);
    return match[1]!.toUpperCase() === 'CMTI'
      ? { type: 'message-stored', storage, index }
      : { type: 'report-stored', storage, index };
  }
  if (upper === 'RING') return { type: 'ring' };
  if (upper.startsWith('^SMMEMFULL') && !upper.startsWith('^SMMEMFULL_OFF')) {
    const storage = /"?([A-Z]{2})"?/.exec(upper.slice('^SMMEMFULL'.length))?.[1] ?? null;
    return { type: 'storage-full', storage };
  }
  if (/^\+CIEV\s*:\s*"?(SMSFULL|MESSAGE ?FULL)"?\s*,\s*1/i.test(trimmed)) return { type: 'storage-full', storage: null };
  // Outside AT+CREG? every +CREG is unsolicited: <stat>[,<lac>,<ci>[,<AcT>]].
  match = /^\+CREG\s*:\s*(\d+)/i.exec(trimmed);
  if (match) return { type: 'registration', stat: Number(match[1]) };
  if (/^(\^SYSSTART|START)$/i.test(trimmed)) return { type: 'restarted', line: trimmed };
  for (const prefix of NOISE_PREFIXES) {
    if (upper.startsWith(prefix)) return { type: 'noise', line: trimmed };
  }
  return undefined;
}

/** Builds the event for a +CMT/+CDS header line and the PDU line that follows it. */
export function joinPduUnsolicited(header: string, pduLine: string): Unsolicited {
  const isReport = /^\+CDS\s*:/i.test(header);
  const fields = header.slice(header.indexOf(':') + 1).split(',');
  const lengthText = (fields[fields.length - 1] ?? '').trim();
  const length = /^\d+$/.test(lengthText) ? Number(lengthText) : null;
  const pdu = pduLine.trim();
  return isReport ? { type: 'report-delivered', length, pdu } : { type: 'message-delivered', length, pdu };
}
