import { EpochMs } from './common.js';
import { Type, type Static } from 'typebox';
import { MODEM_REASON_CODES, SUPPORTED_BAUD_RATES, type ModemReasonCode } from '../../modem/index.js';

/**
 * The contract of /api/modems (设备 page and the dashboard tile). The UI imports
 * these types (`import type`); the server validates and serialises with them.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const MODEM_STATES = ['stopped', 'connecting', 'disconnected', 'initialising', 'ready', 'recovering', 'out-of-service', 'refused'] as const;
export const ModemStateSchema = Type.Unsafe<(typeof MODEM_STATES)[number]>({ type: 'string', enum: [...MODEM_STATES] });
export const ModemKindSchema = Type.Unsafe<'serial' | 'simulator'>({ type: 'string', enum: ['serial', 'simulator'], description: 'serial: a device on a port; simulator: the built-in simulated modem (sends nothing for real)' });
export const BINDINGS = ['unbound', 'matched', 'mismatch', 'unchecked'] as const;
export const BindingSchema = Type.Unsafe<(typeof BINDINGS)[number]>({
  type: 'string',
  enum: [...BINDINGS],
  description: 'unbound: no IMEI binding; matched: the device has the bound IMEI; mismatch: another device is on the port and is refused; unchecked: not read yet',
});
export const PERSONALITIES = ['huawei', 'simcom', 'quectel', 'wavecom'] as const;

export const LimitsSchema = Type.Object({
  minGapMs: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'Minimum gap between two sends (parts), ms' }),
  perHour: Type.Integer({ minimum: 1, maximum: 100_000, description: 'Cap per rolling hour (parts)' }),
  perDay: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Cap per rolling day (parts)' }),
});

/** What the page may set on a simulated modem; everything else keeps the simulator's defaults. */
export const SimulatorSettingsSchema = Type.Object({
  personality: Type.Optional(Type.Unsafe<(typeof PERSONALITIES)[number]>({ type: 'string', enum: [...PERSONALITIES], description: 'Which real device it imitates' })),
  latency: Type.Optional(Type.Unsafe<'realistic' | 'zero'>({ type: 'string', enum: ['realistic', 'zero'], description: 'realistic: 2–4 s per part like a real network; zero: instant' })),
  signal: Type.Optional(Type.Integer({ minimum: 0, maximum: 31, description: '+CSQ rssi 0–31' })),
  identity: Type.Optional(
    Type.Object({
      imei: Type.Optional(Type.String({ pattern: '^\\d{14,17}$' })),
      imsi: Type.Optional(Type.String({ pattern: '^\\d{6,15}$' })),
      operator: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    }),
  ),
});
export type SimulatorSettingsDto = Static<typeof SimulatorSettingsSchema>;

/** The reason as a code the UI localizes (modems.reasons.<code>), with the values its text needs. */
export const ModemProblemSchema = Type.Object({
  code: Type.Unsafe<ModemReasonCode>({ type: 'string', enum: [...MODEM_REASON_CODES] }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
});

export const ModemLiveSchema = Type.Object({
  state: ModemStateSchema,
  reason: Nullable(Type.String({ description: 'Why it is not ready (out of service, refused …): the technical detail, in English' })),
  problem: Nullable(ModemProblemSchema),
  since: Type.Number(),
  connected: Type.Boolean({ description: 'The device answers on its port' }),
  registered: Type.Boolean({ description: 'Registered on the network (home or roaming)' }),
  registration: Nullable(Type.String()),
  signal: Nullable(Type.Object({ rssi: Type.Integer(), dbm: Nullable(Type.Integer()), bars: Type.Integer({ minimum: 0, maximum: 5 }) })),
  operator: Nullable(Type.String()),
  transport: Type.String(),
  vendor: Nullable(Type.String()),
  manufacturer: Nullable(Type.String()),
  model: Nullable(Type.String()),
  revision: Nullable(Type.String()),
  imei: Nullable(Type.String()),
  imsi: Nullable(Type.String()),
  smsc: Nullable(Type.String()),
  storage: Nullable(Type.Object({ name: Type.String(), used: Type.Integer(), total: Type.Integer() })),
  binding: BindingSchema,
  consecutiveFailures: Type.Integer(),
  lastError: Nullable(Type.String()),
  retryAt: Nullable(Type.Number({ description: 'When an out-of-service or refused modem is tried again (end of the cool-down)' })),
  usage: Type.Object({ lastHour: Type.Integer(), lastDay: Type.Integer() }, { description: 'Parts sent in the rolling hour / day (what the caps count)' }),
});

const CountSet = Type.Object({ sent: Type.Integer(), failed: Type.Integer(), received: Type.Integer(), reports: Type.Integer() });

export const ModemSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: ModemKindSchema,
  portPath: Nullable(Type.String()),
  baudRate: Type.Integer(),
  rtscts: Type.Boolean(),
  imeiBinding: Nullable(Type.String()),
  hasPin: Type.Boolean({ description: 'A SIM PIN is stored (encrypted); the PIN itself is never sent back' }),
  limits: LimitsSchema,
  simulator: Nullable(SimulatorSettingsSchema),
  enabled: Type.Boolean(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  status: Nullable(ModemLiveSchema),
  counts: Type.Object({ thisHour: CountSet, today: CountSet }, { description: 'From the hourly counters: the current hour and the store’s day so far' }),
});
export type ModemDto = Static<typeof ModemSchema>;
export type ModemLiveDto = Static<typeof ModemLiveSchema>;

export const ModemListResponse = Type.Object({
  items: Type.Array(ModemSchema),
  baudRates: Type.Array(Type.Integer(), { description: 'Rates a serial modem may use' }),
});

const Pin = Type.String({ pattern: '^\\d{4,8}$', description: 'SIM PIN, 4–8 digits; write-only, stored encrypted' });
const ImeiBinding = Nullable(Type.String({ pattern: '^\\d{14,17}$', description: 'IMEI this entry is bound to (终端绑定); another device on the port is refused' }));
const BaudRate = Type.Integer({ enum: [...SUPPORTED_BAUD_RATES] });

export const CreateModemBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  kind: ModemKindSchema,
  portPath: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  baudRate: Type.Optional(BaudRate),
  rtscts: Type.Optional(Type.Boolean()),
  imeiBinding: Type.Optional(ImeiBinding),
  pin: Type.Optional(Pin),
  limits: Type.Optional(Type.Partial(LimitsSchema)),
  simulator: Type.Optional(SimulatorSettingsSchema),
  enabled: Type.Optional(Type.Boolean()),
});
export type CreateModemBodyDto = Static<typeof CreateModemBody>;

export const UpdateModemBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  kind: Type.Optional(ModemKindSchema),
  portPath: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  baudRate: Type.Optional(BaudRate),
  rtscts: Type.Optional(Type.Boolean()),
  imeiBinding: Type.Optional(ImeiBinding),
  pin: Type.Optional(Nullable(Pin)),
  limits: Type.Optional(Type.Partial(LimitsSchema)),
  simulator: Type.Optional(SimulatorSettingsSchema),
  enabled: Type.Optional(Type.Boolean()),
});
export type UpdateModemBodyDto = Static<typeof UpdateModemBody>;

export const ProbeResultSchema = Type.Object({
  path: Type.String(),
  responding: Type.Boolean(),
  baudRate: Nullable(Type.Integer()),
  manufacturer: Nullable(Type.String()),
  model: Nullable(Type.String()),
  imei: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type ProbeResultDto = Static<typeof ProbeResultSchema>;

export const ProbeBody = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 255, description: 'Device path, e.g. /dev/ttyUSB2 or COM3' }),
  baudRate: Type.Optional(BaudRate),
});

export const PortsQuery = Type.Object({
  extra: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated paths the OS does not list (PTYs, /dev/serial/by-id/… links) to probe too' })),
  jobId: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,64}$',
      description: 'Progress is published as job.progress events with this id (kind modem.scan); closing the request cancels the scan',
    }),
  ),
});

export const DiscoveredPortSchema = Type.Object({
  path: Type.String(),
  manufacturer: Nullable(Type.String()),
  listed: Type.Boolean({ description: 'Listed by the OS (false: an extra path given)' }),
  usedBy: Nullable(Type.String({ description: 'Name of the running modem holding the port (not probed)' })),
  probe: Nullable(ProbeResultSchema),
});
export type DiscoveredPortDto = Static<typeof DiscoveredPortSchema>;

export const PortsResponse = Type.Object({ items: Type.Array(DiscoveredPortSchema), tookMs: Type.Integer() });

export const TestSendBody = Type.Object({
  to: Type.String({ minLength: 3, maxLength: 32, description: 'Mobile number' }),
  text: Type.String({ minLength: 1, maxLength: 1000 }),
});

export const PartResultSchema = Type.Object({
  partNumber: Type.Integer(),
  partCount: Type.Integer(),
  /** uncertain: the modem stopped answering mid-part; it may have gone out and is not sent again. */
  status: Type.Unsafe<'sent' | 'failed' | 'not-sent' | 'uncertain'>({ type: 'string', enum: ['sent', 'failed', 'not-sent', 'uncertain'] }),
  mr: Nullable(Type.Integer({ description: 'Message reference the status report will quote' })),
  attempts: Type.Integer(),
  at: Nullable(Type.Number()),
  error: Nullable(
    Type.Object({ code: Type.String(), message: Type.String(), retryable: Type.Boolean(), cmsCode: Nullable(Type.Integer()), scope: Type.String() }),
  ),
});

export const TestSendResponse = Type.Object({
  sendId: Type.String(),
  modemId: Type.String(),
  to: Type.String(),
  ok: Type.Boolean(),
  /** A part may have gone out without an MR: sending again may text the recipient twice. */
  uncertain: Type.Boolean(),
  retryable: Type.Boolean(),
  parts: Type.Array(PartResultSchema),
});
export type TestSendResultDto = Static<typeof TestSendResponse>;

export const SinceQuery = Type.Object({
  since: Type.Optional(EpochMs({ description: 'Epoch ms; default 24 hours ago' })),
});

export const HealthResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      at: Type.Number(),
      state: Type.String(),
      rssi: Nullable(Type.Integer()),
      dbm: Nullable(Type.Integer()),
      bars: Nullable(Type.Integer()),
      registration: Nullable(Type.String()),
      operator: Nullable(Type.String()),
      reason: Nullable(Type.String()),
    }),
  ),
});
export type HealthSampleDto = Static<typeof HealthResponse>['items'][number];

export const CountersResponse = Type.Object({
  items: Type.Array(Type.Object({ hourStart: Type.Number(), sent: Type.Integer(), failed: Type.Integer(), received: Type.Integer(), reports: Type.Integer() })),
});
export type CounterRowDto = Static<typeof CountersResponse>['items'][number];

export const SimulatorLogQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

export const SimulatorLogResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      at: Type.String({ description: 'ISO 8601 on the simulator’s clock' }),
      mr: Type.Integer(),
      recipient: Type.String(),
      text: Nullable(Type.String({ description: 'The decoded part text (null when the PDU cannot be decoded)' })),
      alphabet: Nullable(Type.String()),
      concat: Nullable(Type.Object({ ref: Type.Integer(), part: Type.Integer(), total: Type.Integer() })),
      statusReportRequested: Type.Boolean(),
      via: Type.String(),
      pdu: Type.String(),
    }),
  ),
  total: Type.Integer({ description: 'PDUs accepted since the simulator started (newest first in items)' }),
});
export type SimulatorLogEntryDto = Static<typeof SimulatorLogResponse>['items'][number];
