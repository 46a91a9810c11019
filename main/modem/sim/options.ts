import type { Clock } from '../../clock.js';
import { SimulatorError } from './errors.js';
import { isPersonalityName, PERSONALITY_NAMES, type CnmiSupport, type PersonalityName, type SimIdentity } from './personality.js';

/** A delay drawn uniformly from [min, max] milliseconds. */
export type DelayRange = [min: number, max: number];

export interface LatencySettings {
  /** Reply time of an ordinary command. */
  commandMs: DelayRange;
  /** Time the network takes to accept one AT+CMGS part. */
  sendMs: DelayRange;
  /** Silence after AT+CFUN=1,1 or a replug before the boot noise and the first answer. */
  bootMs: number;
}

export type LatencyPreset = 'realistic' | 'zero';

export const LATENCY_PRESETS: Record<LatencyPreset, LatencySettings> = {
  realistic: { commandMs: [20, 120], sendMs: [2000, 4000], bootMs: 4000 },
  zero: { commandMs: [0, 0], sendMs: [0, 0], bootMs: 0 },
};

export type DeliveryOutcome = 'delivered' | 'pending' | 'failed';

export interface StatusReportSettings {
  /** Time from the accepted send to the status report. */
  delayMs: DelayRange;
  outcome: DeliveryOutcome;
  /** Outcome per recipient number as written in the PDU (e.g. '+8613800138000'); overrides `outcome`. */
  byRecipient: Record<string, DeliveryOutcome>;
  /** TP-Status octet of a failed delivery (0x40–0x7F); 0x41 is "incompatible destination". */
  failStatus: number;
}

export const STATUS_REPORT_PRESETS: Record<LatencyPreset, StatusReportSettings> = {
  realistic: { delayMs: [3000, 10_000], outcome: 'delivered', byRecipient: {}, failStatus: 0x41 },
  zero: { delayMs: [0, 0], outcome: 'delivered', byRecipient: {}, failStatus: 0x41 },
};

export type SimState = 'ready' | 'pin-required' | 'missing';
export type Registration = 'home' | 'roaming' | 'searching' | 'denied' | 'none';

/** Faults switched on and off while the modem runs. */
export interface SimFaults {
  /** No echo and no reply at all (input swallowed) until cleared or the device is replugged. */
  hang: boolean;
  /** Random bytes in front of every reply. */
  garbage: boolean;
  /** +CMS ERROR <code> on the k-th AT+CMGS/CMSS counted from when these faults were set (1 = the next send). */
  sendErrors: Array<{ onSend: number; code: number }>;
  /**
   * The cable is pulled right after the network accepted the k-th AT+CMGS/CMSS counted from when
   * these faults were set (0 = never): the part went out, but its +CMGS reply never reaches the host.
   */
  unplugAfterSend: number;
  sim: SimState;
  registration: Registration;
  /** The storage reports itself full and refuses to store. */
  storageFull: boolean;
  /** Unsolicited noise of the personality every N ms (0 = off). */
  noiseEveryMs: number;
  /** Unsolicited codes are held and sent in the middle of the next reply (between AT+CMGS and "> ", before OK). */
  interleave: boolean;
  /** 'cr': lines end with a bare \r. */
  lineEnding: 'crlf' | 'cr';
  /** false: no space after the colon ("+CDS:25"). */
  colonSpace: boolean;
  /** false: the AT+CMGS prompt is a bare ">" with no space. */
  promptSpace: boolean;
  /** <length> in +CMGL/+CMGR/+CMT/+CDS counts the SMSC octets too, disagreeing with the PDU as on some devices. */
  lengthWithSmsc: boolean;
}

export const NO_FAULTS: Readonly<SimFaults> = {
  hang: false,
  garbage: false,
  sendErrors: [],
  unplugAfterSend: 0,
  sim: 'ready',
  registration: 'home',
  storageFull: false,
  noiseEveryMs: 0,
  interleave: false,
  lineEnding: 'crlf',
  colonSpace: true,
  promptSpace: true,
  lengthWithSmsc: false,
};

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

type RealHandle = { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout };

/** Node's timers; a zero delay runs on the next turn (setImmediate) rather than after setTimeout's 1 ms floor. */
export const realTimers: Timers = {
  setTimeout: (run, ms): RealHandle => (ms <= 0 ? { immediate: setImmediate(run) } : { timeout: setTimeout(run, ms) }),
  clearTimeout: (handle) => {
    const h = handle as RealHandle;
    if ('immediate' in h) clearImmediate(h.immediate);
    else clearTimeout(h.timeout);
  },
};

export interface SimulatorOptions {
  /** Shown in the transport description ('simulator sim-1'). */
  name?: string;
  personality?: PersonalityName;
  identity?: Partial<SimIdentity>;
  /** The SIM's PIN and PUK. */
  pin?: string;
  puk?: string;
  /** Ask for the PIN at power-on. */
  pinRequired?: boolean;
  storage?: { sm?: number; me?: number; indexBase?: 0 | 1 };
  latency?: LatencyPreset | Partial<LatencySettings>;
  statusReports?: Partial<StatusReportSettings>;
  /** CNMI values accepted; defaults to the personality's. */
  cnmi?: Partial<CnmiSupport>;
  /** +CSQ rssi 0–31. */
  signal?: number;
  /** MR of the first accepted send (0–255); the next ones count up and wrap after 255. */
  firstMr?: number;
  /** Time a direct +CMT/+CDS waits for AT+CNMA (when acknowledgement is needed) before routing is switched off. */
  ackTimeoutMs?: number;
  /** Direct deliveries need AT+CNMA even under AT+CSMS=0. */
  alwaysRequireAck?: boolean;
  /** Accept AT+CMGF=1 (text mode); false: refused with +CMS ERROR 303, as on PDU-only devices. */
  textMode?: boolean;
  faults?: Partial<SimFaults>;
  clock?: Clock;
  timers?: Timers;
  /** Seed of the random numbers (latencies, garbage) so a run can be repeated. */
  seed?: number;
}

function fail(option: string, message: string): never {
  throw new SimulatorError('MODEM_SIM_BAD_OPTION', `Simulator option "${option}": ${message}`);
}

export function checkRange(option: string, value: unknown): DelayRange {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) || pair[0] > pair[1]) {
    fail(option, 'give milliseconds as a number or [min, max] with 0 ≤ min ≤ max.');
  }
  return [pair[0], pair[1]];
}

function checkInt(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(option, `use a whole number from ${min} to ${max}.`);
  return value;
}

const OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'pending', 'failed'];

export function resolveLatency(value: SimulatorOptions['latency'], base: LatencySettings = LATENCY_PRESETS.realistic): LatencySettings {
  if (value === undefined) return base;
  if (typeof value === 'string') {
    if (!(value in LATENCY_PRESETS)) fail('latency', 'use "realistic" or "zero".');
    return LATENCY_PRESETS[value];
  }
  return {
    commandMs: value.commandMs === undefined ? base.commandMs : checkRange('latency.commandMs', value.commandMs),
    sendMs: value.sendMs === undefined ? base.sendMs : checkRange('latency.sendMs', value.sendMs),
    bootMs: value.bootMs === undefined ? base.bootMs : checkRange('latency.bootMs', value.bootMs)[0],
  };
}

export function resolveStatusReports(value: Partial<StatusReportSettings> | undefined, base: StatusReportSettings): StatusReportSettings {
  if (!value) return base;
  const out = { ...base };
  if (value.delayMs !== undefined) out.delayMs = checkRange('statusReports.delayMs', value.delayMs);
  if (value.outcome !== undefined) {
    if (!OUTCOMES.includes(value.outcome)) fail('statusReports.outcome', 'use delivered, pending or failed.');
    out.outcome = value.outcome;
  }
  if (value.byRecipient !== undefined) {
    for (const [number, outcome] of Object.entries(value.byRecipient)) {
      if (!OUTCOMES.includes(outcome)) fail(`statusReports.byRecipient["${number}"]`, 'use delivered, pending or failed.');
    }
    out.byRecipient = { ...value.byRecipient };
  }
  if (value.failStatus !== undefined) out.failStatus = checkInt('statusReports.failStatus', value.failStatus, 0x40, 0x7f);
  return out;
}

const SIM_STATES: readonly SimState[] = ['ready', 'pin-required', 'missing'];
const REGISTRATIONS: readonly Registration[] = ['home', 'roaming', 'searching', 'denied', 'none'];

/** Checks a partial fault set (from code or from the control channel) and merges it onto `base`. */
export function mergeFaults(base: SimFaults, change: Partial<SimFaults>): SimFaults {
  if (typeof change !== 'object' || change === null) fail('faults', 'give an object such as {"hang": true}.');
  const out: SimFaults = { ...base, sendErrors: [...base.sendErrors] };
  for (const [key, value] of Object.entries(change) as Array<[keyof SimFaults, unknown]>) {
    switch (key) {
      case 'hang':
      case 'garbage':
      case 'storageFull':
      case 'interleave':
      case 'colonSpace':
      case 'promptSpace':
      case 'lengthWithSmsc':
        if (typeof value !== 'boolean') fail(`faults.${key}`, 'use true or false.');
        out[key] = value;
        break;
      case 'sendErrors':
        if (!Array.isArray(value)) fail('faults.sendErrors', 'give a list such as [{"onSend": 2, "code": 500}].');
        out.sendErrors = value.map((entry: unknown, i) => {
          const e = (entry ?? {}) as { onSend?: unknown; code?: unknown };
          return { onSend: checkInt(`faults.sendErrors[${i}].onSend`, e.onSend, 1, 1_000_000), code: checkInt(`faults.sendErrors[${i}].code`, e.code, 0, 1023) };
        });
        break;
      case 'unplugAfterSend':
        out.unplugAfterSend = checkInt('faults.unplugAfterSend', value, 0, 1_000_000);
        break;
      case 'sim':
        if (!SIM_STATES.includes(value as SimState)) fail('faults.sim', 'use ready, pin-required or missing.');
        out.sim = value as SimState;
        break;
      case 'registration':
        if (!REGISTRATIONS.includes(value as Registration)) fail('faults.registration', `use one of ${REGISTRATIONS.join(', ')}.`);
        out.registration = value as Registration;
        break;
      case 'noiseEveryMs':
        out.noiseEveryMs = checkInt('faults.noiseEveryMs', value, 0, 3_600_000);
        break;
      case 'lineEnding':
        if (value !== 'crlf' && value !== 'cr') fail('faults.lineEnding', 'use crlf or cr.');
        out.lineEnding = value;
        break;
      default:
        fail(`faults.${String(key)}`, `unknown fault; known: ${Object.keys(NO_FAULTS).join(', ')}.`);
    }
  }
  return out;
}

export interface ResolvedOptions {
  name: string;
  personality: PersonalityName;
  identityOverrides: Partial<SimIdentity>;
  pin: string;
  puk: string;
  pinRequired: boolean;
  storage: { sm: number; me: number; indexBase: 0 | 1 };
  latency: LatencySettings;
  statusReports: StatusReportSettings;
  cnmi: Partial<CnmiSupport>;
  signal: number;
  firstMr: number;
  ackTimeoutMs: number;
  alwaysRequireAck: boolean;
  textMode: boolean;
  faults: SimFaults;
  seed: number;
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const personality = options.personality ?? 'simcom';
  if (!isPersonalityName(personality)) fail('personality', `use one of ${PERSONALITY_NAMES.join(', ')}.`);
  const pin = options.pin ?? '1234';
  if (!/^\d{4,8}$/.test(pin)) fail('pin', 'a PIN is 4 to 8 digits.');
  const puk = options.puk ?? '12345678';
  if (!/^\d{8}$/.test(puk)) fail('puk', 'a PUK is 8 digits.');
  const identity = options.identity ?? {};
  if (identity.imei !== undefined && !/^\d{15}$/.test(identity.imei)) fail('identity.imei', 'an IMEI is 15 digits.');
  if (identity.imsi !== undefined && !/^\d{6,15}$/.test(identity.imsi)) fail('identity.imsi', 'an IMSI is up to 15 digits.');
  const indexBase = options.storage?.indexBase ?? 1;
  if (indexBase !== 0 && indexBase !== 1) fail('storage.indexBase', 'use 0 or 1.');
  const preset: LatencyPreset = options.latency === 'zero' ? 'zero' : 'realistic';
  for (const [key, values] of Object.entries(options.cnmi ?? {})) {
    if (!Array.isArray(values) || !values.every((v) => Number.isInteger(v) && v >= 0 && v <= 3)) fail(`cnmi.${key}`, 'give the accepted values as a list of 0–3.');
  }
  return {
    name: options.name ?? 'sim-1',
    personality,
    identityOverrides: identity,
    pin,
    puk,
    pinRequired: options.pinRequired ?? false,
    storage: {
      sm: options.storage?.sm === undefined ? 30 : checkInt('storage.sm', options.storage.sm, 0, 1000),
      me: options.storage?.me === undefined ? 100 : checkInt('storage.me', options.storage.me, 0, 1000),
      indexBase,
    },
    latency: resolveLatency(options.latency),
    statusReports: resolveStatusReports(options.statusReports, STATUS_REPORT_PRESETS[preset]),
    cnmi: options.cnmi ?? {},
    signal: options.signal === undefined ? 21 : checkInt('signal', options.signal, 0, 31),
    firstMr: options.firstMr === undefined ? 0 : checkInt('firstMr', options.firstMr, 0, 255),
    ackTimeoutMs: options.ackTimeoutMs === undefined ? 15_000 : checkInt('ackTimeoutMs', options.ackTimeoutMs, 0, 600_000),
    alwaysRequireAck: options.alwaysRequireAck ?? false,
    textMode: options.textMode ?? true,
    faults: mergeFaults({ ...NO_FAULTS }, options.faults ?? {}),
    seed: options.seed ?? 1,
  };
}
