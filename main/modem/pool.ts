import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { systemClock, type Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { ModemError } from './errors.js';
import './events.js';
import type { InboundSink } from './inbound.js';
import {
  Modem,
  resolveSettings,
  type ModemEvent,
  type ModemLogger,
  type ModemSettings,
  type ModemStatus,
  type PduSendResult,
  type SendRequest,
  type SendResult,
} from './modem.js';
import { measureText } from './pdu/index.js';
import { validateLimits, type SendCapError, type SendLimits } from './send-ledger.js';
import { SimulatedModem } from './sim/modem.js';
import type { SimulatorOptions } from './sim/options.js';
import { createSimulatorTransport } from './sim/transport.js';
import { listPorts, probePort, type ProbeResult } from './transport/discovery.js';
import { SerialTransport, validateSerialOptions } from './transport/serial.js';
import type { ByteTransport } from './transport/types.js';

/**
 * Several modems at once, each with its own settings kept in the database.
 * Routes sends (pinned, the conversation's modem, or round-robin by load among
 * modems with capacity), keeps per-hour counters and health samples, and is
 * the public face of the modem layer for the API, the CLI and the dispatcher.
 */
export type ModemKind = 'serial' | 'simulator';

export interface ModemConfig {
  id: string;
  name: string;
  kind: ModemKind;
  portPath: string | null;
  baudRate: number;
  rtscts: boolean;
  imeiBinding: string | null;
  /** Whether a SIM PIN is stored (the PIN itself never leaves the pool). */
  hasPin: boolean;
  limits: SendLimits;
  /** Options of a simulated modem (personality, identity, latency …). */
  simulator: SimulatorOptions | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ModemConfigInput {
  name: string;
  kind: ModemKind;
  portPath?: string | null;
  baudRate?: number;
  rtscts?: boolean;
  imeiBinding?: string | null;
  /** A string sets the PIN, null removes it, undefined keeps it. */
  pin?: string | null;
  limits?: Partial<SendLimits>;
  simulator?: SimulatorOptions | null;
  enabled?: boolean;
}

export interface ModemView {
  config: ModemConfig;
  /** Live status; null for a disabled modem. */
  status: ModemStatus | null;
}

export interface HealthSample {
  at: number;
  state: string;
  rssi: number | null;
  dbm: number | null;
  bars: number | null;
  registration: string | null;
  operator: string | null;
  reason: string | null;
}

export interface CounterRow {
  hourStart: number;
  sent: number;
  failed: number;
  received: number;
  reports: number;
}

export interface DiscoveredPort {
  path: string;
  manufacturer: string | null;
  /** Listed by the OS (false: an explicit candidate such as a PTY or a by-id symlink). */
  listed: boolean;
  /** Name of the running modem that holds the port (not probed then). */
  usedBy: string | null;
  probe: ProbeResult | null;
}

export interface SendRoute {
  /** Send on this modem and no other. */
  modemId?: string;
  /** Prefer the modem the conversation came in on, when it has capacity. */
  conversationModemId?: string;
}

export interface PoolDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  secrets: SecretBox;
  sink: InboundSink;
  logger?: ModemLogger;
  /** How a configured modem reaches its device; the default opens serial ports and in-process simulators. */
  connect?: (config: ModemConfig) => { transport: ByteTransport; simulator?: SimulatedModem };
  /** Settings every modem gets unless its config says otherwise (tests use short timeouts). */
  modemDefaults?: Partial<Omit<ModemSettings, 'id' | 'name'>>;
  /** Health samples older than this are pruned. */
  healthRetentionMs?: number;
}

interface ModemRow {
  id: number;
  name: string;
  kind: string;
  port_path: string | null;
  baud_rate: number;
  rtscts: number | boolean;
  imei_binding: string | null;
  pin_encrypted: string | null;
  min_gap_ms: number;
  per_hour: number;
  per_day: number;
  simulator_options: string | null;
  enabled: number | boolean;
  created_at: number | string;
  updated_at: number | string;
}

interface Running {
  modem: Modem;
  simulator: SimulatedModem | undefined;
  counterWrites: Promise<unknown>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PIN_CONTEXT = 'modem-pin';

export class ModemPool {
  private readonly running = new Map<string, Running>();
  private readonly changeListeners = new Set<() => void>();
  private rotation = 0;
  private started = false;
  private healthWrites = 0;

  constructor(private readonly deps: PoolDeps) {}

  // --- lifecycle --------------------------------------------------------------------

  /** Starts every enabled modem. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const config of await this.configs()) {
      if (!config.enabled) continue;
      try {
        await this.launch(config);
      } catch (error) {
        // One modem that cannot start (e.g. its PIN cannot be decrypted) must not keep the others down.
        this.deps.logger?.warn({ err: error, modem: config.id }, 'modem not started');
      }
    }
    this.changed();
  }

  /** Stops every modem (closing its port), the last started first. */
  async stop(): Promise<void> {
    this.started = false;
    const ids = [...this.running.keys()].reverse();
    for (const id of ids) await this.halt(id);
    this.changed();
  }

  // --- configuration (API / CLI) ------------------------------------------------------

  async list(): Promise<ModemView[]> {
    return (await this.configs()).map((config) => ({ config, status: this.running.get(config.id)?.modem.status() ?? null }));
  }

  async get(id: string): Promise<ModemView> {
    const config = await this.config(id);
    return { config, status: this.running.get(id)?.modem.status() ?? null };
  }

  async add(input: ModemConfigInput, actor: AuditActor): Promise<ModemView> {
    const now = this.deps.clock.now();
    const { row, pin } = this.rowFromInput(input, null);
    await this.assertNameFree(row.name as string, null);
    const id = await this.deps.db.transaction(async (trx) => {
      const [inserted] = await trx('modems').insert({ ...row, created_at: now, updated_at: now }).returning('id');
      const newId = String(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      // The PIN is sealed bound to the modem's id, which exists only now.
      if (pin !== undefined) await trx('modems').where('id', Number(newId)).update({ pin_encrypted: this.deps.secrets.seal(pin, `${PIN_CONTEXT}:${newId}`) });
      await this.deps.audit.record(actor, 'modems.add', `modem ${newId}`, { name: row.name, kind: row.kind, portPath: row.port_path ?? null }, trx);
      return newId;
    });
    const config = await this.config(id);
    if (this.started && config.enabled) await this.launch(config);
    this.changed();
    return this.get(id);
  }

  async update(id: string, input: Partial<ModemConfigInput>, actor: AuditActor): Promise<ModemView> {
    const current = await this.config(id);
    const merged: ModemConfigInput = {
      name: input.name ?? current.name,
      kind: input.kind ?? current.kind,
      portPath: input.portPath !== undefined ? input.portPath : current.portPath,
      baudRate: input.baudRate ?? current.baudRate,
      rtscts: input.rtscts ?? current.rtscts,
      imeiBinding: input.imeiBinding !== undefined ? input.imeiBinding : current.imeiBinding,
      pin: input.pin,
      limits: { ...current.limits, ...(input.limits ?? {}) },
      simulator: input.simulator !== undefined ? input.simulator : current.simulator,
      enabled: input.enabled ?? current.enabled,
    };
    const { row } = this.rowFromInput(merged, current);
    await this.assertNameFree(row.name as string, id);
    await this.deps.db.transaction(async (trx) => {
      await trx('modems').where('id', Number(id)).update({ ...row, updated_at: this.deps.clock.now() });
      const changed = Object.keys(input).filter((k) => k !== 'pin');
      await this.deps.audit.record(actor, 'modems.update', `modem ${id}`, { changed, pinChanged: input.pin !== undefined }, trx);
    });
    const config = await this.config(id);
    const running = this.running.get(id);
    const connectionChanged =
      config.kind !== current.kind ||
      config.portPath !== current.portPath ||
      config.baudRate !== current.baudRate ||
      config.rtscts !== current.rtscts ||
      JSON.stringify(config.simulator) !== JSON.stringify(current.simulator);
    if (running && config.enabled && !connectionChanged) {
      running.modem.updateSettings({ name: config.name, imeiBinding: config.imeiBinding, pin: this.pinOf(id, await this.pinCipher(id)), limits: config.limits });
    } else {
      if (running) await this.halt(id);
      if (this.started && config.enabled) await this.launch(config);
    }
    this.changed();
    return this.get(id);
  }

  async remove(id: string, actor: AuditActor): Promise<void> {
    const config = await this.config(id);
    await this.halt(id);
    await this.deps.db.transaction(async (trx) => {
      await trx('modem_counters').where('modem_id', Number(id)).delete();
      await trx('modem_health').where('modem_id', Number(id)).delete();
      await trx('modems').where('id', Number(id)).delete();
      await this.deps.audit.record(actor, 'modems.remove', `modem ${id}`, { name: config.name }, trx);
    });
    this.changed();
  }

  /** AT probe of one port: identity, baud rate. Refused for a port a running modem holds. */
  async probe(path: string, baudRate?: number): Promise<ProbeResult> {
    validateSerialOptions({ path, baudRate: baudRate ?? 115200 });
    const holder = (await this.configs()).find((c) => c.kind === 'serial' && c.portPath === path && this.running.has(c.id));
    if (holder) {
      throw new ModemError('MODEM_PORT_IN_USE', `The port ${path} is used by modem "${holder.name}"; disable it before probing the port.`, { status: 409 });
    }
    return probePort(path, baudRate ? { baudRates: [baudRate] } : {});
  }

  /**
   * Ports the OS lists plus `extraPaths`, each probed unless a running modem holds it.
   * A silent port costs a few seconds (every common baud rate is tried), so progress is
   * reported per port and a cancelled scan stops at the next baud rate, answering with
   * the ports probed so far.
   */
  async discover(
    extraPaths: readonly string[] = [],
    options: { onProgress?: (progress: { done: number; total: number; path: string | null }) => void; signal?: AbortSignal } = {},
  ): Promise<DiscoveredPort[]> {
    // One scan at a time: a scan started right after a cancelled one waits until the
    // cancelled probe has closed its port, instead of finding the port busy.
    const previous = this.scanning;
    let done!: () => void;
    this.scanning = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      return await this.scanPorts(extraPaths, options);
    } finally {
      done();
    }
  }

  private scanning: Promise<void> = Promise.resolve();

  private async scanPorts(
    extraPaths: readonly string[],
    options: { onProgress?: (progress: { done: number; total: number; path: string | null }) => void; signal?: AbortSignal },
  ): Promise<DiscoveredPort[]> {
    const configs = await this.configs();
    const usedBy = (path: string) => configs.find((c) => c.kind === 'serial' && c.portPath === path && this.running.has(c.id))?.name ?? null;
    const ports = await listPorts(extraPaths);
    const results: DiscoveredPort[] = [];
    // One port after the other: probing two ports of one dongle at once confuses some firmware.
    for (const [index, port] of ports.entries()) {
      if (options.signal?.aborted) break;
      options.onProgress?.({ done: index, total: ports.length, path: port.path });
      const holder = usedBy(port.path);
      const probe = holder ? null : await probePort(port.path, options.signal ? { signal: options.signal } : {});
      if (options.signal?.aborted) break;
      results.push({ path: port.path, manufacturer: port.manufacturer, listed: port.listed, usedBy: holder, probe });
    }
    options.onProgress?.({ done: results.length, total: ports.length, path: null });
    return results;
  }

  // --- sending ----------------------------------------------------------------------

  /**
   * Sends a message on one modem: pinned, else the conversation's modem when it
   * has capacity, else the least loaded modem with capacity (round-robin among equals).
   */
  async send(request: SendRequest, route: SendRoute = {}): Promise<SendResult> {
    return (await this.pick(request.text, route)).send(request);
  }

  /** A test message from the Modems page or the CLI, audited. */
  async testSend(id: string, to: string, text: string, actor: AuditActor): Promise<SendResult> {
    const result = await this.send({ to, text, reference: `test:${id}` }, { modemId: id });
    await this.deps.audit.record(actor, 'modems.test-send', `modem ${id}`, { to, ok: result.ok, uncertain: result.uncertain, parts: result.parts.length });
    return result;
  }

  private async pick(text: string, route: SendRoute): Promise<Modem> {
    if (route.modemId !== undefined) {
      const running = this.running.get(route.modemId);
      if (!running) {
        await this.config(route.modemId);
        throw new ModemError('MODEM_NOT_RUNNING', `Modem ${route.modemId} is disabled or not started; enable it or choose another modem.`, { retryable: true });
      }
      return running.modem;
    }
    let parts = 1;
    try {
      parts = measureText(text).parts;
    } catch {
      // The modem's own encoding reports the problem with its code.
    }
    if (route.conversationModemId !== undefined) {
      const preferred = this.running.get(route.conversationModemId);
      if (preferred?.modem.capacityFor(parts)) return preferred.modem;
    }
    const modems = [...this.running.values()].map((r) => r.modem);
    const candidates = modems.filter((m) => m.capacityFor(parts));
    if (candidates.length === 0) {
      // Every modem in service is capped: say when the first one has room again.
      const capped = modems.map((m) => m.capError(parts)).filter((e): e is SendCapError => e !== undefined);
      if (capped.length > 0) throw capped.reduce((a, b) => (Number(a.details?.availableAt) <= Number(b.details?.availableAt) ? a : b));
      if (!this.started) throw new ModemError('MODEM_POOL_NOT_STARTED', 'The modems run in the StoreMAS service, not in this process; send through the service, or open one port directly.', { retryable: true });
      throw new ModemError('MODEM_NONE_READY', modems.length === 0 ? 'No modem is enabled; add one on the Modems page.' : 'No modem is in service right now; see the Modems page for each one\'s state.', { retryable: true });
    }
    const load = (m: Modem) => {
      const s = m.status();
      return Math.max(s.usage.lastHour / s.limits.perHour, s.usage.lastDay / s.limits.perDay);
    };
    const lowest = Math.min(...candidates.map(load));
    const equals = candidates.filter((m) => load(m) - lowest < 1e-9);
    this.rotation = (this.rotation + 1) % Number.MAX_SAFE_INTEGER;
    return equals[this.rotation % equals.length]!;
  }

  // --- the dispatcher's channel (structurally the outbox's OutboundChannel) --------------

  /** Modems in service now. */
  modemIds(): string[] {
    return [...this.running.entries()].filter(([, r]) => r.modem.state === 'ready').map(([id]) => id);
  }

  readyAt(modemId: string): number | null {
    return this.running.get(modemId)?.modem.readyAt() ?? null;
  }

  async sendPart(modemId: string, part: { pdu: string; tpduLength: number; messageId: number; partNumber: number }): Promise<PduSendResult> {
    const running = this.running.get(modemId);
    if (!running) {
      return { ok: false, failure: { kind: 'refused', retryable: true, code: 'MODEM_NOT_RUNNING', message: `Modem ${modemId} is not running.` } };
    }
    return running.modem.sendPdu({ pdu: part.pdu, tpduLength: part.tpduLength, reference: String(part.messageId), partNumber: part.partNumber });
  }

  /** Modems came, went, or changed state; returns the unsubscribe function. */
  onDidChangeModems(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The simulated device behind a simulator modem (tests, demo: inject messages, faults). */
  simulator(id: string): SimulatedModem | undefined {
    return this.running.get(id)?.simulator;
  }

  modem(id: string): Modem | undefined {
    return this.running.get(id)?.modem;
  }

  // --- history ------------------------------------------------------------------------

  async healthHistory(id: string, since: number, limit = 2_000): Promise<HealthSample[]> {
    const rows = await this.deps.db('modem_health').where('modem_id', Number(id)).andWhere('at', '>=', since).orderBy('at', 'asc').limit(limit);
    return rows.map((r: Record<string, unknown>) => ({
      at: Number(r.at),
      state: String(r.state),
      rssi: r.rssi === null ? null : Number(r.rssi),
      dbm: r.dbm === null ? null : Number(r.dbm),
      bars: r.bars === null ? null : Number(r.bars),
      registration: (r.registration as string | null) ?? null,
      operator: (r.operator as string | null) ?? null,
      reason: (r.reason as string | null) ?? null,
    }));
  }

  async counters(id: string, since: number): Promise<CounterRow[]> {
    const rows = await this.deps.db('modem_counters').where('modem_id', Number(id)).andWhere('hour_start', '>=', since - (since % HOUR)).orderBy('hour_start', 'asc');
    return rows.map((r: Record<string, unknown>) => ({
      hourStart: Number(r.hour_start),
      sent: Number(r.sent),
      failed: Number(r.failed),
      received: Number(r.received),
      reports: Number(r.reports),
    }));
  }

  // --- internals ------------------------------------------------------------------------

  private async launch(config: ModemConfig): Promise<void> {
    if (this.running.has(config.id)) return;
    const { transport, simulator } = (this.deps.connect ?? defaultConnect)(config);
    const modem = new Modem(
      {
        ...this.deps.modemDefaults,
        id: config.id,
        name: config.name,
        imeiBinding: config.imeiBinding,
        pin: this.pinOf(config.id, await this.pinCipher(config.id)),
        limits: config.limits,
      },
      {
        transport,
        clock: this.deps.clock,
        sink: this.deps.sink,
        logger: this.deps.logger,
        onEvent: (event) => this.onModemEvent(config.id, event),
      },
    );
    modem.seedSendHistory(await this.recentSends(config.id));
    this.running.set(config.id, { modem, simulator, counterWrites: Promise.resolve() });
    modem.start();
  }

  private async halt(id: string): Promise<void> {
    const running = this.running.get(id);
    if (!running) return;
    this.running.delete(id);
    await running.modem.stop();
    await running.counterWrites;
    running.simulator?.dispose();
  }

  private onModemEvent(id: string, event: ModemEvent): void {
    const running = this.running.get(id);
    switch (event.type) {
      case 'status': {
        const s = event.status;
        this.deps.events.publish(
          'modem.status',
          {
            modemId: id,
            name: s.name,
            state: s.state,
            reason: s.reason,
            problem: s.problem,
            signal: s.signal ? { rssi: s.signal.rssi, dbm: s.signal.dbm, bars: s.signal.bars } : null,
            registration: s.registration?.state ?? null,
            operator: s.operator,
            counters: s.counters,
            usage: s.usage,
          },
          'modems.read',
        );
        this.changed();
        return;
      }
      case 'health':
        this.recordHealth(id, event.at, event.status);
        return;
      case 'sent':
        this.count(running, id, event.at, { sent: event.parts });
        return;
      case 'failed':
        this.count(running, id, event.at, { failed: 1 });
        return;
      case 'received':
        this.count(running, id, event.at, { received: 1 });
        this.deps.events.publish('modem.inbound', { modemId: id, from: event.message.from, partial: event.message.partial, receivedAt: event.at }, 'messages.read');
        return;
      case 'report':
        this.count(running, id, event.at, { reports: 1 });
        return;
    }
  }

  /** Adds to the hour's counters; writes for one modem are chained so increments never race. */
  private count(running: Running | undefined, id: string, at: number, add: Partial<Record<'sent' | 'failed' | 'received' | 'reports', number>>): Promise<void> {
    const hourStart = at - (at % HOUR);
    const write = async () => {
      await this.deps.db.transaction(async (trx) => {
        const key = { modem_id: Number(id), hour_start: hourStart };
        const existing = await trx('modem_counters').where(key).first();
        if (existing) {
          const update: Record<string, Knex.Raw> = {};
          for (const [column, value] of Object.entries(add)) update[column] = trx.raw('?? + ?', [column, value]);
          await trx('modem_counters').where(key).update(update);
        } else {
          await trx('modem_counters').insert({ ...key, sent: 0, failed: 0, received: 0, reports: 0, ...add });
        }
      });
    };
    const chain = (running?.counterWrites ?? Promise.resolve()).then(write).catch((error: unknown) => {
      this.deps.logger?.warn({ err: error, modem: id }, 'modem counter write failed');
    });
    if (running) running.counterWrites = chain;
    return chain;
  }

  private recordHealth(id: string, at: number, status: ModemStatus): void {
    const retention = this.deps.healthRetentionMs ?? 30 * DAY;
    void (async () => {
      try {
        await this.deps.db('modem_health').insert({
          modem_id: Number(id),
          at,
          state: status.state,
          rssi: status.signal?.rssi ?? null,
          dbm: status.signal?.dbm ?? null,
          bars: status.signal?.bars ?? null,
          registration: status.registration?.state ?? null,
          operator: status.operator?.slice(0, 64) ?? null,
          reason: status.reason?.slice(0, 255) ?? null,
        });
        this.healthWrites += 1;
        if (this.healthWrites % 500 === 1) await this.deps.db('modem_health').where('at', '<', at - retention).delete();
      } catch (error) {
        this.deps.logger?.warn({ err: error, modem: id }, 'modem health sample not saved');
      }
    })();
  }

  /** Sends of the last day from the hourly counters, placed at the end of their hour (errs on the safe side). */
  /**
   * For a send on a port outside the service (the CLI): the caps of the modem configured
   * on that port and its submissions of the last day, so the caps hold whoever sends.
   * Null when no modem is configured on the port (the default caps apply).
   */
  async portSendBudget(path: string): Promise<{ modemId: string; name: string; limits: SendLimits; history: number[] } | null> {
    const config = (await this.configs()).find((c) => c.kind === 'serial' && c.portPath === path);
    if (!config) return null;
    return { modemId: config.id, name: config.name, limits: config.limits, history: await this.recentSends(config.id) };
  }

  /** Counts parts sent on a configured modem's port outside the service, so its caps and counters include them. */
  async countSentOutsideService(id: string, at: number, parts: number): Promise<void> {
    // Outside the service nothing else waits on the write: finish it before the process ends.
    await this.count(undefined, id, at, { sent: parts });
  }

  private async recentSends(id: string): Promise<number[]> {
    const now = this.deps.clock.now();
    const rows = await this.counters(id, now - DAY);
    const times: number[] = [];
    for (const row of rows) {
      const at = Math.min(row.hourStart + HOUR - 1, now);
      for (let i = 0; i < row.sent; i++) times.push(at);
    }
    return times;
  }

  private changed(): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener();
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  private async configs(): Promise<ModemConfig[]> {
    const rows: ModemRow[] = await this.deps.db('modems').orderBy('id', 'asc');
    return rows.map(toConfig);
  }

  private async config(id: string): Promise<ModemConfig> {
    if (!/^\d+$/.test(id)) throw new NotFoundError(`Modem ${id}`);
    const row: ModemRow | undefined = await this.deps.db('modems').where('id', Number(id)).first();
    if (!row) throw new NotFoundError(`Modem ${id}`);
    return toConfig(row);
  }

  private async pinCipher(id: string): Promise<string | null> {
    const row = await this.deps.db('modems').where('id', Number(id)).first('pin_encrypted');
    return (row?.pin_encrypted as string | null | undefined) ?? null;
  }

  private pinOf(id: string, cipher: string | null): string | null {
    return cipher === null ? null : this.deps.secrets.open(cipher, `${PIN_CONTEXT}:${id}`);
  }

  private async assertNameFree(name: string, exceptId: string | null): Promise<void> {
    const clash = await this.deps.db('modems').where('name', name).first('id');
    if (clash && String(clash.id) !== exceptId) throw new ModemError('MODEM_NAME_TAKEN', `A modem named "${name}" exists already; choose another name.`, { status: 409 });
  }

  /** Validates an input and turns it into columns; the PIN is sealed bound to the modem id. */
  private rowFromInput(input: ModemConfigInput, current: ModemConfig | null): { row: Record<string, unknown>; pin: string | undefined } {
    if (typeof input !== 'object' || input === null) throw new ValidationError('The modem settings are missing.');
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name === '' || name.length > 64) throw new ValidationError('Give the modem a name of 1 to 64 characters (e.g. "收银台 1").');
    if (input.kind !== 'serial' && input.kind !== 'simulator') throw new ValidationError(`The modem kind must be 'serial' or 'simulator', not ${JSON.stringify(input.kind)}.`);
    let portPath: string | null = null;
    let baudRate = input.baudRate ?? 115200;
    const rtscts = input.rtscts ?? false;
    if (input.kind === 'serial') {
      const serial = validateSerialOptions({ path: input.portPath ?? '', baudRate, rtscts });
      portPath = serial.path;
      baudRate = serial.baudRate;
    }
    const limits = validateLimits(input.limits ?? {});
    // Checks the binding and PIN formats with the modem's own rules.
    resolveSettings({ id: 'check', name, imeiBinding: input.imeiBinding ?? null, pin: typeof input.pin === 'string' ? input.pin : null, limits });
    const row: Record<string, unknown> = {
      name,
      kind: input.kind,
      port_path: portPath,
      baud_rate: baudRate,
      rtscts,
      imei_binding: input.imeiBinding ?? null,
      min_gap_ms: limits.minGapMs,
      per_hour: limits.perHour,
      per_day: limits.perDay,
      simulator_options: input.kind === 'simulator' ? JSON.stringify(input.simulator ?? {}) : null,
      enabled: input.enabled ?? true,
    };
    if (input.pin === null) row.pin_encrypted = null;
    else if (typeof input.pin === 'string' && current !== null) row.pin_encrypted = this.deps.secrets.seal(input.pin, `${PIN_CONTEXT}:${current.id}`);
    return { row, pin: typeof input.pin === 'string' ? input.pin : undefined };
  }
}

function toConfig(row: ModemRow): ModemConfig {
  return {
    id: String(row.id),
    name: row.name,
    kind: row.kind === 'simulator' ? 'simulator' : 'serial',
    portPath: row.port_path,
    baudRate: Number(row.baud_rate),
    rtscts: Boolean(row.rtscts),
    imeiBinding: row.imei_binding,
    hasPin: row.pin_encrypted !== null,
    limits: { minGapMs: Number(row.min_gap_ms), perHour: Number(row.per_hour), perDay: Number(row.per_day) },
    simulator: row.simulator_options ? (JSON.parse(row.simulator_options) as SimulatorOptions) : null,
    enabled: Boolean(row.enabled),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** Serial modems open their port; simulator modems get an in-process simulated device. */
export function defaultConnect(config: ModemConfig): { transport: ByteTransport; simulator?: SimulatedModem } {
  if (config.kind === 'simulator') {
    const simulator = new SimulatedModem({ name: `sim-${config.id}`, ...(config.simulator ?? {}) });
    return { transport: createSimulatorTransport(simulator), simulator };
  }
  return { transport: new SerialTransport({ path: config.portPath ?? '', baudRate: config.baudRate, rtscts: config.rtscts }) };
}

/**
 * One modem on one port for a short job (the CLI's probe and test send, with
 * no service running): opens, initialises, and resolves once it is ready, or
 * throws the reason it is not (refused, out of service, no answer in time).
 * What arrives meanwhile stays on the SIM for the service, unless a sink is given.
 */
export async function openModemOnPort(options: {
  path: string;
  baudRate?: number;
  rtscts?: boolean;
  pin?: string | null;
  imeiBinding?: string | null;
  timeoutMs?: number;
  clock?: Clock;
  sink?: InboundSink;
  /** The caps of the modem configured on this port, and its recent submissions (see portSendBudget). */
  limits?: SendLimits;
  sendHistory?: number[];
}): Promise<{ modem: Modem; close(): Promise<void> }> {
  const transport = new SerialTransport({ path: options.path, baudRate: options.baudRate, rtscts: options.rtscts });
  const modem = new Modem(
    {
      id: `port:${options.path}`,
      name: options.path,
      pin: options.pin ?? null,
      imeiBinding: options.imeiBinding ?? null,
      maxFailures: 1,
      commandTimeoutMs: 5_000,
      ...(options.limits ? { limits: options.limits } : {}),
    },
    { transport, clock: options.clock ?? systemClock, sink: options.sink ?? LEAVE_ON_SIM },
  );
  if (options.sendHistory) modem.seedSendHistory(options.sendHistory);
  modem.start();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const status = modem.status();
    if (status.state === 'ready') return { modem, close: () => modem.stop() };
    const failed = status.state === 'refused' || status.state === 'out-of-service';
    if (failed || Date.now() > deadline) {
      await modem.stop();
      throw new ModemError(
        failed ? 'MODEM_NOT_USABLE' : 'MODEM_NO_REPLY',
        failed
          ? `The modem on ${options.path} is ${status.state}: ${status.reason ?? 'no reason given'}.`
          : `The modem on ${options.path} did not get ready (${status.state}${status.reason ? `: ${status.reason}` : ''}); check the port and the baud rate.`,
        { retryable: !failed, status: 503 },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Refuses everything, so messages and reports stay on the SIM for the StoreMAS service. */
const LEAVE_ON_SIM: InboundSink = {
  storeInbound: () => Promise.reject(new ModemError('MODEM_NO_INBOX', 'No inbox in this process: the message stays on the SIM for the StoreMAS service.')),
  storeStatusReport: () => Promise.reject(new ModemError('MODEM_NO_INBOX', 'No inbox in this process: the report stays on the SIM for the StoreMAS service.')),
  storePart: () => Promise.reject(new ModemError('MODEM_NO_INBOX', 'No inbox in this process: the part stays on the SIM for the StoreMAS service.')),
  waitingParts: async () => [],
  dropParts: async () => undefined,
};
