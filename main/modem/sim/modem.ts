import { systemClock, type Clock } from '../../clock.js';
import { parseCommandLine, type AtCommand, type AtOperation } from './command-line.js';
import { CME, CME_TEXT, CMS, CMS_TEXT } from './errors.js';
import { checkSubmit, deliveryPdus, rawNetworkPdu, statusByte, statusReportPdu, tpduLength, type InboundMessage, type NetworkPdu, type SubmitCheck } from './network.js';
import {
  mergeFaults,
  NO_FAULTS,
  realTimers,
  resolveLatency,
  resolveOptions,
  resolveStatusReports,
  type DelayRange,
  type LatencySettings,
  type ResolvedOptions,
  type SimFaults,
  type SimulatorOptions,
  type StatusReportSettings,
  type Timers,
} from './options.js';
import { submitFromText, TEXT_STAT, textDirect, textEntry } from './text-mode.js';
import { personality as personalityNamed, type CnmiSupport, type MemoryName, type Personality, type SimIdentity } from './personality.js';
import { MessageSlots, type MessageStat } from './storage.js';
import { decodeUssdRequest, encodeUssdAnswer, USSD_ANSWER, USSD_DCS } from './ussd.js';

/** One PDU the simulator accepted for sending: what tests decode to prove what was really sent. */
export interface AcceptedPdu {
  seq: number;
  /** ISO 8601 on the simulator's clock. */
  at: string;
  mr: number;
  /** Hex exactly as received after AT+CMGS (SMSC field first), upper case. */
  pdu: string;
  tpduLength: number;
  recipient: string;
  statusReportRequested: boolean;
  via: 'CMGS' | 'CMSS';
}

export interface SimulatorStatus {
  name: string;
  personality: string;
  identity: SimIdentity;
  plugged: boolean;
  booting: boolean;
  sim: 'ready' | 'pin' | 'puk' | 'missing';
  /** +CREG <stat>. */
  registration: number;
  radioOn: boolean;
  storage: Record<string, { used: number; total: number }>;
  cnmi: number[];
  accepted: number;
  /** Messages and reports the network still holds for the modem. */
  waitingInNetwork: number;
  awaitingAck: boolean;
  faults: SimFaults;
}

type Final = { kind: 'ok' } | { kind: 'error' } | { kind: 'unsupported' } | { kind: 'cme'; code: number } | { kind: 'cms'; code: number };

interface Outcome {
  final: Final;
  /** Information lines; a function when they must be built at the moment of the reply (an accepted send). */
  lines?: string[] | (() => string[]);
  /** Runs after the final result went out. */
  after?: () => void;
  /** Added to the command's reply time (a send's network time). */
  extraMs?: number;
}

interface PromptRequest {
  prompt: 'send' | 'write';
  length: number;
  stat: MessageStat;
  /** Text mode: the destination given to AT+CMGS="<da>" (the text follows the prompt). */
  to?: string;
}

type CommandResult = Outcome | PromptRequest;

interface Settings {
  echo: boolean;
  cmee: number;
  cnmi: [number, number, number, number, number];
  cpms: [MemoryName, MemoryName, MemoryName];
  creg: number;
  cgreg: number;
  csms: number;
  cmms: number;
  cscs: string;
  cmgf: number;
  /** AT+CSMP <fo>,<vp>,<pid>,<dcs> for text-mode sends. */
  csmp: [number, number, number, number];
  /** AT+CLIP: caller number shown with RING. */
  clip: number;
  /** AT+CUSD <n>: USSD answers reported (+CUSD) or not. */
  cusd: number;
  /** AT+CPBS: the phonebook memory in use. */
  cpbs: string;
}

const OK: Outcome = { final: { kind: 'ok' } };
const ERROR: Outcome = { final: { kind: 'error' } };
const cme = (code: number): Outcome => ({ final: { kind: 'cme', code } });
const cms = (code: number): Outcome => ({ final: { kind: 'cms', code } });
const info = (...lines: string[]): Outcome => ({ final: { kind: 'ok' }, lines });

const CSCS_VALUES = ['GSM', 'IRA', 'UCS2', 'HEX', 'PCCP936', '8859-1'];
const REGISTRATION_STAT = { home: 1, roaming: 5, searching: 2, denied: 3, none: 0 } as const;
const MAX_PDU_OCTETS = 176;
/** Entries the SIM phonebook holds (what AT+CPBS? reports as its size). */
const SIM_PHONEBOOK_SIZE = 250;
/** How long the network takes to answer a USSD request. */
const USSD_ANSWER_MS = 300;

function defaultSettings(): Settings {
  return { echo: true, cmee: 0, cnmi: [0, 0, 0, 0, 0], cpms: ['SM', 'SM', 'SM'], creg: 0, cgreg: 0, csms: 0, cmms: 0, cscs: 'IRA', cmgf: 0, csmp: [17, 167, 0, 0], clip: 0, cusd: 0, cpbs: 'SM' };
}

/** mulberry32: small, seedable, good enough for latencies and garbage. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function intArg(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

function range(values: number[]): string {
  return `(${values.join(',')})`;
}

/**
 * A GSM modem as a state machine: bytes the host writes go in through
 * `receive`, the modem's bytes come out through `onOutput`. It keeps the SIM's
 * message slots, answers AT commands as a real device does (timing included),
 * and lets tests inject messages and faults. Transports (in-process, PTY) only
 * move the bytes.
 */
export class SimulatedModem {
  readonly name: string;
  readonly identity: SimIdentity;
  readonly personality: Personality;
  readonly storage: MessageSlots;
  /** Faults switched on and off at run time; `set` merges, `clear` returns to a healthy modem. */
  readonly faults: { set(change: Partial<SimFaults>): SimFaults; clear(): SimFaults; readonly current: SimFaults };

  private readonly options: ResolvedOptions;
  private readonly cnmiSupport: CnmiSupport;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly random: () => number;
  private latency: LatencySettings;
  private statusReports: StatusReportSettings;
  private faultSet: SimFaults;

  private readonly outputListeners = new Set<(chunk: Buffer) => void>();
  private readonly plugListeners = new Set<(plugged: boolean) => void>();
  private readonly acceptedListeners = new Set<(entry: AcceptedPdu) => void>();

  private pluggedIn = true;
  private booting = false;
  private disposed = false;
  private settings = defaultSettings();
  private radioOn = true;
  /** GPRS attached (AT+CGATT); only while registered. */
  private gprsAttach = true;
  /** Huawei ^PORTSEL: the port unsolicited codes go to (kept, not acted on: the simulator has one port). */
  private portsel = 0;
  private sim: SimulatorStatus['sim'];
  private pin: string;
  private pinAttempts = 3;
  private smsc: string;
  private lastRegistration: number;

  private line = '';
  private busy = false;
  private queuedInput = '';
  private prompt: (PromptRequest & { buffer: string }) | null = null;

  /** Unsolicited codes waiting for the link to be free (or, under the interleave fault, for the next reply). */
  private held: string[][] = [];
  /** SMS indications buffered in the modem under AT+CNMI mode 0. */
  private cnmiBuffer: string[][] = [];

  private readonly network: NetworkPdu[] = [];
  private awaitingAck: { item: NetworkPdu; timer: unknown } | null = null;
  private fullNotified = false;
  private nextMr: number;
  private concatReference = 0;
  private sendsSinceFaults = 0;
  /** Set when an accepted send is to be followed by a pulled cable (the unplugAfterSend fault). */
  private pullCableBeforeReply = false;
  private readonly log: AcceptedPdu[] = [];

  /** Timers of the device itself (replies, boot): cancelled by a power cycle. */
  private readonly deviceTimers = new Set<unknown>();
  /** Timers of the network (status reports): they run on while the device is off. */
  private readonly networkTimers = new Set<unknown>();
  private noiseTimer: unknown = null;

  constructor(options: SimulatorOptions = {}) {
    this.options = resolveOptions(options);
    this.name = this.options.name;
    this.personality = personalityNamed(this.options.personality);
    this.identity = {
      ...this.personality.identity,
      imei: '867322034512347',
      imsi: '460001234567890',
      smsc: '+8613800100500',
      ...this.options.identityOverrides,
    };
    this.cnmiSupport = { ...this.personality.cnmi, ...this.options.cnmi };
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? realTimers;
    this.random = seededRandom(this.options.seed);
    this.latency = this.options.latency;
    this.statusReports = this.options.statusReports;
    this.faultSet = this.options.faults;
    this.storage = new MessageSlots(this.options.storage);
    this.storage.full = this.faultSet.storageFull;
    this.pin = this.options.pin;
    this.smsc = this.identity.smsc;
    this.nextMr = this.options.firstMr;
    this.sim = this.simAtPowerOn();
    this.lastRegistration = this.registrationStat();
    this.restartNoise();
    const current = (): SimFaults => ({ ...this.faultSet, sendErrors: [...this.faultSet.sendErrors] });
    this.faults = {
      set: (change) => this.applyFaults(mergeFaults(this.faultSet, change), change),
      clear: () => this.applyFaults({ ...NO_FAULTS, sendErrors: [] }, { ...NO_FAULTS }),
      get current() {
        return current();
      },
    };
  }

  // ---- the wire ----------------------------------------------------------

  /** Bytes from the host. */
  receive(data: Buffer | string): void {
    if (this.disposed || !this.pluggedIn || this.booting || this.faultSet.hang) return;
    this.consume(typeof data === 'string' ? data : data.toString('latin1'));
  }

  /** Bytes to the host; returns the unsubscribe function. */
  onOutput(listener: (chunk: Buffer) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Called with false when the device is unplugged and true when it is plugged back in. */
  onPlug(listener: (plugged: boolean) => void): () => void {
    this.plugListeners.add(listener);
    return () => this.plugListeners.delete(listener);
  }

  onAccepted(listener: (entry: AcceptedPdu) => void): () => void {
    this.acceptedListeners.add(listener);
    return () => this.acceptedListeners.delete(listener);
  }

  get plugged(): boolean {
    return this.pluggedIn;
  }

  // ---- the test's levers ---------------------------------------------------

  /** Every PDU accepted by AT+CMGS/CMSS, oldest first. */
  acceptedLog(): AcceptedPdu[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  /** A message from a phone; long texts arrive as concatenated parts (or only some, see `parts`). Returns the PDUs the network sends. */
  injectInbound(message: InboundMessage): { pdus: string[] } {
    this.concatReference = (this.concatReference + 1) % 256;
    const parts = deliveryPdus(message, this.concatReference, this.clock.now());
    this.network.push(...parts);
    this.deliverNetwork();
    return { pdus: parts.map((part) => part.pdu) };
  }

  /** A raw SMS-DELIVER or SMS-STATUS-REPORT PDU (hex with SMSC field) from the network. */
  injectPdu(hex: string): void {
    this.network.push(rawNetworkPdu(hex));
    this.deliverNetwork();
  }

  /** One unsolicited line now (or when the link is free), e.g. 'RING' or '^RSSI: 12'. */
  emitUnsolicited(line: string): void {
    this.unsolicited([line]);
  }

  /** The USB cable is pulled: output stops, pending replies are lost. */
  unplug(): void {
    if (!this.pluggedIn) return;
    this.pluggedIn = false;
    this.resetLink();
    for (const listener of [...this.plugListeners]) listener(false);
  }

  /** Plugged back in: the device boots afresh (settings back to power-on values, the SIM keeps its messages). */
  replug(): void {
    if (this.pluggedIn) return;
    this.pluggedIn = true;
    this.powerCycle();
    for (const listener of [...this.plugListeners]) listener(true);
  }

  /** Latency and status-report behaviour at run time. */
  configure(change: { latency?: SimulatorOptions['latency']; statusReports?: Partial<StatusReportSettings> }): void {
    if (change.latency !== undefined) this.latency = resolveLatency(change.latency, this.latency);
    if (change.statusReports !== undefined) this.statusReports = resolveStatusReports(change.statusReports, this.statusReports);
  }

  status(): SimulatorStatus {
    const storage: SimulatorStatus['storage'] = {};
    for (const memory of this.personality.memories) storage[memory] = { used: this.storage.used(memory), total: this.storage.capacity(memory) };
    return {
      name: this.name,
      personality: this.personality.name,
      identity: { ...this.identity },
      plugged: this.pluggedIn,
      booting: this.booting,
      sim: this.sim,
      registration: this.registrationStat(),
      radioOn: this.radioOn,
      storage,
      cnmi: [...this.settings.cnmi],
      accepted: this.log.length,
      waitingInNetwork: this.network.length,
      awaitingAck: this.awaitingAck !== null,
      faults: this.faults.current,
    };
  }

  /** Stops every timer; the modem answers nothing afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const set of [this.deviceTimers, this.networkTimers]) {
      for (const handle of set) this.timers.clearTimeout(handle);
      set.clear();
    }
    if (this.noiseTimer !== null) this.timers.clearTimeout(this.noiseTimer);
    this.noiseTimer = null;
    this.outputListeners.clear();
    this.plugListeners.clear();
    this.acceptedListeners.clear();
  }

  // ---- input ----------------------------------------------------------------

  private consume(text: string): void {
    let echo = '';
    const flushEcho = () => {
      if (echo) this.emit(echo);
      echo = '';
    };
    for (let i = 0; i < text.length; i++) {
      if (this.busy) {
        flushEcho();
        this.queuedInput += text.slice(i);
        return;
      }
      const ch = text[i]!;
      if (this.prompt) {
        if (ch === '\x1a') {
          flushEcho();
          this.submitPrompt();
        } else if (ch === '\x1b') {
          flushEcho();
          this.prompt = null;
          this.reply([], { kind: 'ok' }, 0);
        } else {
          if (this.settings.echo) echo += ch;
          if (this.prompt.buffer.length < MAX_PDU_OCTETS * 2 + 64) this.prompt.buffer += ch;
        }
        continue;
      }
      if (this.settings.echo) echo += ch;
      if (ch === '\r') {
        flushEcho();
        const line = this.line;
        this.line = '';
        this.runLine(line);
      } else if (ch === '\b' || ch === '\x7f') {
        this.line = this.line.slice(0, -1);
      } else if (ch !== '\n' && this.line.length < 2048) {
        this.line += ch;
      }
    }
    flushEcho();
  }

  private runLine(line: string): void {
    const commands = parseCommandLine(line);
    if (commands === null) return; // not an AT command: a real modem ignores it too
    const producers: Array<string[] | (() => string[])> = [];
    const afters: Array<() => void> = [];
    let final: Final = { kind: 'ok' };
    let extraMs = 0;
    for (let i = 0; i < commands.length; i++) {
      const result = this.execute(commands[i]!);
      if ('prompt' in result) {
        if (i !== commands.length - 1) {
          final = { kind: 'error' };
          break;
        }
        this.openPrompt(result, producers);
        return;
      }
      if (result.lines) producers.push(result.lines);
      if (result.after) afters.push(result.after);
      extraMs += result.extraMs ?? 0;
      if (result.final.kind !== 'ok') {
        final = result.final;
        break;
      }
    }
    this.reply(producers, final, this.draw(this.latency.commandMs) + extraMs, afters);
  }

  private openPrompt(request: PromptRequest, producers: Array<string[] | (() => string[])>): void {
    this.busy = true;
    this.later(this.draw(this.latency.commandMs), () => {
      let out = this.faultSet.garbage ? this.garbage() : '';
      out += this.block(producers.flatMap((p) => (typeof p === 'function' ? p() : p)));
      out += this.block(this.takeInterleaved());
      out += this.eol() + (this.faultSet.promptSpace ? '> ' : '>');
      this.emit(out);
      this.busy = false;
      this.prompt = { ...request, buffer: '' };
      this.drainInput();
    });
  }

  private submitPrompt(): void {
    const prompt = this.prompt!;
    this.prompt = null;
    let check: SubmitCheck;
    if (prompt.to !== undefined) {
      const built = submitFromText(prompt.to, prompt.buffer, this.settings.cscs, (this.settings.csmp[0] & 0x20) !== 0);
      if (!built) {
        this.reply([], { kind: 'cms', code: CMS.invalidTextParameter }, this.draw(this.latency.commandMs));
        return;
      }
      check = checkSubmit(built.pdu, built.tpduLength);
    } else check = checkSubmit(prompt.buffer, prompt.length);
    if (prompt.prompt === 'write') {
      const outcome = this.writeOutcome(check, prompt.stat);
      this.reply(outcome.lines ? [outcome.lines] : [], outcome.final, this.draw(this.latency.commandMs));
      return;
    }
    const outcome = this.sendOutcome(check, 'CMGS');
    this.reply(outcome.lines ? [outcome.lines] : [], outcome.final, this.draw(this.latency.commandMs) + (outcome.extraMs ?? 0), outcome.after ? [outcome.after] : []);
  }

  private drainInput(): void {
    if (this.busy || !this.queuedInput) return;
    const queued = this.queuedInput;
    this.queuedInput = '';
    this.consume(queued);
  }

  // ---- output ---------------------------------------------------------------

  private emit(text: string): void {
    if (!this.pluggedIn || this.disposed || text === '') return;
    const chunk = Buffer.from(text, 'latin1');
    for (const listener of [...this.outputListeners]) listener(chunk);
  }

  private eol(): string {
    return this.faultSet.lineEnding === 'cr' ? '\r' : '\r\n';
  }

  private format(line: string): string {
    return this.faultSet.colonSpace ? line : line.replace(/^([+^][A-Za-z0-9]+): /, '$1:');
  }

  /** Lines framed as a modem frames information text: <CR><LF>line<CR><LF>. */
  private block(lines: string[]): string {
    if (lines.length === 0) return '';
    const eol = this.eol();
    return eol + lines.map((line) => this.format(line)).join(eol) + eol;
  }

  private finalText(final: Final): string {
    switch (final.kind) {
      case 'ok':
        return 'OK';
      case 'error':
        return 'ERROR';
      case 'unsupported':
        return this.personality.unknownCommand;
      case 'cme':
        if (this.settings.cmee === 0) return 'ERROR';
        return `+CME ERROR: ${this.settings.cmee === 2 ? (CME_TEXT[final.code] ?? 'unknown') : final.code}`;
      case 'cms':
        // TS 27.005: +CMS ERROR is the final result of SMS commands whatever CMEE says; CMEE=2 makes it verbose.
        return `+CMS ERROR: ${this.settings.cmee === 2 ? (CMS_TEXT[final.code] ?? 'unknown error') : final.code}`;
    }
  }

  private reply(producers: Array<string[] | (() => string[])>, final: Final, delayMs: number, afters: Array<() => void> = []): void {
    this.busy = true;
    this.later(delayMs, () => {
      let out = this.faultSet.garbage ? this.garbage() : '';
      out += this.block(producers.flatMap((p) => (typeof p === 'function' ? p() : p)));
      if (this.pullCableBeforeReply) {
        // The network has the part; the host never hears of it.
        this.pullCableBeforeReply = false;
        this.unplug();
        return;
      }
      out += this.block(this.takeInterleaved());
      out += this.block([this.finalText(final)]);
      this.emit(out);
      this.busy = false;
      for (const after of afters) after();
      this.settle();
    });
  }

  /** The link is free again: held unsolicited codes go out, the network may deliver, queued input runs. */
  private settle(): void {
    if (this.busy || this.prompt || !this.pluggedIn || this.booting || this.disposed) return;
    if (!this.faultSet.interleave) {
      const held = this.held;
      this.held = [];
      for (const unit of held) this.emit(this.block(unit));
    }
    this.deliverNetwork();
    this.drainInput();
  }

  private unsolicited(unit: string[]): void {
    // A hung firmware says nothing at all; nothing it would have said is worth keeping (SMS wait in the network).
    if (!this.pluggedIn || this.booting || this.disposed || this.faultSet.hang) return;
    if (this.busy || this.prompt || this.faultSet.interleave) this.held.push(unit);
    else this.emit(this.block(unit));
  }

  /** SMS indications obey the CNMI mode: mode 0 keeps them in the modem. */
  private indicate(unit: string[]): void {
    if (this.settings.cnmi[0] === 0) this.cnmiBuffer.push(unit);
    else this.unsolicited(unit);
  }

  /** Under the interleave fault: what goes between the information text (or AT+CMGS) and the final result (or prompt). */
  private takeInterleaved(): string[] {
    if (!this.faultSet.interleave) return [];
    if (this.held.length > 0) return this.held.splice(0).flat();
    return [this.pick(this.personality.noise)];
  }

  private garbage(): string {
    // High bytes and punctuation, as a wrong baud rate or a line glitch gives; never CR, LF or '>'.
    const length = 8 + Math.floor(this.random() * 32);
    let out = '';
    for (let i = 0; i < length; i++) {
      out += this.random() < 0.7 ? String.fromCharCode(0x80 + Math.floor(this.random() * 128)) : '~!@#$%&*()_=|;'[Math.floor(this.random() * 14)];
    }
    return out + '\r\n';
  }

  // ---- timing ---------------------------------------------------------------

  private draw(range: DelayRange): number {
    return range[0] === range[1] ? range[0] : Math.round(range[0] + this.random() * (range[1] - range[0]));
  }

  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.random() * values.length)]!;
  }

  private later(ms: number, run: () => void): unknown {
    return this.schedule(this.deviceTimers, ms, run);
  }

  private schedule(set: Set<unknown>, ms: number, run: () => void): unknown {
    if (this.disposed) return undefined;
    const handle = this.timers.setTimeout(() => {
      set.delete(handle);
      if (!this.disposed) run();
    }, ms);
    set.add(handle);
    return handle;
  }

  private restartNoise(): void {
    if (this.noiseTimer !== null) this.timers.clearTimeout(this.noiseTimer);
    this.noiseTimer = null;
    const every = this.faultSet.noiseEveryMs;
    if (every <= 0 || this.disposed) return;
    this.noiseTimer = this.timers.setTimeout(() => {
      this.noiseTimer = null;
      this.unsolicited([this.pick(this.personality.noise)]);
      this.restartNoise();
    }, every);
  }

  // ---- power --------------------------------------------------------------------

  /** Forgets everything in flight on the link (replies, prompt, held codes). */
  private resetLink(): void {
    for (const handle of this.deviceTimers) this.timers.clearTimeout(handle);
    this.deviceTimers.clear();
    this.busy = false;
    this.prompt = null;
    this.line = '';
    this.queuedInput = '';
    this.held = [];
    this.cnmiBuffer = [];
    if (this.awaitingAck) {
      // Never acknowledged: the network sends it again.
      this.network.unshift(this.awaitingAck.item);
      this.awaitingAck = null;
    }
  }

  private powerCycle(): void {
    this.resetLink();
    this.settings = defaultSettings();
    this.radioOn = true;
    this.gprsAttach = true;
    if (this.sim !== 'puk') this.sim = this.simAtPowerOn();
    this.fullNotified = false;
    // A power cycle is what brings a hung firmware back.
    if (this.faultSet.hang) this.faultSet = { ...this.faultSet, hang: false };
    this.lastRegistration = this.registrationStat();
    this.booting = true;
    this.later(this.latency.bootMs, () => {
      this.booting = false;
      const cpin = this.cpinWord();
      for (const line of this.personality.bootNoise) this.unsolicited([line === '+CPIN: READY' ? `+CPIN: ${cpin ?? 'NOT INSERTED'}` : line]);
      this.deliverNetwork();
    });
  }

  private simAtPowerOn(): SimulatorStatus['sim'] {
    if (this.faultSet.sim === 'missing') return 'missing';
    if (this.faultSet.sim === 'pin-required' || this.options.pinRequired) return 'pin';
    return 'ready';
  }

  private cpinWord(): string | undefined {
    return { ready: 'READY', pin: 'SIM PIN', puk: 'SIM PUK', missing: undefined }[this.sim];
  }

  // ---- faults -------------------------------------------------------------------

  private applyFaults(next: SimFaults, change: Partial<SimFaults>): SimFaults {
    const previous = this.faultSet;
    this.faultSet = next;
    if ('sendErrors' in change || 'unplugAfterSend' in change) this.sendsSinceFaults = 0;
    this.storage.full = next.storageFull;
    if (next.storageFull && !previous.storageFull) {
      this.fullNotified = true;
      this.unsolicited([this.personality.storageFullNotice(this.settings.cpms[2])]);
    }
    if (!next.storageFull && previous.storageFull) this.fullNotified = false;
    if (next.sim !== previous.sim) {
      if (next.sim === 'missing') this.sim = 'missing';
      else if (next.sim === 'pin-required') this.sim = 'pin';
      else if (this.sim !== 'puk') this.sim = previous.sim === 'missing' && this.options.pinRequired ? 'pin' : 'ready';
    }
    if (next.hang && !previous.hang) {
      this.line = '';
      this.queuedInput = '';
    }
    if (next.noiseEveryMs !== previous.noiseEveryMs) this.restartNoise();
    this.registrationChanged();
    this.settle();
    return this.faults.current;
  }

  // ---- registration and the network -------------------------------------------

  private registrationStat(): number {
    if (!this.radioOn || this.sim !== 'ready') return 0;
    return REGISTRATION_STAT[this.faultSet.registration];
  }

  private registered(): boolean {
    const stat = this.registrationStat();
    return stat === 1 || stat === 5;
  }

  private cregLine(prefix: '+CREG' | '+CGREG', n: number, unsolicited: boolean): string {
    const stat = this.registrationStat();
    const location = n === 2 && (stat === 1 || stat === 5) ? ',"1A2B","00C3D4"' : '';
    return unsolicited ? `${prefix}: ${stat}${location}` : `${prefix}: ${n},${stat}${location}`;
  }

  private registrationChanged(): void {
    const stat = this.registrationStat();
    if (stat === this.lastRegistration) return;
    this.lastRegistration = stat;
    if (this.settings.creg > 0) this.unsolicited([this.cregLine('+CREG', this.settings.creg, true)]);
    this.deliverNetwork();
  }

  private canReceive(): boolean {
    return this.pluggedIn && !this.booting && !this.disposed && !this.faultSet.hang && this.registered() && this.awaitingAck === null;
  }

  private deliverNetwork(): void {
    while (this.network.length > 0 && this.canReceive()) {
      if (!this.route(this.network[0]!)) break;
      this.network.shift();
    }
  }

  /** Routes one network PDU as AT+CNMI says; false when it cannot be taken now (storage full). */
  private route(item: NetworkPdu): boolean {
    const [, mt, , ds] = this.settings.cnmi;
    const memory = this.settings.cpms[2];
    if (item.kind === 'deliver') {
      if (mt === 2) {
        this.direct(this.settings.cmgf === 1 ? textDirect(item.pdu) : [`+CMT: ,${this.reportedLength(item.pdu)}`, item.pdu], item);
        return true;
      }
      const index = this.storeReceived(item);
      if (index === undefined) return false;
      if (mt === 1 || mt === 3) this.indicate([`+CMTI: "${memory}",${index}`]);
      return true;
    }
    if (ds === 1) {
      this.direct(this.settings.cmgf === 1 ? textDirect(item.pdu) : [`+CDS: ${this.reportedLength(item.pdu)}`, item.pdu], item);
      return true;
    }
    const index = this.storeReceived(item);
    if (index === undefined) return ds === 0; // unrouted reports that do not fit are dropped
    if (ds === 2) this.indicate([`+CDSI: "${memory}",${index}`]);
    return true;
  }

  /** The <length> a listing shows: the TPDU octets, or (quirk) all octets. */
  private reportedLength(pdu: string): number {
    return this.faultSet.lengthWithSmsc ? pdu.length / 2 : tpduLength(pdu);
  }

  private storeReceived(item: NetworkPdu): number | undefined {
    const memory = this.settings.cpms[2];
    const index = this.storage.store(memory, { stat: 0, pdu: item.pdu, kind: item.kind });
    if (index === undefined && !this.fullNotified) {
      this.fullNotified = true;
      this.unsolicited([this.personality.storageFullNotice(memory)]);
    }
    return index;
  }

  private direct(unit: string[], item: NetworkPdu): void {
    if (this.settings.csms === 1 || this.options.alwaysRequireAck) {
      const timer = this.later(this.options.ackTimeoutMs, () => {
        // TS 27.005 §3.4.1: no acknowledgement in time → routing to the TE is switched off (mt and ds to 0)
        // and the network sends the message again, which now lands in storage.
        this.awaitingAck = null;
        this.settings.cnmi[1] = 0;
        this.settings.cnmi[3] = 0;
        this.network.unshift(item);
        this.deliverNetwork();
      });
      this.awaitingAck = { item, timer };
    }
    this.indicate(unit);
  }

  private scheduleStatusReport(mr: number, recipient: string, submittedAt: number): void {
    const outcome = this.statusReports.byRecipient[recipient] ?? this.statusReports.outcome;
    const status = statusByte(outcome, this.statusReports.failStatus);
    this.schedule(this.networkTimers, this.draw(this.statusReports.delayMs), () => {
      this.network.push(statusReportPdu({ mr, recipient, submittedAt, dischargedAt: this.clock.now(), status }));
      this.deliverNetwork();
    });
  }

  // ---- sending ----------------------------------------------------------------------

  private simCms(): Outcome | undefined {
    if (this.sim === 'missing') return cms(CMS.simNotInserted);
    if (this.sim === 'pin') return cms(CMS.simPinRequired);
    if (this.sim === 'puk') return cms(CMS.simPukRequired);
    return undefined;
  }

  private simCme(): Outcome | undefined {
    if (this.sim === 'missing') return cme(CME.simNotInserted);
    if (this.sim === 'pin') return cme(CME.simPinRequired);
    if (this.sim === 'puk') return cme(CME.simPukRequired);
    return undefined;
  }

  private sendOutcome(check: SubmitCheck, via: AcceptedPdu['via'], onAccepted?: () => void): Outcome {
    const simError = this.simCms();
    if (simError) return simError;
    if (!check.ok) return cms(CMS.invalidPduParameter);
    if (!this.registered()) return cms(CMS.noNetworkService);
    this.sendsSinceFaults++;
    const sendNumber = this.sendsSinceFaults;
    const extraMs = this.draw(this.latency.sendMs);
    const injected = this.faultSet.sendErrors.find((entry) => entry.onSend === this.sendsSinceFaults);
    if (injected) return { ...cms(injected.code), extraMs };
    const accept = (): string[] => {
      const mr = this.nextMr;
      this.nextMr = (this.nextMr + 1) % 256;
      const now = this.clock.now();
      const entry: AcceptedPdu = {
        seq: this.log.length + 1,
        at: new Date(now).toISOString(),
        mr,
        pdu: check.pdu,
        tpduLength: check.tpduLength,
        recipient: check.recipient,
        statusReportRequested: check.statusReportRequested,
        via,
      };
      this.log.push(entry);
      if (this.faultSet.unplugAfterSend === sendNumber) this.pullCableBeforeReply = true;
      for (const listener of [...this.acceptedListeners]) listener(entry);
      onAccepted?.();
      if (check.statusReportRequested) this.scheduleStatusReport(mr, check.recipient, now);
      return [`+${via}: ${mr}`];
    };
    return { final: { kind: 'ok' }, lines: accept, extraMs };
  }

  private writeOutcome(check: SubmitCheck, stat: MessageStat): Outcome {
    const simError = this.simCms();
    if (simError) return simError;
    if (!check.ok) return cms(CMS.invalidPduParameter);
    const index = this.storage.store(this.settings.cpms[1], { stat, pdu: check.pdu, kind: 'submit' });
    if (index === undefined) return cms(CMS.memoryFull);
    return info(`+CMGW: ${index}`);
  }

  // ---- commands -------------------------------------------------------------------------

  private byOp(command: AtCommand, handlers: Partial<Record<AtOperation, () => CommandResult>>): CommandResult {
    const handler = handlers[command.op];
    return handler ? handler() : ERROR;
  }

  private execute(c: AtCommand): CommandResult {
    const s = this.settings;
    const id = this.identity;
    switch (c.name) {
      case 'E':
      case 'Q':
      case 'V': {
        const value = c.args[0] ?? '0';
        if (c.name === 'E' && (value === '0' || value === '1')) {
          s.echo = value === '1';
          return OK;
        }
        // Numeric result codes (V0) and quiet mode (Q1) are not simulated: refused so the driver notices.
        return (c.name === 'V' && value === '1') || (c.name === 'Q' && value === '0') ? OK : ERROR;
      }
      case 'Z':
      case '&F':
        return { ...OK, after: () => this.restoreDefaults() };
      case 'I':
        return info(...this.personality.ati(id));
      case '+GCAP':
        return info('+GCAP: +CGSM');
      case '+CGMI':
      case '+GMI':
        return this.byOp(c, { exec: () => info(id.manufacturer), test: () => OK });
      case '+CGMM':
      case '+GMM':
        return this.byOp(c, { exec: () => info(id.model), test: () => OK });
      case '+CGMR':
      case '+GMR':
        return this.byOp(c, { exec: () => info(id.revision), test: () => OK });
      case '+CGSN':
      case '+GSN':
        return this.byOp(c, { exec: () => info(id.imei), test: () => OK });
      case '+CIMI':
        return this.byOp(c, { exec: () => this.simCme() ?? info(id.imsi), test: () => OK });
      case '+CMEE':
        return this.byOp(c, {
          set: () => this.setNumber(c.args[0], 0, 2, (n) => (s.cmee = n)),
          read: () => info(`+CMEE: ${s.cmee}`),
          test: () => info('+CMEE: (0-2)'),
        });
      case '+CPIN':
        return this.byOp(c, { read: () => this.cpinRead(), set: () => this.cpinSet(c.args), test: () => OK });
      case '+CSQ':
        return this.byOp(c, {
          exec: () => info(`+CSQ: ${this.radioOn ? this.options.signal : 99},99`),
          test: () => info('+CSQ: (0-31,99),(0-7,99)'),
        });
      case '+CREG':
      case '+CGREG': {
        const key = c.name === '+CREG' ? 'creg' : 'cgreg';
        return this.byOp(c, {
          set: () => this.setNumber(c.args[0], 0, 2, (n) => (s[key] = n)),
          read: () => info(this.cregLine(c.name as '+CREG' | '+CGREG', s[key], false)),
          test: () => info(`${c.name}: (0-2)`),
        });
      }
      case '+COPS':
        return this.byOp(c, {
          read: () => info(this.registered() ? `+COPS: 0,0,"${id.operator}",${this.personality.name === 'huawei' ? 2 : 0}` : '+COPS: 0'),
          set: () => OK,
          test: () => ({ ...info(`+COPS: (2,"${id.operator}","${id.operator}","${id.imsi.slice(0, 5)}",0),,(0-4),(0-2)`), extraMs: this.draw(this.latency.sendMs) }),
        });
      case '+CFUN':
        return this.byOp(c, { read: () => info(`+CFUN: ${this.radioOn ? 1 : 0}`), set: () => this.cfunSet(c.args), test: () => info('+CFUN: (0,1,4),(0-1)') });
      case '+CSCA':
        return this.byOp(c, {
          read: () => this.simCms() ?? info(`+CSCA: "${this.smsc}",${this.smsc.startsWith('+') ? 145 : 129}`),
          set: () => {
            if (!/^\+?\d{3,20}$/.test(c.args[0] ?? '')) return cms(CMS.operationNotAllowed);
            this.smsc = c.args[0]!;
            return this.simCms() ?? OK;
          },
        });
      case '+CSMS':
        return this.byOp(c, {
          read: () => info(`+CSMS: ${s.csms},1,1,1`),
          set: () => {
            const n = intArg(c.args[0], 0, 1);
            if (n === undefined) return cms(CMS.operationNotSupported);
            s.csms = n;
            return info('+CSMS: 1,1,1');
          },
          test: () => info('+CSMS: (0,1)'),
        });
      case '+CMGF':
        return this.byOp(c, {
          set: () => {
            const mode = intArg(c.args[0], 0, this.options.textMode ? 1 : 0);
            if (mode === undefined) return cms(CMS.operationNotSupported);
            s.cmgf = mode;
            return OK;
          },
          read: () => info(`+CMGF: ${s.cmgf}`),
          test: () => info(this.options.textMode ? '+CMGF: (0,1)' : '+CMGF: (0)'),
        });
      case '+CSMP':
        return this.byOp(c, {
          set: () => {
            const values = c.args.map((arg, i) => (arg === '' ? s.csmp[i] : intArg(arg, 0, 255)));
            if (values.length > 4 || values.some((v) => v === undefined)) return cms(CMS.invalidTextParameter);
            values.forEach((v, i) => (s.csmp[i] = v!));
            return OK;
          },
          read: () => info(`+CSMP: ${s.csmp.join(',')}`),
        });
      case '+CSCS':
        return this.byOp(c, {
          set: () => {
            const value = (c.args[0] ?? '').toUpperCase();
            if (!CSCS_VALUES.includes(value)) return cme(CME.operationNotSupported);
            s.cscs = value;
            return OK;
          },
          read: () => info(`+CSCS: "${s.cscs}"`),
          test: () => info(`+CSCS: (${CSCS_VALUES.map((v) => `"${v}"`).join(',')})`),
        });
      case '+CMMS':
        return this.byOp(c, {
          set: () => this.setNumber(c.args[0], 0, 2, (n) => (s.cmms = n)),
          read: () => info(`+CMMS: ${s.cmms}`),
          test: () => info('+CMMS: (0-2)'),
        });
      case '+CPMS':
        return this.byOp(c, { read: () => this.simCms() ?? this.cpmsRead(), set: () => this.simCms() ?? this.cpmsSet(c.args), test: () => this.cpmsTest() });
      case '+CNMI':
        return this.byOp(c, {
          set: () => this.cnmiSet(c.args),
          read: () => info(`+CNMI: ${s.cnmi.join(',')}`),
          test: () => {
            const n = this.cnmiSupport;
            return info(`+CNMI: ${range(n.mode)},${range(n.mt)},${range(n.bm)},${range(n.ds)},${range(n.bfr)}`);
          },
        });
      case '+CNMA':
        return this.byOp(c, { exec: () => this.acknowledge(), set: () => this.acknowledge(), test: () => info('+CNMA: (0-2)') });
      case '+CMGS':
        return this.byOp(c, { set: () => this.promptFor('send', c.args), test: () => OK });
      case '+CMGW':
        return this.byOp(c, { set: () => this.promptFor('write', c.args), test: () => OK });
      case '+CMSS':
        return this.byOp(c, { set: () => this.cmssSet(c.args), test: () => OK });
      case '+CMGR':
        return this.byOp(c, { set: () => this.simCms() ?? this.cmgrSet(c.args), test: () => OK });
      case '+CMGL':
        return this.byOp(c, { exec: () => this.simCms() ?? this.cmgl(s.cmgf === 1 ? 'REC UNREAD' : '0'), set: () => this.simCms() ?? this.cmgl(c.args[0] ?? '0'), test: () => info('+CMGL: (0-4)') });
      case '+CMGD':
        return this.byOp(c, {
          set: () => this.simCms() ?? this.cmgdSet(c.args),
          test: () => info(`+CMGD: (${this.storage.entries(s.cpms[0]).map((e) => e.index).join(',')}),(0-4)`),
        });
      case '+CGATT':
        return this.byOp(c, {
          read: () => info(`+CGATT: ${this.gprsAttach && this.registered() ? 1 : 0}`),
          set: () => {
            const n = intArg(c.args[0], 0, 1);
            if (n === undefined) return cme(CME.incorrectParameters);
            if (n === 1 && !this.registered()) return cme(CME.noNetworkService);
            this.gprsAttach = n === 1;
            return OK;
          },
          test: () => info('+CGATT: (0,1)'),
        });
      case '+CLIP':
        return this.byOp(c, {
          set: () => this.setNumber(c.args[0], 0, 1, (n) => (s.clip = n)),
          // <m> 1: the network provides the caller's number.
          read: () => info(`+CLIP: ${s.clip},1`),
          test: () => info('+CLIP: (0,1)'),
        });
      case '+CUSD':
        return this.byOp(c, { set: () => this.cusdSet(c.args), read: () => info(`+CUSD: ${s.cusd}`), test: () => info('+CUSD: (0,1,2)') });
      case '+CBC':
        return this.byOp(c, { exec: () => info(this.personality.battery), test: () => info('+CBC: (0-3),(0-100)') });
      case '+CPBS':
        return this.byOp(c, {
          set: () => {
            const memory = (c.args[0] ?? '').toUpperCase();
            if (!this.personality.phonebooks.includes(memory)) return cme(CME.operationNotSupported);
            return this.simCme() ?? ((s.cpbs = memory), OK);
          },
          read: () => this.simCme() ?? info(`+CPBS: "${s.cpbs}",0,${s.cpbs === 'SM' ? SIM_PHONEBOOK_SIZE : 100}`),
          test: () => info(`+CPBS: (${this.personality.phonebooks.map((m) => `"${m}"`).join(',')})`),
        });
      case '^PORTSEL':
        // Huawei: which port gets the unsolicited codes (0 the PC UI port, 1 the modem port); modem software sets it.
        return this.personality.name === 'huawei'
          ? this.byOp(c, { set: () => this.setNumber(c.args[0], 0, 1, (n) => (this.portsel = n)), read: () => info(`^PORTSEL: ${this.portsel}`), test: () => info('^PORTSEL: (0,1)') })
          : { final: { kind: 'unsupported' } };
      case '^CURC':
        // Huawei's switch for periodic reports; the simulator's noise is driven by the faults, so it is only accepted.
        return this.personality.name === 'huawei' ? this.byOp(c, { set: () => OK, read: () => info('^CURC: 1') }) : { final: { kind: 'unsupported' } };
      default:
        return { final: { kind: 'unsupported' } };
    }
  }

  private setNumber(value: string | undefined, min: number, max: number, apply: (n: number) => void): Outcome {
    const n = intArg(value, min, max);
    if (n === undefined) return cme(CME.incorrectParameters);
    apply(n);
    return OK;
  }

  private restoreDefaults(): void {
    this.settings = defaultSettings();
  }

  private cpinRead(): Outcome {
    const word = this.cpinWord();
    return word ? info(`+CPIN: ${word}`) : cme(CME.simNotInserted);
  }

  private cpinSet(args: string[]): Outcome {
    if (this.sim === 'missing') return cme(CME.simNotInserted);
    if (this.sim === 'ready') return cme(CME.operationNotAllowed);
    if (this.sim === 'puk') {
      if (args[0] !== this.options.puk || !/^\d{4,8}$/.test(args[1] ?? '')) return cme(CME.incorrectPassword);
      this.pin = args[1]!;
    } else if (args[0] !== this.pin) {
      this.pinAttempts--;
      if (this.pinAttempts <= 0) this.sim = 'puk';
      return cme(CME.incorrectPassword);
    }
    this.sim = 'ready';
    this.pinAttempts = 3;
    return { ...OK, after: () => this.registrationChanged() };
  }

  /** AT+CUSD=<n>[,<str>[,<dcs>]]: OK at once; the network's answer follows as +CUSD when <n> is 1. */
  private cusdSet(args: string[]): Outcome {
    const n = intArg(args[0] || '0', 0, 2);
    if (n === undefined) return cme(CME.incorrectParameters);
    const request = args[1];
    if (n === 2 || request === undefined || request === '') {
      if (n !== 2) this.settings.cusd = n;
      return OK;
    }
    const simError = this.simCme();
    if (simError) return simError;
    if (!this.registered()) return cme(CME.noNetworkService);
    if (decodeUssdRequest(request, this.personality.ussd, this.settings.cscs) === undefined) return cme(CME.incorrectParameters);
    this.settings.cusd = n;
    const answer = encodeUssdAnswer(USSD_ANSWER, this.personality.ussd, this.settings.cscs);
    if (n === 0) return OK;
    return { ...OK, after: () => this.later(USSD_ANSWER_MS, () => this.unsolicited([`+CUSD: 0,"${answer}",${USSD_DCS}`])) };
  }

  private cfunSet(args: string[]): Outcome {
    const fun = intArg(args[0], 0, 4);
    const reset = args[1] === undefined || args[1] === '' ? 0 : intArg(args[1], 0, 1);
    if (fun === undefined || fun === 2 || fun === 3 || reset === undefined) return cme(CME.incorrectParameters);
    if (reset === 1) return { ...OK, after: () => this.powerCycle() };
    this.radioOn = fun === 1;
    return { ...OK, after: () => this.registrationChanged() };
  }

  private memoryAllowed(value: string | undefined): MemoryName | undefined {
    const name = (value ?? '').toUpperCase();
    return (this.personality.memories as string[]).includes(name) ? (name as MemoryName) : undefined;
  }

  private usage(memory: MemoryName): string {
    return `${this.storage.used(memory)},${this.storage.capacity(memory)}`;
  }

  private cpmsRead(): Outcome {
    return info(`+CPMS: ${this.settings.cpms.map((m) => `"${m}",${this.usage(m)}`).join(',')}`);
  }

  private cpmsTest(): Outcome {
    const list = `(${this.personality.memories.map((m) => `"${m}"`).join(',')})`;
    return info(`+CPMS: ${list},${list},${list}`);
  }

  private cpmsSet(args: string[]): Outcome {
    if (args.length === 0 || args.length > 3) return cms(CMS.operationNotAllowed);
    const chosen = [...this.settings.cpms] as Settings['cpms'];
    for (let i = 0; i < args.length; i++) {
      const memory = this.memoryAllowed(args[i]);
      if (!memory) return cms(CMS.operationNotSupported);
      chosen[i] = memory;
    }
    this.settings.cpms = chosen;
    return { ...info(`+CPMS: ${chosen.map((m) => this.usage(m)).join(',')}`), after: () => this.deliverNetwork() };
  }

  private cnmiSet(args: string[]): Outcome {
    const keys: Array<keyof CnmiSupport> = ['mode', 'mt', 'bm', 'ds', 'bfr'];
    if (args.length > 5) return cms(CMS.operationNotSupported);
    const next = [...this.settings.cnmi] as Settings['cnmi'];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '') continue;
      const value = intArg(args[i], 0, 3);
      if (value === undefined || !this.cnmiSupport[keys[i]!].includes(value)) return cms(CMS.operationNotSupported);
      next[i] = value;
    }
    this.settings.cnmi = next;
    return {
      ...OK,
      after: () => {
        const buffered = this.cnmiBuffer;
        this.cnmiBuffer = [];
        // bfr 0: indications buffered under mode 0 are flushed when a mode that reports is chosen; bfr 1 clears them.
        if (next[0] !== 0 && next[4] === 0) for (const unit of buffered) this.unsolicited(unit);
        else if (next[0] === 0) this.cnmiBuffer = buffered;
        this.deliverNetwork();
      },
    };
  }

  private acknowledge(): Outcome {
    if (!this.awaitingAck) return cms(CMS.noAckExpected);
    this.timers.clearTimeout(this.awaitingAck.timer);
    this.deviceTimers.delete(this.awaitingAck.timer);
    this.awaitingAck = null;
    return { ...OK, after: () => this.deliverNetwork() };
  }

  private promptFor(purpose: PromptRequest['prompt'], args: string[]): CommandResult {
    const simError = this.simCms();
    if (simError) return simError;
    if (this.settings.cmgf === 1) {
      const to = args[0] ?? '';
      if (!/^\+?\d{1,20}$/.test(to)) return cms(CMS.invalidTextParameter);
      const stat = purpose === 'write' && args[2] ? TEXT_STAT[args[2].toUpperCase()] : 2;
      if (stat === undefined || stat > 3) return cms(CMS.invalidTextParameter);
      return { prompt: purpose, length: 0, stat: stat as MessageStat, to };
    }
    const length = intArg(args[0], 1, MAX_PDU_OCTETS);
    if (length === undefined) return cms(CMS.invalidPduParameter);
    let stat: MessageStat = 2;
    if (purpose === 'write' && args[1] !== undefined && args[1] !== '') {
      const value = intArg(args[1], 0, 3);
      if (value === undefined) return cms(CMS.invalidPduParameter);
      stat = value as MessageStat;
    }
    return { prompt: purpose, length, stat };
  }

  private cmssSet(args: string[]): Outcome {
    const simError = this.simCms();
    if (simError) return simError;
    const memory = this.settings.cpms[1];
    const index = intArg(args[0], 0, 100_000);
    const message = index === undefined ? undefined : this.storage.read(memory, index);
    if (!message || message.kind !== 'submit') return cms(CMS.invalidMemoryIndex);
    return this.sendOutcome(checkSubmit(message.pdu, tpduLength(message.pdu)), 'CMSS', () => (message.stat = 3));
  }

  private cmgrSet(args: string[]): Outcome {
    const index = intArg(args[0], 0, 100_000);
    const message = index === undefined ? undefined : this.storage.read(this.settings.cpms[0], index);
    if (message === undefined) return cms(CMS.invalidMemoryIndex);
    if (message === null) return this.personality.emptyRead === 'ok' ? OK : cms(CMS.invalidMemoryIndex);
    const lines =
      this.settings.cmgf === 1 ? textEntry('+CMGR', undefined, message.stat, message.pdu) : [`+CMGR: ${message.stat},,${this.reportedLength(message.pdu)}`, message.pdu];
    if (message.stat === 0) message.stat = 1;
    return info(...lines);
  }

  private cmgl(arg: string): Outcome {
    const text = this.settings.cmgf === 1;
    // PDU mode takes 0–4 (and, like many devices, the words); text mode only the words.
    const stat = /^\d$/.test(arg) && !text ? Number(arg) : TEXT_STAT[arg.toUpperCase()];
    if (stat === undefined || stat > 4) return cms(text ? CMS.invalidTextParameter : CMS.invalidPduParameter);
    const lines: string[] = [];
    for (const { index, message } of this.storage.entries(this.settings.cpms[0])) {
      if (stat !== 4 && message.stat !== stat) continue;
      if (text) lines.push(...textEntry('+CMGL', index, message.stat, message.pdu));
      else lines.push(`+CMGL: ${index},${message.stat},,${this.reportedLength(message.pdu)}`, message.pdu);
      if (message.stat === 0) message.stat = 1;
    }
    return info(...lines);
  }

  private cmgdSet(args: string[]): Outcome {
    const memory = this.settings.cpms[0];
    const flag = args[1] === undefined || args[1] === '' ? 0 : intArg(args[1], 0, 4);
    if (flag === undefined) return cms(CMS.invalidPduParameter);
    const freed = { ...OK, after: () => this.freed() };
    if (flag === 0) {
      const index = intArg(args[0], 0, 100_000);
      if (index === undefined || !this.storage.delete(memory, index)) return cms(CMS.invalidMemoryIndex);
      return freed;
    }
    // delflag 1: read; 2: read and sent; 3: read, sent and unsent; 4: all.
    const doomed: MessageStat[] = [[], [1], [1, 3], [1, 3, 2], [0, 1, 2, 3]][flag] as MessageStat[];
    for (const { index, message } of this.storage.entries(memory)) if (doomed.includes(message.stat)) this.storage.delete(memory, index);
    return freed;
  }

  private freed(): void {
    if (!this.storage.full) this.fullNotified = false;
    this.deliverNetwork();
  }
}
