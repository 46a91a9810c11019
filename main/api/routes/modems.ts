import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import { localTimeOfDay } from '../../messaging/policy/local-time.js';
import { SUPPORTED_BAUD_RATES, type ModemConfigInput, type ModemView } from '../../modem/index.js';
import { decodePdu, describePdu } from '../../modem/pdu/index.js';
import type { SimulatorOptions } from '../../modem/sim/options.js';
import type { ApplianceServices } from '../../services.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  CountersResponse,
  CreateModemBody,
  HealthResponse,
  ModemListResponse,
  ModemSchema,
  PortsQuery,
  PortsResponse,
  ProbeBody,
  ProbeResultSchema,
  SimulatorLogQuery,
  SimulatorLogResponse,
  SinceQuery,
  TestSendBody,
  TestSendResponse,
  type ModemDto,
  type SimulatorSettingsDto,
  UpdateModemBody,
} from '../schemas/modems.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';
import { normalizeMobile } from '../../messaging/numbers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** States in which the device answers on its port. */
const ANSWERING = new Set(['initialising', 'ready', 'recovering', 'refused']);

type CountSet = ModemDto['counts']['thisHour'];
const zero = (): CountSet => ({ sent: 0, failed: 0, received: 0, reports: 0 });

/** The settings the page may see and set of a simulated modem (its other options stay internal). */
function simulatorSettings(options: SimulatorOptions | null): SimulatorSettingsDto | null {
  if (!options) return null;
  const out: SimulatorSettingsDto = {};
  if (options.personality) out.personality = options.personality;
  if (typeof options.latency === 'string') out.latency = options.latency;
  if (options.signal !== undefined) out.signal = options.signal;
  if (options.identity) {
    const { imei, imsi, operator } = options.identity;
    out.identity = { ...(imei ? { imei } : {}), ...(imsi ? { imsi } : {}), ...(operator ? { operator } : {}) };
  }
  return out;
}

function bindingOf(view: ModemView): 'unbound' | 'matched' | 'mismatch' | 'unchecked' {
  const bound = view.config.imeiBinding;
  if (bound === null) return 'unbound';
  const status = view.status;
  if (status?.problem?.code === 'imei-mismatch' || status?.problem?.code === 'imei-unreadable') return 'mismatch';
  const found = status?.identity.imei ?? null;
  if (found === null) return 'unchecked';
  return found === bound ? 'matched' : 'mismatch';
}

async function toDto(services: ApplianceServices, view: ModemView): Promise<ModemDto> {
  const { config, status } = view;
  const now = services.clock.now();
  const { timeZone } = await services.settings.get('policy');
  const todayStart = now - localTimeOfDay(timeZone, now);
  const thisHourStart = now - (now % HOUR);
  const thisHour = zero();
  const today = zero();
  for (const row of await services.modems.counters(config.id, todayStart)) {
    // Hourly rows: the one that straddles local midnight (zones off by half an hour) counts to today.
    const into = [today, ...(row.hourStart >= thisHourStart ? [thisHour] : [])];
    for (const set of into) {
      set.sent += row.sent;
      set.failed += row.failed;
      set.received += row.received;
      set.reports += row.reports;
    }
  }
  return {
    id: config.id,
    name: config.name,
    kind: config.kind,
    portPath: config.portPath,
    baudRate: config.baudRate,
    rtscts: config.rtscts,
    imeiBinding: config.imeiBinding,
    hasPin: config.hasPin,
    limits: config.limits,
    simulator: config.kind === 'simulator' ? simulatorSettings(config.simulator) : null,
    enabled: config.enabled,
    createdAt: config.createdAt,
    updatedAt: config.updatedAt,
    status: status
      ? {
          state: status.state,
          reason: status.reason,
          problem: status.problem,
          since: status.since,
          connected: ANSWERING.has(status.state),
          registered: status.registration?.registered ?? false,
          registration: status.registration?.state ?? null,
          signal: status.signal ? { rssi: status.signal.rssi, dbm: status.signal.dbm, bars: status.signal.bars } : null,
          operator: status.operator,
          transport: status.transport,
          vendor: status.vendor,
          manufacturer: status.identity.manufacturer,
          model: status.identity.model,
          revision: status.identity.revision,
          imei: status.identity.imei,
          imsi: status.identity.imsi,
          smsc: status.smsc,
          storage: status.storage,
          binding: bindingOf(view),
          consecutiveFailures: status.consecutiveFailures,
          lastError: status.lastError,
          retryAt: status.retryAt,
          usage: status.usage,
        }
      : null,
    counts: { thisHour, today },
  };
}

/** The API body in the pool's terms: the simulator settings are the subset the schema allows. */
function poolInput<T extends Partial<ModemConfigInput>>(body: T & { simulator?: SimulatorSettingsDto }): T {
  const { simulator, ...rest } = body;
  return { ...rest, ...(simulator !== undefined ? { simulator: simulator as SimulatorOptions } : {}) } as T;
}

export const modemRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { modems } = services;
  const byId = async (id: number) => toDto(services, await modems.get(String(id)));

  app.get(
    '/',
    {
      config: { permission: 'modems.read' },
      schema: { tags: ['modems'], summary: 'Every modem: settings and live status (state, signal, registration, identity, counters)', response: { 200: ModemListResponse, ...standardErrors } },
    },
    async () => {
      const items = await Promise.all((await modems.list()).map((view) => toDto(services, view)));
      return { items, baudRates: [...SUPPORTED_BAUD_RATES] };
    },
  );

  app.get(
    '/ports',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['modems'],
        summary: 'Serial ports the OS lists (plus extra paths), each probed with AT at the common baud rates; takes a few seconds per silent port',
        querystring: PortsQuery,
        response: { 200: PortsResponse, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request, reply) => {
      const extra = (request.query.extra ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const started = Date.now();
      const jobId = request.query.jobId ?? `modem-scan-${started}`;
      // The person closing the dialog (or the page) aborts the request: stop probing then.
      const cancel = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) cancel.abort();
      });
      const publish = (done: number, total: number, state: 'running' | 'finished' | 'cancelled', path: string | null) => {
        const elapsedSeconds = (Date.now() - started) / 1000;
        const rate = done > 0 && elapsedSeconds > 0 ? done / elapsedSeconds : null;
        services.events.publish(
          'job.progress',
          {
            jobId,
            kind: 'modem.scan',
            label: 'modem port scan',
            done,
            total,
            ratePerSecond: rate,
            etaSeconds: rate ? Math.round((total - done) / rate) : null,
            state,
            ...(path ? { message: path } : {}),
          },
          'modems.manage',
        );
      };
      const items = await modems.discover(extra, {
        signal: cancel.signal,
        onProgress: ({ done, total, path }) => publish(done, total, path === null ? (cancel.signal.aborted ? 'cancelled' : 'finished') : 'running', path),
      });
      return { items, tookMs: Date.now() - started };
    },
  );

  app.post(
    '/probe',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['modems'],
        summary: 'AT probe of one port: whether a modem answers, at which baud rate, and its identity (IMEI for the binding)',
        body: ProbeBody,
        response: { 200: ProbeResultSchema, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request) => modems.probe(request.body.path, request.body.baudRate),
  );

  app.get(
    '/:id',
    {
      config: { permission: 'modems.read' },
      schema: { tags: ['modems'], summary: 'One modem with its live status', params: IdParams, response: { 200: ModemSchema, 404: { $ref: 'ErrorBody' }, ...standardErrors } },
    },
    async (request) => byId(request.params.id),
  );

  app.post(
    '/',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['modems'],
        summary: 'Add a modem (a serial device or a simulated one); the PIN is stored encrypted and never returned',
        body: CreateModemBody,
        response: { 201: ModemSchema, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request, reply) => {
      const view = await modems.add(poolInput(request.body), actorOf(request));
      return reply.status(201).send(await toDto(services, view));
    },
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['modems'],
        summary: 'Change a modem’s settings; a new port, baud rate or kind restarts it, the rest applies at once',
        params: IdParams,
        body: UpdateModemBody,
        response: { 200: ModemSchema, 404: { $ref: 'ErrorBody' }, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request) => {
      const view = await modems.update(String(request.params.id), poolInput(request.body), actorOf(request));
      return toDto(services, view);
    },
  );

  app.delete(
    '/:id',
    {
      config: { permission: 'modems.manage' },
      schema: { tags: ['modems'], summary: 'Remove a modem (its port is closed; its counters and health history go with it)', params: IdParams, response: { 200: Ok, 404: { $ref: 'ErrorBody' }, ...standardErrors } },
    },
    async (request) => {
      await modems.remove(String(request.params.id), actorOf(request));
      return { ok: true as const };
    },
  );

  app.post(
    '/:id/test-send',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['modems'],
        summary: 'Send one test message on this modem (within its pacing and caps); the result of every part with its MR',
        params: IdParams,
        body: TestSendBody,
        response: { 200: TestSendResponse, 404: { $ref: 'ErrorBody' }, 429: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    // The same number rule as the outbox: '1.5' or a landline is a 400 that says so, not a modem error.
    async (request) => modems.testSend(String(request.params.id), normalizeMobile(request.body.to), request.body.text, actorOf(request)),
  );

  app.get(
    '/:id/health',
    {
      config: { permission: 'modems.read' },
      schema: { tags: ['modems'], summary: 'Signal and registration history (one sample per health poll)', params: IdParams, querystring: SinceQuery, response: { 200: HealthResponse, 404: { $ref: 'ErrorBody' }, ...standardErrors } },
    },
    async (request) => {
      const id = String(request.params.id);
      await modems.get(id);
      return { items: await modems.healthHistory(id, request.query.since ?? services.clock.now() - DAY) };
    },
  );

  app.get(
    '/:id/counters',
    {
      config: { permission: 'modems.read' },
      schema: { tags: ['modems'], summary: 'Sent, failed, received and status reports per hour', params: IdParams, querystring: SinceQuery, response: { 200: CountersResponse, 404: { $ref: 'ErrorBody' }, ...standardErrors } },
    },
    async (request) => {
      const id = String(request.params.id);
      await modems.get(id);
      return { items: await modems.counters(id, request.query.since ?? services.clock.now() - DAY) };
    },
  );

  app.get(
    '/:id/simulator/log',
    {
      config: { permission: 'modems.read' },
      schema: {
        tags: ['modems'],
        summary: 'What a simulated modem really accepted for sending: each PDU decoded (recipient, text, part), newest first',
        params: IdParams,
        querystring: SimulatorLogQuery,
        response: { 200: SimulatorLogResponse, 404: { $ref: 'ErrorBody' }, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request) => {
      const id = String(request.params.id);
      const { config } = await modems.get(id);
      if (config.kind !== 'simulator') throw new AppError('MODEM_NOT_SIMULATOR', `"${config.name}" is a real modem; only simulated modems keep a log of what they accepted.`, 409);
      const simulator = modems.simulator(id);
      if (!simulator) throw new AppError('MODEM_NOT_RUNNING', `"${config.name}" is disabled or not started; enable it to see what it sends.`, 409);
      const log = simulator.acceptedLog();
      const items = log
        .slice(-(request.query.limit ?? 50))
        .reverse()
        .map((entry) => {
          let text: string | null = null;
          let alphabet: string | null = null;
          let concat: { ref: number; part: number; total: number } | null = null;
          try {
            const described = describePdu(decodePdu(entry.pdu));
            text = described.text ?? null;
            alphabet = described.alphabet ?? null;
            concat = described.concat ? { ref: described.concat.ref, part: described.concat.part, total: described.concat.total } : null;
          } catch {
            // The simulator accepted it, so it decodes; should it not, the raw PDU is still shown.
          }
          return { seq: entry.seq, at: entry.at, mr: entry.mr, recipient: entry.recipient, text, alphabet, concat, statusReportRequested: entry.statusReportRequested, via: entry.via, pdu: entry.pdu };
        });
      return { items, total: log.length };
    },
  );
};
