/**
 * One small pure parser per command: reply lines in, values out. No parser
 * touches the session or keeps state; each returns null (or throws
 * ReplyFormatError) when the reply is not what the command gives.
 */
import { ModemError } from '../errors.js';

export class ReplyFormatError extends ModemError {
  constructor(command: string, lines: readonly string[]) {
    super('MODEM_REPLY_UNREADABLE', `The modem's reply to ${command} could not be read: ${JSON.stringify(lines.slice(0, 3))}.`, {
      retryable: true,
    });
  }
}

/** The value part of "+XXX: value" (also "+XXX:value"), or undefined when the prefix is absent. */
export function valueOf(lines: readonly string[], prefix: string): string | undefined {
  const upperPrefix = prefix.toUpperCase();
  for (const line of lines) {
    if (line.toUpperCase().startsWith(upperPrefix)) {
      const rest = line.slice(prefix.length);
      const colon = rest.indexOf(':');
      if (colon !== -1 && rest.slice(0, colon).trim() === '') return rest.slice(colon + 1).trim();
    }
  }
  return undefined;
}

/** Splits a parameter list on commas outside quotes and parentheses; strips quotes. */
export function splitFields(value: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === '(') depth += 1;
    else if (!quoted && char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && !quoted && depth === 0) {
      fields.push(current.trim());
      current = '';
    } else current += char;
  }
  fields.push(current.trim());
  return fields.map((f) => (f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1) : f));
}

function intOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

// --- AT+CSQ ---------------------------------------------------------------

export interface SignalQuality {
  /** 0–31, or 99 for unknown (TS 27.007 §8.5). */
  rssi: number;
  ber: number;
  /** -113 … -51 dBm; null when unknown. */
  dbm: number | null;
  /** 0–5 bars for people (0 also when unknown). */
  bars: number;
}

export function parseCsq(lines: readonly string[]): SignalQuality | null {
  const value = valueOf(lines, '+CSQ');
  if (value === undefined) return null;
  const [rssiText, berText] = splitFields(value);
  const rssi = intOrNull(rssiText);
  if (rssi === null) return null;
  const ber = intOrNull(berText) ?? 99;
  const known = rssi <= 31;
  const dbm = known ? -113 + 2 * rssi : null;
  // Bars as phones draw them: <-107 dBm none, then steps of about 6 dB.
  const bars = dbm === null ? 0 : dbm >= -73 ? 5 : dbm >= -83 ? 4 : dbm >= -93 ? 3 : dbm >= -101 ? 2 : dbm >= -107 ? 1 : 0;
  return { rssi, ber, dbm, bars };
}

// --- AT+CREG? / +CGREG? / +CEREG? -----------------------------------------

export type RegistrationState = 'not-registered' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming' | 'sms-only' | 'emergency-only';
const REGISTRATION_STATES: Record<number, RegistrationState> = {
  0: 'not-registered',
  1: 'home',
  2: 'searching',
  3: 'denied',
  4: 'unknown',
  5: 'roaming',
  6: 'sms-only',
  7: 'sms-only',
  8: 'emergency-only',
};

export interface Registration {
  stat: number;
  state: RegistrationState;
  /** Home or roaming: messages can be sent. */
  registered: boolean;
  lac: string | null;
  cellId: string | null;
}

export function registrationFromStat(stat: number, lac: string | null = null, cellId: string | null = null): Registration {
  const state = REGISTRATION_STATES[stat] ?? 'unknown';
  return { stat, state, registered: stat === 1 || stat === 5 || stat === 6 || stat === 7, lac, cellId };
}

export function parseCreg(lines: readonly string[], prefix: '+CREG' | '+CGREG' | '+CEREG' = '+CREG'): Registration | null {
  const value = valueOf(lines, prefix);
  if (value === undefined) return null;
  const fields = splitFields(value);
  // Reply to the read command: <n>,<stat>[,<lac>,<ci>[,<AcT>]]. Some modems omit <n>.
  const statIndex = fields.length === 1 || fields.length === 3 ? 0 : 1;
  const stat = intOrNull(fields[statIndex]);
  if (stat === null) return null;
  return registrationFromStat(stat, fields[statIndex + 1] || null, fields[statIndex + 2] || null);
}

// --- AT+COPS? ----------------------------------------------------------------

export interface Operator {
  mode: number;
  /** Name or numeric code as the modem reports it; null when not registered. */
  name: string | null;
  format: number | null;
  accessTechnology: number | null;
}

export function parseCops(lines: readonly string[]): Operator | null {
  const value = valueOf(lines, '+COPS');
  if (value === undefined) return null;
  const fields = splitFields(value);
  const mode = intOrNull(fields[0]);
  if (mode === null) return null;
  return { mode, format: intOrNull(fields[1]), name: fields[2] ? fields[2] : null, accessTechnology: intOrNull(fields[3]) };
}

// --- AT+CPMS=? / AT+CPMS? / AT+CPMS="…" ----------------------------------------

/** The storages a modem offers for reading/deleting, writing/sending and receiving. */
export interface StorageOptions {
  read: string[];
  write: string[];
  receive: string[];
}

function parenthesisedLists(value: string): string[][] {
  const lists: string[][] = [];
  for (const match of value.matchAll(/\(([^)]*)\)/g)) {
    lists.push(splitFields(match[1]!).map((s) => s.toUpperCase()).filter((s) => s !== ''));
  }
  return lists;
}

export function parseCpmsSupport(lines: readonly string[]): StorageOptions | null {
  const value = valueOf(lines, '+CPMS');
  if (value === undefined) return null;
  const lists = parenthesisedLists(value);
  if (lists.length === 0) {
    // Some old modems answer without parentheses: +CPMS: "SM","SM","SM" (one choice each).
    const plain = splitFields(value).map((s) => s.toUpperCase());
    if (plain.length === 0 || plain.some((s) => !/^[A-Z]{2}$/.test(s))) return null;
    return { read: [plain[0]!], write: [plain[1] ?? plain[0]!], receive: [plain[2] ?? plain[0]!] };
  }
  const read = lists[0]!;
  return { read, write: lists[1] ?? read, receive: lists[2] ?? lists[1] ?? read };
}

export interface StorageUse {
  storage: string | null;
  used: number;
  total: number;
}

/** AT+CPMS? gives "SM",3,20,…; AT+CPMS="SM","SM","SM" gives 3,20,…: both read here. */
export function parseCpmsUse(lines: readonly string[]): StorageUse[] | null {
  const value = valueOf(lines, '+CPMS');
  if (value === undefined) return null;
  const fields = splitFields(value);
  const withNames = fields.length > 0 && !/^\d+$/.test(fields[0]!);
  const step = withNames ? 3 : 2;
  const uses: StorageUse[] = [];
  for (let i = 0; i + step - 1 < fields.length; i += step) {
    const used = intOrNull(fields[i + (withNames ? 1 : 0)]);
    const total = intOrNull(fields[i + (withNames ? 2 : 1)]);
    if (used === null || total === null) return null;
    uses.push({ storage: withNames ? fields[i]!.toUpperCase() : null, used, total });
  }
  return uses.length > 0 ? uses : null;
}

/**
 * Picks where messages are read and received: the SIM when offered (survives a
 * dongle swap, visible to other tools), else modem memory; status reports go
 * where the modem allows. Returns the AT+CPMS arguments.
 */
export function chooseStorage(options: StorageOptions): [string, string, string] {
  const pick = (offered: string[], order: string[]) => order.find((s) => offered.includes(s)) ?? offered[0] ?? 'SM';
  const order = ['SM', 'MT', 'ME'];
  return [pick(options.read, order), pick(options.write, order), pick(options.receive, order)];
}

// --- AT+CNMI=? -----------------------------------------------------------------

/** Allowed values of each CNMI parameter: mode, mt, bm, ds, bfr. */
export type CnmiSupport = number[][];

function expandRange(list: string): number[] {
  const values = new Set<number>();
  for (const part of list.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!range) continue;
    const from = Number(range[1]);
    const to = range[2] !== undefined ? Number(range[2]) : from;
    for (let v = from; v <= Math.min(to, from + 16); v++) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseCnmiSupport(lines: readonly string[]): CnmiSupport | null {
  const value = valueOf(lines, '+CNMI');
  if (value === undefined) return null;
  const lists = [...value.matchAll(/\(([^)]*)\)/g)].map((m) => expandRange(m[1]!));
  return lists.length >= 2 ? lists : null;
}

/**
 * CNMI settings to try, best first: new messages and status reports stored and
 * announced by index (+CMTI/+CDSI; nothing lost if we are busy), else routed
 * directly (+CMT/+CDS, acknowledged), else stored quietly (found by the
 * periodic listing). Filtered by what the modem says it supports.
 */
export function cnmiCandidates(support: CnmiSupport | null): string[] {
  const preferences: number[][] = [
    [2, 1, 0, 2],
    [2, 1, 0, 1],
    [1, 1, 0, 2],
    [1, 1, 0, 1],
    [2, 1, 0, 0],
    [1, 1, 0, 0],
    [2, 2, 0, 1],
    [1, 2, 0, 1],
    [3, 1, 0, 2],
    [3, 1, 0, 1],
    [0, 1, 0, 0],
  ];
  // <bfr> 0 (flush buffered codes) when allowed; some modems (Cinterion MC75i) accept only 1.
  const bfrOptions = support?.[4];
  const bfr = !bfrOptions || bfrOptions.length === 0 || bfrOptions.includes(0) ? 0 : bfrOptions[0]!;
  const allowed = (candidate: number[]) =>
    support === null || candidate.every((value, i) => support[i] === undefined || support[i]!.length === 0 || support[i]!.includes(value));
  const filtered = preferences.filter(allowed).map((c) => [...c, bfr].join(','));
  // Without a usable AT+CNMI=? answer, try the common ones and finally the short form.
  if (support === null) return [...filtered, '2,1', '1,1'];
  return filtered.length > 0 ? filtered : [...preferences.map((c) => [...c, 0].join(',')), '2,1', '1,1'];
}

// --- AT+CMGL / AT+CMGR / AT+CMGS --------------------------------------------------

export interface StoredPdu {
  index: number;
  /** 0 received unread, 1 received read, 2 stored unsent, 3 stored sent. */
  stat: number;
  /** Length of the TPDU as the modem says; may disagree with the PDU (some firmware counts the SMSC). */
  length: number | null;
  pdu: string;
}

const HEX_LINE = /^[0-9A-Fa-f]+$/;

/** +CMGL: <index>,<stat>,[<alpha>],<length> followed by the PDU line, repeated. */
export function parseCmgl(lines: readonly string[]): StoredPdu[] {
  const entries: StoredPdu[] = [];
  for (let i = 0; i < lines.length; i++) {
    const value = valueOf([lines[i]!], '+CMGL');
    if (value === undefined) continue;
    const fields = splitFields(value);
    const index = intOrNull(fields[0]);
    const next = lines[i + 1];
    if (index === null || next === undefined || !HEX_LINE.test(next)) continue;
    entries.push({ index, stat: intOrNull(fields[1]) ?? 0, length: intOrNull(fields[fields.length - 1]), pdu: next });
    i += 1;
  }
  return entries;
}

/** +CMGR: <stat>,[<alpha>],<length> then the PDU; null for an empty slot (OK alone). */
export function parseCmgr(lines: readonly string[], index: number): StoredPdu | null {
  for (let i = 0; i < lines.length; i++) {
    const value = valueOf([lines[i]!], '+CMGR');
    if (value === undefined) continue;
    const fields = splitFields(value);
    const next = lines[i + 1];
    if (next === undefined || !HEX_LINE.test(next)) return null;
    return { index, stat: intOrNull(fields[0]) ?? 0, length: intOrNull(fields[fields.length - 1]), pdu: next };
  }
  return null;
}

/** +CMGS: <mr>[,<scts>]: the message reference the network will quote in the status report. */
export function parseCmgs(lines: readonly string[]): number | null {
  const value = valueOf(lines, '+CMGS');
  if (value === undefined) return null;
  return intOrNull(splitFields(value)[0]);
}

// --- AT+CPIN? ---------------------------------------------------------------------

export type PinState = 'ready' | 'sim-pin' | 'sim-puk' | 'ph-sim-pin' | 'sim-pin2' | 'sim-puk2' | 'other';

export function parseCpin(lines: readonly string[]): { state: PinState; text: string } | null {
  const value = valueOf(lines, '+CPIN');
  if (value === undefined) return null;
  const text = value.replace(/"/g, '').trim().toUpperCase();
  const map: Record<string, PinState> = {
    READY: 'ready',
    'SIM PIN': 'sim-pin',
    'SIM PUK': 'sim-puk',
    'PH-SIM PIN': 'ph-sim-pin',
    'SIM PIN2': 'sim-pin2',
    'SIM PUK2': 'sim-puk2',
  };
  return { state: map[text] ?? 'other', text };
}

// --- identity: AT+CGMI / +CGMM / +CGMR / +CGSN / +CIMI, AT+CSCA? ----------------------

/**
 * The information text of CGMI/CGMM/CGMR: a bare line, "+CGMI: text" or
 * "Manufacturer: text" depending on the firmware. Joined when split over lines.
 */
export function parseInfoText(lines: readonly string[], prefix: string): string | null {
  const texts = lines
    .map((line) => {
      const prefixed = valueOf([line], prefix);
      if (prefixed !== undefined) return prefixed;
      return line.replace(/^(Manufacturer|Model|Revision)\s*:\s*/i, '');
    })
    .map((t) => t.replace(/^"(.*)"$/, '$1').trim())
    .filter((t) => t !== '');
  return texts.length > 0 ? texts.join(' ') : null;
}

/** IMEI: 14–17 digits, bare, quoted or after "+CGSN:" (some firmware also prints "IMEI:"). */
export function parseImei(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /(\d{14,17})/.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

export function parseImsi(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /^(?:\+CIMI\s*:\s*)?"?(\d{6,15})"?$/i.exec(line.trim());
    if (match) return match[1]!;
  }
  return null;
}

export function parseCsca(lines: readonly string[]): { address: string; type: number | null } | null {
  const value = valueOf(lines, '+CSCA');
  if (value === undefined) return null;
  const fields = splitFields(value);
  let address = fields[0] ?? '';
  // Under AT+CSCS="UCS2" the number comes as UCS2 hex ("002B0038…" is "+8…").
  if (/^(00[0-9A-Fa-f]{2}){4,}$/.test(address) && /^00(2B|3[0-9])/i.test(address)) {
    address = Buffer.from(address, 'hex').swap16().toString('utf16le');
  }
  return address === '' ? null : { address, type: intOrNull(fields[1]) };
}
