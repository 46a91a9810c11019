import crypto from 'node:crypto';
import type { Clock } from '../clock.js';
import {
  chooseStorage,
  cnmiCandidates,
  parseCmgl,
  parseCmgr,
  parseCmgs,
  parseCnmiSupport,
  parseCops,
  parseCpin,
  parseCpmsSupport,
  parseCpmsUse,
  parseCreg,
  parseCsca,
  parseCsq,
  parseImei,
  parseImsi,
  parseInfoText,
  registrationFromStat,
  type Registration,
  type SignalQuality,
  type StoredPdu,
} from './at/parsers.js';
import { describeFinal } from './at/final-result.js';
import { AtSession, AtTimeoutError, PortClosedError, type AtReply } from './at/session.js';
import type { Unsolicited } from './at/unsolicited.js';
import { GENERIC, quirksFor, type VendorQuirks } from './at/vendors/index.js';
import { ModemError, isModemError } from './errors.js';
import { partKey, type InboundMessage, type InboundPart, type InboundSink } from './inbound.js';
import { decodePdu, encodeSubmit, PduError, type DecodedDeliver, type DecodedStatusReport, type EncodedPart } from './pdu/index.js';
import { DEFAULT_REASSEMBLY_WINDOW_MS, Reassembler, nationalDigits, type AssembledMessage } from './reassembly.js';
import { classifySendFailure, type FailureScope } from './send-errors.js';
import { DEFAULT_SEND_LIMITS, SendCapError, SendLedger, validateLimits, type SendLimits } from './send-ledger.js';
import { Wakeable, realSleep, type Sleep } from './sleep.js';
import { type ModemProblem, type ModemReasonCode, type ModemReasonParams } from './reasons.js';
import { openWithBackoff } from './transport/reopen.js';
import type { ByteTransport } from './transport/types.js';

/**
 * One modem: the daemon loop that owns its port (connect → initialise → serve,
 * and the escalation ladder when it stops answering), sending with pacing and
 * caps, receiving with persist-before-delete, and matching status reports.
 * Everything time-based reads the injected clock; every wait is interruptible.
 */
export type ModemState = 'stopped' | 'connecting' | 'disconnected' | 'initialising' | 'ready' | 'recovering' | 'out-of-service' | 'refused';

export interface ModemSettings {
  id: string;
  name: string;
  /** IMEI this entry is bound to (终端绑定): another device on the port is refused. */
  imeiBinding: string | null;
  pin: string | null;
  limits: SendLimits;
  commandTimeoutMs: number;
  /** AT+CMGS waits for the network: much longer than other commands. */
  sendTimeoutMs: number;
  /** Health poll (CSQ, CREG, COPS); also the watchdog: a modem that does not answer it enters the escalation ladder. */
  healthIntervalMs: number;
  /** Full listing of stored messages (catch-up, modems whose CNMI is limited). */
  listingIntervalMs: number;
  reassemblyWindowMs: number;
  /** Consecutive failed recoveries before the modem is taken out of service. */
  maxFailures: number;
  cooldownMs: number;
  /** How often a refused modem (wrong IMEI, SIM missing) is looked at again. */
  refusedRetryMs: number;
  /** Retries of one part after a retryable +CMS ERROR. */
  partRetries: number;
  partRetryDelayMs: number;
  /** Pause after AT+CFUN=1,1 before the port is opened again. */
  resetWaitMs: number;
  countryCode: string;
  /** How long sent parts are kept for matching status reports. */
  reportMatchWindowMs: number;
}

export const DEFAULT_MODEM_SETTINGS: Omit<ModemSettings, 'id' | 'name'> = {
  imeiBinding: null,
  pin: null,
  limits: DEFAULT_SEND_LIMITS,
  commandTimeoutMs: 10_000,
  sendTimeoutMs: 60_000,
  healthIntervalMs: 60_000,
  listingIntervalMs: 5 * 60_000,
  reassemblyWindowMs: DEFAULT_REASSEMBLY_WINDOW_MS,
  maxFailures: 3,
  cooldownMs: 60 * 60_000,
  refusedRetryMs: 5 * 60_000,
  partRetries: 2,
  partRetryDelayMs: 5_000,
  resetWaitMs: 10_000,
  countryCode: '86',
  reportMatchWindowMs: 3 * 24 * 3_600_000,
};

export interface ModemIdentity {
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
  imei: string | null;
  imsi: string | null;
}

export interface ModemStatus {
  id: string;
  name: string;
  state: ModemState;
  /** Why the modem is not ready (out of service, refused, recovering …): the technical detail, in English. */
  reason: string | null;
  /** The same as a code with its values, for the UI to say in the user's language. */
  problem: ModemProblem | null;
  since: number;
  transport: string;
  vendor: string | null;
  identity: ModemIdentity;
  signal: SignalQuality | null;
  registration: Registration | null;
  operator: string | null;
  storage: { name: string; used: number; total: number } | null;
  smsc: string | null;
  counters: { sent: number; failed: number; received: number; reports: number };
  usage: { lastHour: number; lastDay: number };
  limits: SendLimits;
  consecutiveFailures: number;
  lastError: string | null;
  /** When an out-of-service modem will be tried again. */
  retryAt: number | null;
}

export interface SendRequest {
  to: string;
  text: string;
  /** The caller's id for this message (outbox row), echoed in results and matched reports. */
  reference?: string | null;
  validityMinutes?: number;
  flash?: boolean;
  /** Default true: every part asks for a status report. */
  statusReport?: boolean;
}

export interface PartResult {
  partNumber: number;
  partCount: number;
  /** uncertain: the modem stopped answering (or answered OK without an MR) — the part may have gone out; it is never sent again by itself. */
  status: 'sent' | 'failed' | 'not-sent' | 'uncertain';
  /** Message reference the network will quote in the status report. */
  mr: number | null;
  attempts: number;
  at: number | null;
  error: { code: string; message: string; retryable: boolean; cmsCode: number | null; scope: FailureScope } | null;
}

export interface SendResult {
  sendId: string;
  modemId: string;
  reference: string | null;
  to: string;
  ok: boolean;
  /** A part may have been sent although no MR came back: sending the message again may text the recipient twice. */
  uncertain: boolean;
  /** Whether the failed parts may succeed if sent again (false when a part is uncertain). */
  retryable: boolean;
  parts: PartResult[];
}

/** Same shape as the outbox's PartSendResult, so the pool can serve as the dispatcher's channel. */
export type PduSendResult = { ok: true; mr: number } | { ok: false; failure: PduFailure };

/** refused: the modem said no, nothing went out; uncertain: no answer (or no MR), the part may have gone out. */
export interface PduFailure {
  kind: 'refused' | 'uncertain';
  retryable: boolean;
  code: string;
  message: string;
}

export type ModemEvent =
  | { type: 'status'; status: ModemStatus }
  | { type: 'sent'; modemId: string; at: number; parts: number }
  | { type: 'failed'; modemId: string; at: number; parts: number }
  | { type: 'received'; modemId: string; at: number; message: InboundMessage }
  | { type: 'report'; modemId: string; at: number }
  | { type: 'health'; modemId: string; at: number; status: ModemStatus };

export interface ModemLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface ModemDeps {
  transport: ByteTransport;
  clock: Clock;
  sink: InboundSink;
  sleep?: Sleep;
  onEvent?: (event: ModemEvent) => void;
  logger?: ModemLogger;
}

/** The modem answered but must not be used (binding, SIM problems): no escalation, a clear status. */
export class ModemRefusedError extends ModemError {
  constructor(
    reason: string,
    readonly problem: ModemProblem,
    readonly retryLater = true,
  ) {
    super('MODEM_REFUSED', reason, { retryable: false });
  }
}

interface SentPart {
  sendId: string;
  reference: string | null;
  partNumber: number;
  partCount: number;
  at: number;
}

/** What one AT+CMGS came to, with the refusal's classification (send() words it per part). */
type SubmitOutcome =
  | { ok: true; mr: number }
  | { ok: false; failure: PduFailure & { cmsCode: number | null; scope: FailureScope } };

/** Where a received PDU sits: a storage slot, or nowhere (delivered directly, +CMT/+CDS). */
type StoredToken = { storage: string | null; index: number; pdu: string };

type InboundWork =
  | { kind: 'stored-message'; storage: string; index: number }
  | { kind: 'stored-report'; storage: string; index: number }
  | { kind: 'direct-message'; pdu: string }
  | { kind: 'direct-report'; pdu: string };

const DAY_MS = 24 * 3_600_000;
/** How soon a long message the inbox did not take is offered again. */
const UNDELIVERED_RETRY_MS = 30_000;
/** Part keys remembered after their message was stored (see deliveredParts). */
const DELIVERED_PARTS_KEPT = 2_000;

const silentLogger: ModemLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export function resolveSettings(settings: Partial<ModemSettings> & { id: string; name: string }): ModemSettings {
  const merged = { ...DEFAULT_MODEM_SETTINGS, ...settings } as ModemSettings;
  merged.limits = validateLimits(settings.limits ?? {});
  if (merged.imeiBinding !== null && !/^\d{14,17}$/.test(merged.imeiBinding)) {
    throw new ModemError('MODEM_BAD_IMEI', `The bound IMEI "${merged.imeiBinding}" must be 14 to 17 digits (see AT+CGSN or the dongle's label).`, { status: 400 });
  }
  if (merged.pin !== null && !/^\d{4,8}$/.test(merged.pin)) {
    throw new ModemError('MODEM_BAD_PIN', 'The SIM PIN must be 4 to 8 digits.', { status: 400 });
  }
  if (!Number.isInteger(merged.maxFailures) || merged.maxFailures < 1) {
    throw new ModemError('MODEM_BAD_SETTING', 'maxFailures must be a whole number ≥ 1.', { status: 400 });
  }
  return merged;
}

export class Modem {
  private settings: ModemSettings;
  private readonly transport: ByteTransport;
  private readonly clock: Clock;
  private readonly sink: InboundSink;
  private readonly sleep: Sleep;
  private readonly logger: ModemLogger;
  private readonly ledger: SendLedger;
  /** Parts of long messages, persisted and off the SIM, waiting for their siblings. */
  private readonly reassembler: Reassembler<InboundPart>;
  /** The parts kept in the inbox's store were read back once, after the start. */
  private partsLoaded = false;
  /** Whole messages the inbox did not take yet: tried again on the next pass. */
  private readonly undelivered: AssembledMessage<InboundPart>[] = [];
  /** Keys of parts whose message was stored lately: a copy left on the SIM (CMGD refused) is deleted, not reassembled again. */
  private readonly deliveredParts = new Set<string>();
  private readonly wakeable: Wakeable;
  private session: AtSession | undefined;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private fault: Error | undefined;
  private readonly work: InboundWork[] = [];
  private storageFull = false;
  private sendChain: Promise<unknown> = Promise.resolve();
  private readonly sentParts = new Map<string, SentPart>();
  private concatReference = crypto.randomInt(0, 256);
  private pinRejected = false;
  private vendor: VendorQuirks = GENERIC;
  private readStorage = 'SM';
  /** The storage AT+CPMS currently reads and deletes from (switched for reports in "SR"). */
  private currentStorage = 'SM';
  /** Storages holding status reports apart from the messages ("SR"), listed too so they never fill up. */
  private reportStorages: string[] = [];
  private ackDirect = false;
  private nextHealthAt = 0;
  private nextListingAt = 0;
  private readonly stat: ModemStatus;

  constructor(settings: Partial<ModemSettings> & { id: string; name: string }, deps: ModemDeps) {
    this.settings = resolveSettings(settings);
    this.transport = deps.transport;
    this.clock = deps.clock;
    this.sink = deps.sink;
    this.sleep = deps.sleep ?? realSleep;
    this.logger = deps.logger ?? silentLogger;
    this.onEvent = deps.onEvent;
    this.ledger = new SendLedger(this.clock, this.settings.limits);
    this.reassembler = new Reassembler(this.clock, this.settings.reassemblyWindowMs);
    this.wakeable = new Wakeable(this.sleep);
    this.stat = {
      id: this.settings.id,
      name: this.settings.name,
      state: 'stopped',
      reason: null,
      problem: null,
      since: this.clock.now(),
      transport: this.transport.description,
      vendor: null,
      identity: { manufacturer: null, model: null, revision: null, imei: null, imsi: null },
      signal: null,
      registration: null,
      operator: null,
      storage: null,
      smsc: null,
      counters: { sent: 0, failed: 0, received: 0, reports: 0 },
      usage: { lastHour: 0, lastDay: 0 },
      limits: this.settings.limits,
      consecutiveFailures: 0,
      lastError: null,
      retryAt: null,
    };
  }

  private readonly onEvent: ((event: ModemEvent) => void) | undefined;

  get id(): string {
    return this.settings.id;
  }

  get state(): ModemState {
    return this.stat.state;
  }

  status(): ModemStatus {
    return { ...this.stat, usage: this.ledger.usage(), identity: { ...this.stat.identity }, counters: { ...this.stat.counters } };
  }

  /** Whether a message of `parts` parts may be sent now (ready and within the caps). */
  capacityFor(parts: number): boolean {
    if (this.stat.state !== 'ready') return false;
    try {
      this.ledger.check(parts);
      return true;
    } catch {
      return false;
    }
  }

  /** The cap refusal a send of `parts` parts would get now (ready modems only), or undefined. */
  capError(parts: number): SendCapError | undefined {
    if (this.stat.state !== 'ready') return undefined;
    try {
      this.ledger.check(parts);
      return undefined;
    } catch (error) {
      if (error instanceof SendCapError) return error;
      throw error;
    }
  }

  /** Earlier submissions (from the database), so a restart does not reset the caps. */
  seedSendHistory(times: number[]): void {
    this.ledger.seed(times);
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run().catch((error: unknown) => {
      this.logger.warn({ err: error, modem: this.id }, 'modem loop ended with an error');
    });
  }

  /** Stops the loop (interrupting any sleep or cool-down) and closes the port. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeable.wake();
    this.session?.detach();
    await this.loop;
    this.loop = undefined;
    await this.transport.close().catch(() => undefined);
    this.setState('stopped', null);
  }

  /** Applies new settings; a changed PIN or binding is tried at once. */
  updateSettings(patch: Partial<Omit<ModemSettings, 'id'>>): void {
    const next = resolveSettings({ ...this.settings, ...patch, limits: { ...this.settings.limits, ...(patch.limits ?? {}) } });
    if (next.pin !== this.settings.pin) this.pinRejected = false;
    if (next.reassemblyWindowMs !== this.settings.reassemblyWindowMs) this.reassembler.windowMs = next.reassemblyWindowMs;
    this.settings = next;
    this.ledger.limits = next.limits;
    this.stat.name = next.name;
    this.stat.limits = next.limits;
    if (this.stat.state === 'refused' || this.stat.state === 'out-of-service') this.wakeable.wake();
    // A new binding applies at once: a running device that no longer matches is refused.
    if (this.stat.state === 'ready' && this.stat.identity.imei !== null) {
      try {
        this.checkBinding();
      } catch (error) {
        if (error instanceof ModemRefusedError) this.raiseFault(error);
      }
    }
    this.publishStatus();
  }

  /** Wakes the loop now (health poll and listing are checked against the clock). */
  poke(): void {
    this.wakeable.wake();
  }

  // --- the loop -------------------------------------------------------------------

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await this.connect();
        if (this.signal.aborted) break;
        await this.initialise();
        this.stat.consecutiveFailures = 0;
        this.stat.retryAt = null;
        this.setState('ready', null);
        await this.serve();
      } catch (error) {
        if (this.signal.aborted) break;
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof ModemRefusedError) {
          // A wrong PIN or a PUK lock waits for new settings (updateSettings wakes the loop); the rest is looked at again later.
          const waitMs = error.retryLater ? this.settings.refusedRetryMs : DAY_MS;
          this.stat.retryAt = error.retryLater ? this.clock.now() + waitMs : null;
          this.setState('refused', message, error.problem);
          await this.closePort();
          await this.wakeable.wait(waitMs, this.signal);
          continue;
        }
        this.stat.lastError = message;
        this.stat.consecutiveFailures += 1;
        this.logger.warn({ modem: this.id, err: message, failures: this.stat.consecutiveFailures }, 'modem failure');
        if (this.stat.consecutiveFailures >= this.settings.maxFailures) {
          const retryAt = this.clock.now() + this.settings.cooldownMs;
          this.stat.retryAt = retryAt;
          this.setState(
            'out-of-service',
            `${this.stat.consecutiveFailures} failures in a row (last: ${message}); trying again at ${new Date(retryAt).toISOString()}`,
            problem('repeated-failures', { failures: this.stat.consecutiveFailures }),
          );
          await this.closePort();
          await this.wakeable.wait(this.settings.cooldownMs, this.signal);
          this.stat.consecutiveFailures = 0;
          continue;
        }
        this.setState('recovering', message, problem('no-answer'));
        await this.recover();
      }
    }
    await this.closePort();
  }

  private async connect(): Promise<void> {
    this.fault = undefined;
    if (!this.transport.isOpen) {
      this.setState('connecting', null);
      const opened = await openWithBackoff(this.transport, {
        signal: this.signal,
        sleep: this.sleep,
        maxDelayMs: 30_000,
        onAttempt: (attempt, error) => {
          if (attempt === 1 || this.stat.state !== 'disconnected') this.setState('disconnected', `${this.transport.description}: ${error.message}`, problem('port-unavailable', { port: this.transport.description }));
        },
      });
      if (!opened) return;
    }
    this.attachSession();
  }

  private attachSession(): void {
    this.session?.detach();
    this.session = new AtSession(this.transport, {
      defaultTimeoutMs: this.settings.commandTimeoutMs,
      onUnsolicited: (event) => this.onUnsolicited(event),
      extraNoisePrefixes: this.vendor.noisePrefixes,
    });
    this.stopWatchingClose?.();
    this.stopWatchingClose = this.transport.onClose((error) => {
      this.stopWatchingClose?.();
      this.stopWatchingClose = undefined;
      this.raiseFault(new PortClosedError(this.transport.description, error));
    });
  }

  private stopWatchingClose: (() => void) | undefined;

  private raiseFault(error: Error): void {
    if (!this.fault) this.fault = error;
    this.wakeable.wake();
  }

  private async closePort(): Promise<void> {
    // Closing on purpose is not a fault.
    this.stopWatchingClose?.();
    this.stopWatchingClose = undefined;
    this.session?.detach();
    this.session = undefined;
    await this.transport.close().catch(() => undefined);
  }

  private at(command: string, options: { timeoutMs?: number; promptData?: string; replyPrefixes?: string[] } = {}): Promise<AtReply> {
    if (!this.session) return Promise.reject(new PortClosedError(this.transport.description));
    return this.session.execute(command, options);
  }

  private async atOk(command: string, options: { timeoutMs?: number } = {}): Promise<AtReply> {
    const reply = await this.at(command, options);
    if (!reply.ok) throw new ModemError('MODEM_COMMAND_FAILED', `${this.settings.name}: ${command} was refused (${reply.final.kind === 'ok' ? 'OK' : reply.final.text}).`, { retryable: true });
    return reply;
  }

  // --- initialisation ---------------------------------------------------------------

  private async initialise(): Promise<void> {
    this.setState('initialising', null);
    await this.resync(3);
    await this.at('ATE0');
    await this.at('AT+CMEE=1');
    await this.unlockSim();
    await this.readIdentity();
    this.checkBinding();
    this.vendor = quirksFor(this.stat.identity.manufacturer, this.stat.identity.model);
    this.stat.vendor = this.vendor.label;
    if (this.session) this.session.extraNoisePrefixes = this.vendor.noisePrefixes;
    for (const command of this.vendor.extraInit) await this.at(command);
    await this.atOk('AT+CMGF=0');
    // Phase 2+ (AT+CSMS service 1) needs +CNMA after +CMT/+CDS, and some firmware wants it under
    // service 0 too: it is sent until the modem answers 340 (no acknowledgement expected).
    this.ackDirect = true;
    await this.chooseStorage();
    await this.configureIndications();
    const csca = await this.at('AT+CSCA?');
    this.stat.smsc = parseCsca(csca.lines)?.address ?? null;
    await this.pollHealth();
    await this.inboundStep(() => this.loadWaitingParts());
    await this.listStored();
    this.nextHealthAt = this.clock.now() + this.settings.healthIntervalMs;
    this.nextListingAt = this.clock.now() + this.settings.listingIntervalMs;
  }

  /** AT until OK; a pending prompt is cancelled with ESC first. Throws the last timeout. */
  private async resync(tries: number): Promise<void> {
    let last: unknown;
    for (let i = 0; i < tries; i++) {
      if (this.signal.aborted) return;
      try {
        const reply = await this.at('AT', { timeoutMs: Math.min(this.settings.commandTimeoutMs, 3_000) });
        if (reply.ok) return;
        last = new ModemError('MODEM_NO_REPLY', `${this.settings.name} answers AT with ${reply.final.kind}.`, { retryable: true });
      } catch (error) {
        last = error;
        if (error instanceof PortClosedError) throw error;
        await this.transport.write('\x1b\r').catch(() => undefined);
      }
    }
    throw last instanceof Error ? last : new ModemError('MODEM_NO_REPLY', `${this.settings.name} does not answer AT.`, { retryable: true });
  }

  private async unlockSim(): Promise<void> {
    for (let attempt = 0; attempt < 6; attempt++) {
      const reply = await this.at('AT+CPIN?');
      if (reply.final.kind === 'cme' && reply.final.code === 10) throw new ModemRefusedError('SIM missing: insert a SIM card into the modem.', problem('sim-missing'));
      if (reply.final.kind === 'cme' && (reply.final.code === 14 || reply.final.code === 13)) {
        // SIM busy right after power-up: give it a moment.
        await this.sleep(2_000, this.signal);
        continue;
      }
      const pin = parseCpin(reply.lines);
      if (!reply.ok || !pin) throw new ModemRefusedError(`SIM not usable: ${reply.final.kind === 'ok' ? 'no +CPIN answer' : reply.final.text}.`, problem('sim-unusable'));
      if (pin.state === 'ready') return;
      if (pin.state === 'sim-pin') {
        if (!this.settings.pin) throw new ModemRefusedError('SIM PIN required: enter the PIN in the modem settings.', problem('sim-pin-required'));
        if (this.pinRejected) throw new ModemRefusedError('SIM PIN rejected: correct the PIN in the modem settings (it is not tried again, to spare the SIM from PUK lock).', problem('sim-pin-rejected'), false);
        const entry = await this.at(`AT+CPIN="${this.settings.pin}"`);
        if (!entry.ok) {
          this.pinRejected = true;
          throw new ModemRefusedError('SIM PIN rejected: correct the PIN in the modem settings (it is not tried again, to spare the SIM from PUK lock).', problem('sim-pin-rejected'), false);
        }
        await this.sleep(2_000, this.signal);
        continue;
      }
      if (pin.state === 'sim-puk') throw new ModemRefusedError('SIM locked with PUK: unlock it in a phone, then re-enable the modem.', problem('sim-puk'), false);
      throw new ModemRefusedError(`SIM needs ${pin.text}: unlock it in a phone.`, problem('sim-locked', { lock: pin.text }));
    }
    throw new ModemRefusedError('SIM stays busy: check the SIM card.', problem('sim-busy'));
  }

  private async readIdentity(): Promise<void> {
    const info = async (command: string) => {
      const reply = await this.at(command);
      return reply.ok ? reply.lines : [];
    };
    const identity = this.stat.identity;
    identity.manufacturer = parseInfoText(await info('AT+CGMI'), '+CGMI');
    identity.model = parseInfoText(await info('AT+CGMM'), '+CGMM');
    identity.revision = parseInfoText(await info('AT+CGMR'), '+CGMR');
    identity.imei = parseImei(await info('AT+CGSN'));
    identity.imsi = parseImsi(await info('AT+CIMI'));
  }

  private checkBinding(): void {
    const bound = this.settings.imeiBinding;
    if (bound === null) return;
    const found = this.stat.identity.imei;
    if (found === null) throw new ModemRefusedError(`refused: IMEI unreadable (this entry is bound to ${bound}).`, problem('imei-unreadable', { bound }));
    if (found !== bound) throw new ModemRefusedError(`refused: IMEI mismatch (bound to ${bound}, found ${found} on ${this.transport.description}).`, problem('imei-mismatch', { bound, found }));
  }

  private async chooseStorage(): Promise<void> {
    const support = parseCpmsSupport((await this.at('AT+CPMS=?')).lines);
    const [read, write, receive] = support ? chooseStorage(support) : ['SM', 'SM', 'SM'];
    for (const args of [[read, write, receive], [read, write], [read]]) {
      const reply = await this.at(`AT+CPMS=${args.map((s) => `"${s}"`).join(',')}`);
      if (reply.ok) {
        this.readStorage = read;
        this.currentStorage = read;
        this.reportStorages = support?.read.includes('SR') && read !== 'SR' ? ['SR'] : [];
        const use = parseCpmsUse(reply.lines)?.[0];
        this.stat.storage = use ? { name: read, used: use.used, total: use.total } : { name: read, used: 0, total: 0 };
        return;
      }
    }
    throw new ModemError('MODEM_STORAGE_UNAVAILABLE', `${this.settings.name}: no message storage could be selected (AT+CPMS refused).`, { retryable: true });
  }

  private async configureIndications(): Promise<void> {
    const support = parseCnmiSupport((await this.at('AT+CNMI=?')).lines);
    const candidates = [...new Set([...this.vendor.cnmiFirst.filter((c) => cnmiCandidates(support).includes(c)), ...cnmiCandidates(support)])];
    for (const candidate of candidates) {
      if ((await this.at(`AT+CNMI=${candidate}`)).ok) return;
    }
    // No indications at all: the periodic listing still finds every message.
    this.logger.warn({ modem: this.id }, 'no AT+CNMI setting accepted; relying on periodic listing');
  }

  // --- serving --------------------------------------------------------------------

  private async serve(): Promise<void> {
    while (!this.signal.aborted) {
      if (this.fault) throw this.fault;
      await this.drainWork();
      const now = this.clock.now();
      if (now >= this.nextHealthAt) {
        await this.pollHealth();
        this.nextHealthAt = this.clock.now() + this.settings.healthIntervalMs;
      }
      if (now >= this.nextListingAt || this.storageFull) {
        await this.listStored();
        this.nextListingAt = this.clock.now() + this.settings.listingIntervalMs;
      }
      if (!this.partsLoaded) await this.inboundStep(() => this.loadWaitingParts());
      for (const message of [...this.undelivered.splice(0), ...this.reassembler.expire()]) await this.inboundStep(() => this.deliverAssembled(message));
      if (this.fault) throw this.fault;
      if (this.work.length > 0) continue;
      const retryAt = this.undelivered.length > 0 ? this.clock.now() + UNDELIVERED_RETRY_MS : Infinity;
      const deadlines = [this.nextHealthAt, this.nextListingAt, this.reassembler.nextDeadline() ?? Infinity, retryAt];
      const waitMs = Math.max(0, Math.min(...deadlines) - this.clock.now());
      await this.wakeable.wait(Math.min(waitMs, this.settings.healthIntervalMs), this.signal);
    }
  }

  private async pollHealth(): Promise<void> {
    const csq = await this.at('AT+CSQ');
    this.stat.signal = parseCsq(csq.lines) ?? this.stat.signal;
    const creg = await this.at('AT+CREG?');
    this.stat.registration = parseCreg(creg.lines) ?? this.stat.registration;
    const cops = await this.at('AT+COPS?');
    this.stat.operator = parseCops(cops.lines)?.name ?? this.stat.operator;
    this.onEvent?.({ type: 'health', modemId: this.id, at: this.clock.now(), status: this.status() });
    this.publishStatus();
  }

  private onUnsolicited(event: Unsolicited): void {
    switch (event.type) {
      case 'message-stored':
        this.work.push({ kind: 'stored-message', storage: event.storage, index: event.index });
        break;
      case 'report-stored':
        this.work.push({ kind: 'stored-report', storage: event.storage, index: event.index });
        break;
      case 'message-delivered':
        this.work.push({ kind: 'direct-message', pdu: event.pdu });
        break;
      case 'report-delivered':
        this.work.push({ kind: 'direct-report', pdu: event.pdu });
        break;
      case 'storage-full':
        this.storageFull = true;
        break;
      case 'registration':
        this.stat.registration = registrationFromStat(event.stat);
        this.publishStatus();
        return;
      case 'restarted':
        this.raiseFault(new ModemError('MODEM_RESTARTED', `${this.settings.name} restarted by itself; initialising again.`, { retryable: true }));
        return;
      default:
        return;
    }
    this.wakeable.wake();
  }

  private async drainWork(): Promise<void> {
    let stored = 0;
    while (this.work.length > 0 && !this.fault && !this.signal.aborted) {
      const item = this.work.shift()!;
      if (item.kind === 'stored-message' || item.kind === 'stored-report') stored += 1;
      try {
        if (item.kind === 'direct-message' || item.kind === 'direct-report') await this.handleDirect(item.kind, item.pdu);
        else await this.handleStored(item.kind === 'stored-report' ? (this.vendor.reportStorage ?? item.storage) : item.storage, item.index);
      } catch (error) {
        if (error instanceof AtTimeoutError || error instanceof PortClosedError) {
          // Not handled: the listing after recovery finds the message again.
          this.raiseFault(error);
          return;
        }
        this.logger.warn({ modem: this.id, err: error instanceof Error ? error.message : String(error) }, 'inbound handling failed; left on the SIM for the next listing');
      }
    }
    // A storage that filled up all the same (+CMTI stops coming): list and empty it on the next pass.
    if (stored > 0 && !this.fault && !this.signal.aborted) {
      try {
        if (await this.readStorageUse()) this.storageFull = true;
      } catch (error) {
        if (error instanceof AtTimeoutError || error instanceof PortClosedError) this.raiseFault(error);
        else throw error;
      }
    }
  }

  /**
   * One inbound action whose failure belongs to the inbox, not the modem: it is
   * logged and the message stays on the SIM for the next listing. A modem that
   * stops answering still raises its fault.
   */
  private async inboundStep(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (error instanceof AtTimeoutError || error instanceof PortClosedError) throw error;
      this.logger.warn({ modem: this.id, err: error instanceof Error ? error.message : String(error) }, 'inbound message not stored; left on the SIM for the next listing');
    }
  }

  /** Runs `action` with `storage` selected for reading and deleting, restoring the one before after. */
  private async withStorage<T>(storage: string | null, action: () => Promise<T>): Promise<T> {
    if (storage === null || storage === this.currentStorage) return action();
    const previous = this.currentStorage;
    const switched = await this.at(`AT+CPMS="${storage}"`);
    if (!switched.ok) return action();
    this.currentStorage = storage;
    try {
      return await action();
    } finally {
      this.currentStorage = previous;
      await this.at(`AT+CPMS="${previous}"`);
    }
  }

  private async handleStored(storage: string, index: number): Promise<void> {
    await this.withStorage(storage, async () => {
      const reply = await this.at(`AT+CMGR=${index}`);
      if (!reply.ok) return; // +CMS ERROR 321: already gone.
      const entry = parseCmgr(reply.lines, index);
      if (entry) await this.handleEntry(entry, storage);
    });
  }

  private async listStored(): Promise<void> {
    this.storageFull = false;
    for (const storage of [this.readStorage, ...this.reportStorages]) {
      await this.withStorage(storage, async () => {
        const reply = await this.at('AT+CMGL=4', { timeoutMs: Math.max(this.settings.commandTimeoutMs, 30_000) });
        if (!reply.ok) return;
        for (const entry of parseCmgl(reply.lines)) await this.inboundStep(() => this.handleEntry(entry, storage));
      });
    }
    // Everything readable was stored and deleted: what still fills the storage is not ours to free.
    if (await this.readStorageUse()) this.logger.warn({ modem: this.id, storage: this.stat.storage }, 'message storage still full after reading every message');
  }

  /** Reads the storage use (AT+CPMS?) into the status; true when it is full. */
  private async readStorageUse(): Promise<boolean> {
    const reply = await this.at('AT+CPMS?');
    const use = parseCpmsUse(reply.lines)?.[0];
    if (!use) return false;
    this.stat.storage = { name: use.storage ?? this.readStorage, used: use.used, total: use.total };
    return use.total > 0 && use.used >= use.total;
  }

  /** After the start: parts persisted before a restart wait again (a message whose parts were all stored completes now). */
  private async loadWaitingParts(): Promise<void> {
    if (this.partsLoaded) return;
    for (const part of await this.sink.waitingParts(this.id)) {
      const assembled = this.reassembler.add({ ...part, token: part });
      if (assembled) this.undelivered.push(assembled);
    }
    this.partsLoaded = true;
  }

  private async handleEntry(entry: StoredPdu, storage: string): Promise<void> {
    const token: StoredToken = { storage, index: entry.index, pdu: entry.pdu };
    // Stored unsent/sent messages (stat 2/3) are not ours to receive.
    if (entry.stat === 2 || entry.stat === 3) return;
    let decoded;
    try {
      decoded = decodePdu(entry.pdu, { hasSmsc: true, direction: 'mt' });
    } catch (error) {
      if (!(error instanceof PduError)) throw error;
      await this.storeUndecodable(entry.pdu, error.message);
      await this.deleteStored(storage, entry.index);
      return;
    }
    if (decoded.type === 'status-report') {
      await this.storeReport(decoded, entry.pdu);
      await this.deleteStored(storage, entry.index);
      return;
    }
    if (decoded.type !== 'deliver') return;
    await this.receiveDeliver(decoded, token);
  }

  /**
   * A received SMS-DELIVER. A whole message is stored, then deleted. A part of
   * a long one is stored as a part (persist before delete) and deleted at once,
   * so a long text never fills the SIM while it waits for its siblings; the
   * message is put together from the stored parts.
   */
  private async receiveDeliver(decoded: DecodedDeliver, token: StoredToken): Promise<void> {
    const concat = decoded.concat;
    if (concat && concat.total > 1) {
      const part: InboundPart = {
        modemId: this.id,
        key: partKey(token.pdu),
        sender: decoded.sender.number,
        reference: concat.reference,
        total: concat.total,
        sequence: concat.sequence,
        text: decoded.text,
        pdu: token.pdu,
        sentAt: decoded.timestamp,
        flash: decoded.messageClass === 0,
        receivedAt: this.clock.now(),
      };
      if (!this.deliveredParts.has(part.key)) await this.sink.storePart(part);
      if (token.storage !== null) await this.deleteStored(token.storage, token.index);
      if (this.deliveredParts.has(part.key)) return;
      const assembled = this.reassembler.add({ ...part, token: part });
      if (assembled) await this.deliverAssembled(assembled);
      return;
    }
    const message = this.inboundMessage(decoded.sender.number, decoded.text, decoded.timestamp, null, false, decoded.messageClass === 0, [token.pdu]);
    await this.store(message);
    if (token.storage !== null) await this.deleteStored(token.storage, token.index);
  }

  /** A long message put together (or given up waiting for, partial): to the inbox, then its stored parts are dropped. */
  private async deliverAssembled(assembled: AssembledMessage<InboundPart>): Promise<void> {
    const first = assembled.tokens[0]!;
    const message = this.inboundMessage(
      assembled.sender,
      assembled.text,
      first.sentAt,
      { reference: assembled.reference, total: assembled.total, received: assembled.received },
      assembled.partial,
      first.flash,
      assembled.tokens.map((t) => t.pdu),
    );
    try {
      await this.store(message);
    } catch (error) {
      // Its parts are safe in the store: the message is tried again on the next pass.
      this.undelivered.push(assembled);
      throw error;
    }
    const keys = assembled.tokens.map((t) => t.key);
    for (const key of keys) this.deliveredParts.add(key);
    while (this.deliveredParts.size > DELIVERED_PARTS_KEPT) this.deliveredParts.delete(this.deliveredParts.values().next().value!);
    await this.sink.dropParts(this.id, keys);
  }

  private inboundMessage(
    from: string,
    text: string,
    sentAt: number,
    concat: InboundMessage['concat'],
    partial: boolean,
    flash: boolean,
    pdus: string[],
  ): InboundMessage {
    const key = crypto.createHash('sha256').update([...pdus].sort().join('|')).digest('hex').slice(0, 32);
    return { modemId: this.id, from, text, sentAt, receivedAt: this.clock.now(), concat, partial, flash, pdus, key };
  }

  private async store(message: InboundMessage): Promise<void> {
    await this.sink.storeInbound(message);
    this.stat.counters.received += 1;
    this.onEvent?.({ type: 'received', modemId: this.id, at: this.clock.now(), message });
  }

  private async storeUndecodable(pdu: string, reason: string): Promise<void> {
    const message = this.inboundMessage('', '', this.clock.now(), null, false, false, [pdu]);
    message.undecodable = reason;
    await this.store(message);
  }

  private async deleteStored(storage: string, index: number): Promise<void> {
    await this.withStorage(storage, async () => {
      const reply = await this.at(`AT+CMGD=${index}`);
      if (!reply.ok) this.logger.warn({ modem: this.id, storage, index, final: reply.final }, 'AT+CMGD refused');
    });
  }

  private async handleDirect(kind: 'direct-message' | 'direct-report', pdu: string): Promise<void> {
    let decoded;
    try {
      decoded = decodePdu(pdu, { hasSmsc: true, direction: 'mt' });
    } catch (error) {
      if (!(error instanceof PduError)) throw error;
      await this.storeUndecodable(pdu, error.message);
      await this.acknowledge();
      return;
    }
    if (decoded.type === 'status-report') await this.storeReport(decoded, pdu);
    else if (decoded.type === 'deliver') await this.receiveDeliver(decoded, { storage: null, index: -1, pdu });
    // Acknowledged only after the sink has it: an unacknowledged +CMT is delivered again by the network.
    if (kind === 'direct-message' || kind === 'direct-report') await this.acknowledge();
  }

  private async acknowledge(): Promise<void> {
    if (!this.ackDirect) return;
    const reply = await this.at('AT+CNMA');
    // 340: no acknowledgement expected on this modem; stop sending it.
    if (reply.final.kind === 'cms' && reply.final.code === 340) this.ackDirect = false;
    else if (!reply.ok) this.logger.debug({ modem: this.id, final: reply.final }, 'AT+CNMA refused');
  }

  private async storeReport(report: DecodedStatusReport, pdu: string): Promise<void> {
    this.pruneSentParts();
    const recipient = report.recipient.number;
    const key = sentKey(report.messageReference, nationalDigits(recipient, this.settings.countryCode));
    const matched = this.sentParts.get(key);
    await this.sink.storeStatusReport({
      modemId: this.id,
      messageReference: report.messageReference,
      recipient,
      outcome: report.outcome,
      status: report.status,
      reason: report.detail || report.reason,
      submittedAt: report.scts,
      dischargedAt: report.dischargeTime,
      receivedAt: this.clock.now(),
      matched: matched ? { sendId: matched.sendId, reference: matched.reference, partNumber: matched.partNumber, partCount: matched.partCount } : null,
      pdu,
    });
    // A pending report ("still trying") is followed by a final one: keep the match until then.
    if (matched && report.outcome !== 'pending') this.sentParts.delete(key);
    this.stat.counters.reports += 1;
    this.onEvent?.({ type: 'report', modemId: this.id, at: this.clock.now() });
  }

  private pruneSentParts(): void {
    const cutoff = this.clock.now() - this.settings.reportMatchWindowMs;
    for (const [key, part] of this.sentParts) if (part.at < cutoff) this.sentParts.delete(key);
  }

  // --- recovery ---------------------------------------------------------------------

  /** The escalation ladder: resync → reopen the port → soft reset. Stops at the first step that works. */
  private async recover(): Promise<void> {
    const step = async (name: string, stepCode: 'resync' | 'reopen' | 'reset', action: () => Promise<void>): Promise<boolean> => {
      if (this.signal.aborted) return true;
      this.setState('recovering', `${name} (${this.stat.lastError ?? 'no reply'})`, problem('recovery-step', { step: stepCode }));
      try {
        await action();
        await this.resync(2);
        this.logger.info({ modem: this.id, step: name }, 'modem answers again');
        return true;
      } catch {
        return false;
      }
    };
    if (this.transport.isOpen && (await step('resynchronising', 'resync', async () => this.attachSession()))) return;
    const reopen = async () => {
      await this.closePort();
      const opened = await openWithBackoff(this.transport, { signal: this.signal, sleep: this.sleep, maxAttempts: 3, initialDelayMs: 1_000 });
      if (!opened) throw new ModemError('MODEM_PORT_OPEN_FAILED', 'the port did not open again', { retryable: true });
      this.attachSession();
    };
    if (await step('reopening the port', 'reopen', reopen)) return;
    await step('soft reset (AT+CFUN=1,1)', 'reset', async () => {
      if (!this.transport.isOpen) await reopen();
      await this.at('AT+CFUN=1,1', { timeoutMs: this.settings.commandTimeoutMs }).catch(() => undefined);
      await this.closePort();
      await this.sleep(this.settings.resetWaitMs, this.signal);
      const opened = await openWithBackoff(this.transport, { signal: this.signal, sleep: this.sleep, maxAttempts: 10, initialDelayMs: 1_000 });
      if (!opened) throw new ModemError('MODEM_PORT_OPEN_FAILED', 'the port did not come back after the reset', { retryable: true });
      this.attachSession();
    });
  }

  // --- sending ----------------------------------------------------------------------
  //
  // Every send goes through submitPart, one AT+CMGS for one part, under one rule:
  // a part whose fate is uncertain (no answer, the port lost, OK without an MR) may
  // have reached the network, so it is never sent again by itself. Only a refusal
  // (+CMS ERROR: nothing went out) may be tried again.

  /**
   * Sends a message part by part (test sends, `storemas modem send`), each
   * part asking for a status report, within the modem's pacing and caps. A
   * refused part is tried again when the refusal is retryable; an uncertain
   * part is never tried again and ends the send: the result says which part
   * may have gone out. Never throws for a part; throws for requests that
   * cannot start (bad message, modem not ready, cap reached).
   */
  send(request: SendRequest): Promise<SendResult> {
    const run = this.sendChain.then(() => this.sendNow(request));
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  private async sendNow(request: SendRequest): Promise<SendResult> {
    if (this.signal.aborted || this.stat.state !== 'ready') {
      throw new ModemError('MODEM_NOT_READY', `Modem ${this.settings.name} is ${this.stat.state}${this.stat.reason ? `: ${this.stat.reason}` : ''}.`, { retryable: true });
    }
    const concatReference = this.concatReference;
    this.concatReference = (this.concatReference + 1) % 256;
    let parts: EncodedPart[];
    try {
      parts = encodeSubmit({
        to: request.to,
        text: request.text,
        requestStatusReport: request.statusReport ?? true,
        validityMinutes: request.validityMinutes,
        flash: request.flash,
        concatReference,
      });
    } catch (error) {
      if (error instanceof PduError) throw new ModemError('MODEM_BAD_MESSAGE', `The message cannot be encoded: ${error.message}`, { status: 400 });
      throw error;
    }
    this.ledger.check(parts.length);
    const sendId = crypto.randomUUID();
    const results: PartResult[] = parts.map((p) => ({ partNumber: p.partNumber, partCount: p.partCount, status: 'not-sent', mr: null, attempts: 0, at: null, error: null }));
    for (const [i, part] of parts.entries()) {
      const result = results[i]!;
      await this.sendPartOfMessage(part, result, { sendId, reference: request.reference ?? null, partNumber: part.partNumber, partCount: part.partCount }, request.to);
      if (result.status !== 'sent') break;
    }
    const ok = results.every((r) => r.status === 'sent');
    const uncertain = results.some((r) => r.status === 'uncertain');
    const failed = results.find((r) => r.status === 'failed');
    return {
      sendId,
      modemId: this.id,
      reference: request.reference ?? null,
      to: request.to,
      ok,
      uncertain,
      retryable: !ok && !uncertain && (failed?.error?.retryable ?? true),
      parts: results,
    };
  }

  /** One part of send(): refusals that may pass later are retried after a pause; anything uncertain is not. */
  private async sendPartOfMessage(part: EncodedPart, result: PartResult, match: Omit<SentPart, 'at'>, to: string): Promise<void> {
    for (let refusals = 0; ; refusals += 1) {
      if (this.signal.aborted) {
        result.status = 'failed';
        result.error = { code: 'MODEM_STOPPED', message: 'The modem was stopped before this part was sent.', retryable: true, cmsCode: null, scope: 'modem' };
        return;
      }
      result.attempts += 1;
      const outcome = await this.submitPart(part, to, match);
      if (outcome.ok) {
        result.status = 'sent';
        result.mr = outcome.mr;
        result.at = this.clock.now();
        result.error = null;
        return;
      }
      const { failure } = outcome;
      if (failure.kind === 'uncertain') {
        result.status = 'uncertain';
        result.at = this.clock.now();
        result.error = { code: failure.code, message: `${failure.message} It may have been sent, so it is not sent again.`, retryable: false, cmsCode: null, scope: 'modem' };
        return;
      }
      result.status = 'failed';
      result.error = { code: failure.code, message: `Part ${part.partNumber}/${part.partCount} to ${to} failed: ${failure.message}`, retryable: failure.retryable, cmsCode: failure.cmsCode, scope: failure.scope };
      if (!failure.retryable || refusals >= this.settings.partRetries) return;
      await this.sleep(this.settings.partRetryDelayMs * (refusals + 1), this.signal);
      if (this.stat.state !== 'ready' || this.capError(1)) return;
    }
  }

  /**
   * When the next part may go out on this modem (pacing), or null when it is
   * not in service or its caps are reached: what a dispatcher plans with.
   */
  readyAt(): number | null {
    if (this.stat.state !== 'ready' || !this.capacityFor(1)) return null;
    return this.clock.now() + this.ledger.waitMs();
  }

  /**
   * Sends ONE already-encoded part (the outbox encodes and keeps parts itself),
   * inside the same pacing and caps as send(). No retry here: a refusal means
   * the part did not go out; 'uncertain' (no answer, port lost, OK without an MR) means it may have.
   */
  sendPdu(part: { pdu: string; tpduLength: number; reference?: string | null; partNumber?: number; partCount?: number }): Promise<PduSendResult> {
    const run = this.sendChain.then(() => this.sendPduNow(part));
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  private async sendPduNow(part: { pdu: string; tpduLength: number; reference?: string | null; partNumber?: number; partCount?: number }): Promise<PduSendResult> {
    const refused = (code: string, message: string, retryable: boolean): PduSendResult => ({ ok: false, failure: { kind: 'refused', retryable, code, message } });
    if (this.signal.aborted || this.stat.state !== 'ready') {
      return refused('MODEM_NOT_READY', `Modem ${this.settings.name} is ${this.stat.state}${this.stat.reason ? `: ${this.stat.reason}` : ''}.`, true);
    }
    let recipient: string;
    try {
      const decoded = decodePdu(part.pdu, { hasSmsc: true, direction: 'mo' });
      if (decoded.type !== 'submit') return refused('MODEM_BAD_MESSAGE', 'Only SMS-SUBMIT PDUs can be sent.', false);
      recipient = decoded.recipient.number;
    } catch (error) {
      if (error instanceof PduError) return refused('MODEM_BAD_MESSAGE', `The PDU cannot be sent: ${error.message}`, false);
      throw error;
    }
    try {
      this.ledger.check(1);
    } catch (error) {
      if (isModemError(error)) return refused(error.code, error.message, true);
      throw error;
    }
    const outcome = await this.submitPart(part, recipient, {
      sendId: part.reference ?? '',
      reference: part.reference ?? null,
      partNumber: part.partNumber ?? 1,
      partCount: part.partCount ?? 1,
    });
    if (outcome.ok) return outcome;
    const { kind, retryable, code, message } = outcome.failure;
    return { ok: false, failure: { kind, retryable, code, message: `${this.settings.name}: ${message}` } };
  }

  /**
   * The one AT+CMGS of one part, after the pacing gap; counted in the ledger
   * whatever happens (the network may have taken it). Accepted parts are
   * remembered for matching their status reports.
   */
  private async submitPart(part: { pdu: string; tpduLength: number }, recipient: string, match: Omit<SentPart, 'at'>): Promise<SubmitOutcome> {
    const wait = this.ledger.waitMs();
    if (wait > 0) await this.sleep(wait, this.signal);
    this.ledger.record();
    let reply: AtReply;
    try {
      reply = await this.at(`AT+CMGS=${part.tpduLength}`, { promptData: part.pdu, timeoutMs: this.settings.sendTimeoutMs });
    } catch (error) {
      const modemError = isModemError(error) ? error : new ModemError('MODEM_SEND_FAILED', String(error), { retryable: true });
      // The port vanished or the modem hung mid-part: the loop recovers the modem; the part stays uncertain.
      this.raiseFault(modemError);
      this.countFailed(1);
      return { ok: false, failure: { kind: 'uncertain', retryable: true, code: modemError.code, message: `no answer to AT+CMGS (${modemError.message}).`, cmsCode: null, scope: 'modem' } };
    }
    if (reply.ok) {
      const mr = parseCmgs(reply.lines);
      this.stat.counters.sent += 1;
      this.onEvent?.({ type: 'sent', modemId: this.id, at: this.clock.now(), parts: 1 });
      this.publishStatus();
      if (mr === null) {
        // OK means the network took it; without an MR no status report can be matched.
        return {
          ok: false,
          failure: { kind: 'uncertain', retryable: false, code: 'MODEM_SEND_NO_MR', message: 'the modem answered OK without a message reference (+CMGS); the part most likely went out, but its status report cannot be matched.', cmsCode: null, scope: 'modem' },
        };
      }
      this.sentParts.set(sentKey(mr, nationalDigits(recipient, this.settings.countryCode)), { ...match, at: this.clock.now() });
      return { ok: true, mr };
    }
    const code = reply.final.kind === 'cms' || reply.final.kind === 'cme' ? reply.final.code : null;
    const failure = classifySendFailure(code);
    if (code === 322) this.storageFull = true;
    this.countFailed(1);
    return {
      ok: false,
      failure: {
        kind: 'refused',
        retryable: failure.retryable,
        code: failure.retryable ? 'MODEM_SEND_RETRYABLE' : 'MODEM_SEND_REJECTED',
        message: `${describeFinal(reply.final)} (${failure.meaning}).`,
        cmsCode: code,
        scope: failure.scope,
      },
    };
  }

  private countFailed(parts: number): void {
    this.stat.counters.failed += 1;
    this.onEvent?.({ type: 'failed', modemId: this.id, at: this.clock.now(), parts });
    this.publishStatus();
  }

  // --- status -----------------------------------------------------------------------

  private setState(state: ModemState, reason: string | null, why: ModemProblem | null = null): void {
    if (this.stat.state === state && this.stat.reason === reason) return;
    if (this.stat.state !== state) this.stat.since = this.clock.now();
    this.stat.state = state;
    this.stat.reason = reason;
    this.stat.problem = reason === null ? null : why;
    this.logger.info({ modem: this.id, state, reason }, 'modem state');
    this.publishStatus();
  }

  private publishStatus(): void {
    this.onEvent?.({ type: 'status', status: this.status() });
  }
}

function problem(code: ModemReasonCode, params: ModemReasonParams = {}): ModemProblem {
  return { code, params };
}

function sentKey(mr: number, recipientDigits: string): string {
  return `${mr}|${recipientDigits}`;
}


