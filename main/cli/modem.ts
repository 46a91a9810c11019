import { stat } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { databasePath } from '../db/connection.js';
import { ModemError, openModemOnPort, SUPPORTED_BAUD_RATES, DETECT_BAUD_RATES, type SendLimits, type SendResult } from '../modem/index.js';
import { parseCops, parseCpin, parseCpmsUse, parseCreg, parseCsca, parseCsq, parseImei, parseImsi, parseInfoText } from '../modem/at/parsers.js';
import { AtSession } from '../modem/at/session.js';
import { encodeSubmit, PduError } from '../modem/pdu/index.js';
import { listPorts, probePort, type ProbeResult } from '../modem/transport/discovery.js';
import { SerialTransport } from '../modem/transport/serial.js';
import { configFrom, withCore } from './common.js';
import { table, type CliOutput } from './output.js';
import { normalizeMobile } from '../messaging/numbers.js';

/**
 * `storemas modem list | probe | send`: one port at a time, straight from the
 * command line with no service running (a port the service holds is locked and
 * says so). Probing only asks (AT, identity, signal, registration, storage);
 * beyond echo off and numeric errors, as the service sets them too, it changes
 * nothing on the modem (no storage, indication or PIN settings).
 */

function baudRate(value: string): number {
  const n = Number(value);
  if (!(SUPPORTED_BAUD_RATES as readonly number[]).includes(n)) throw new InvalidArgumentError(`use one of ${SUPPORTED_BAUD_RATES.join(', ')}.`);
  return n;
}

function probeTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 50 || n > 60_000) throw new InvalidArgumentError('use milliseconds from 50 to 60000.');
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Every modem report a probe can give; null where the modem did not say. */
interface ModemReport {
  port: string;
  baudRate: number;
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
  imei: string | null;
  imsi: string | null;
  /** SIM state from AT+CPIN?: ready, sim-pin, sim-puk …, 'missing' (+CME ERROR 10), 'busy' (13/14), or 'unknown'. */
  sim: string;
  signal: { rssi: number; ber: number; dbm: number | null; bars: number } | null;
  registration: { state: string; registered: boolean; lac: string | null; cellId: string | null } | null;
  operator: string | null;
  storage: Array<{ storage: string | null; used: number; total: number }> | null;
  smsc: string | null;
}

/** Fails early and plainly when the device file is not there (unplugged, typo), instead of timing out. */
async function assertPortExists(path: string): Promise<void> {
  if (!path.startsWith('/')) return; // COM3 and the like have no file to look at.
  try {
    await stat(path);
  } catch {
    throw new ModemError('MODEM_PORT_MISSING', `There is no device at ${path}: check the cable or USB dongle, or see the ports with "storemas modem list".`, { status: 404 });
  }
}

/** The baud rate the modem answers AT at (the given one, or detected); throws a clear error when nothing answers. */
async function answeringBaud(path: string, baud: number | undefined): Promise<number> {
  await assertPortExists(path);
  const rates = baud ? [baud] : [...DETECT_BAUD_RATES];
  const probe = await probePort(path, { baudRates: rates });
  if (probe.responding && probe.baudRate !== null) return probe.baudRate;
  if (probe.error?.startsWith('Cannot open')) throw new ModemError('MODEM_PORT_OPEN_FAILED', probe.error);
  throw new ModemError(
    'MODEM_NO_ANSWER',
    `No modem answers AT on ${path} at ${rates.join(', ')} baud. Check the port and the baud rate, and that the modem is powered.`,
  );
}

/** Asks the modem what it is and how it is doing, with the pure reply parsers; sets only echo off and numeric errors. */
async function readModemReport(path: string, baud: number): Promise<ModemReport> {
  const transport = new SerialTransport({ path, baudRate: baud });
  await transport.open();
  const session = new AtSession(transport, { defaultTimeoutMs: 3_000 });
  const ask = async (command: string) => {
    try {
      return await session.execute(command);
    } catch {
      return null;
    }
  };
  const lines = async (command: string) => {
    const reply = await ask(command);
    return reply?.ok ? reply.lines : [];
  };
  try {
    await ask('AT');
    await ask('ATE0');
    await ask('AT+CMEE=1');
    const cpin = await ask('AT+CPIN?');
    const pin = cpin?.ok ? parseCpin(cpin.lines) : null;
    const cme = cpin?.final.kind === 'cme' ? cpin.final.code : null;
    const sim = pin ? pin.state : cme === 10 ? 'missing' : cme === 13 || cme === 14 ? 'busy' : 'unknown';
    const signal = parseCsq(await lines('AT+CSQ'));
    const registration = parseCreg(await lines('AT+CREG?'));
    return {
      port: path,
      baudRate: baud,
      manufacturer: parseInfoText(await lines('AT+CGMI'), '+CGMI'),
      model: parseInfoText(await lines('AT+CGMM'), '+CGMM'),
      revision: parseInfoText(await lines('AT+CGMR'), '+CGMR'),
      imei: parseImei(await lines('AT+CGSN')),
      imsi: parseImsi(await lines('AT+CIMI')),
      sim,
      signal: signal && { rssi: signal.rssi, ber: signal.ber, dbm: signal.dbm, bars: signal.bars },
      registration: registration && { state: registration.state, registered: registration.registered, lac: registration.lac, cellId: registration.cellId },
      operator: parseCops(await lines('AT+COPS?'))?.name ?? null,
      storage: parseCpmsUse(await lines('AT+CPMS?')),
      smsc: parseCsca(await lines('AT+CSCA?'))?.address ?? null,
    };
  } finally {
    session.detach();
    await transport.close().catch(() => undefined);
  }
}

const SIM_WORDS: Record<string, string> = {
  ready: 'ready',
  'sim-pin': 'PIN required',
  'sim-puk': 'PUK required (locked)',
  'ph-sim-pin': 'phone-to-SIM PIN required',
  'sim-pin2': 'PIN2 required',
  'sim-puk2': 'PUK2 required',
  missing: 'no SIM inserted',
  busy: 'SIM busy',
};

function reportRows(report: ModemReport): string[][] {
  const or = (value: string | null) => value ?? '-';
  const signal = report.signal
    ? report.signal.dbm === null
      ? `unknown (CSQ ${report.signal.rssi})`
      : `${report.signal.dbm} dBm, ${report.signal.bars}/5 bars (CSQ ${report.signal.rssi})`
    : '-';
  const registration = report.registration
    ? `${report.registration.state}${report.registration.registered ? '' : ' (cannot send)'}${report.registration.lac ? `, LAC ${report.registration.lac} cell ${report.registration.cellId ?? '-'}` : ''}`
    : '-';
  const storage = report.storage?.map((s, i) => `${s.storage ?? ['read', 'write', 'receive'][i]} ${s.used}/${s.total}`).join(', ') ?? '-';
  return [
    ['port', `${report.port} @${report.baudRate}`],
    ['manufacturer', or(report.manufacturer)],
    ['model', or(report.model)],
    ['revision', or(report.revision)],
    ['IMEI', or(report.imei)],
    ['IMSI', or(report.imsi)],
    ['SIM', SIM_WORDS[report.sim] ?? report.sim],
    ['signal', signal],
    ['registration', registration],
    ['operator', or(report.operator)],
    ['storage (used/total)', storage],
    ['SMSC', or(report.smsc)],
  ];
}

function describeProbe(probe: ProbeResult): string {
  if (probe.responding) return `yes @${probe.baudRate}`;
  // An open failure says why (missing, locked by the service, no permission); otherwise it simply did not answer.
  return probe.error?.startsWith('Cannot open') ? `no: ${probe.error}` : 'no answer';
}

function printSendResult(out: CliOutput, result: SendResult): void {
  const rows = result.parts.map((p) => [
    `${p.partNumber}/${p.partCount}`,
    p.status === 'uncertain' ? 'may have been sent — not retried' : p.status,
    p.mr === null ? '-' : String(p.mr),
    String(p.attempts),
    p.error ? `${p.error.message} [${p.error.retryable ? 'retryable' : 'permanent'}, ${p.error.scope}]` : '',
  ]);
  for (const line of table([['PART', 'STATUS', 'MR', 'TRIES', 'ERROR'], ...rows])) out.out(line);
}

/**
 * Runs a send on `port` with the budget of the modem configured there in this data
 * directory (when it has a database), and counts the parts sent for that modem.
 */
async function withConfiguredPort(
  command: Command,
  port: string,
  send: (budget: { limits: SendLimits; history: number[] } | null) => Promise<SendResult>,
): Promise<SendResult> {
  const config = configFrom(command);
  const hasDatabase = await stat(databasePath(config.dataDir)).then(() => true, () => false);
  if (!hasDatabase) return send(null);
  return withCore(command, async (core) => {
    const budget = await core.services.modems.portSendBudget(port);
    const result = await send(budget);
    const sentParts = result.parts.filter((part) => part.status === 'sent').length;
    if (budget && sentParts > 0) await core.services.modems.countSentOutsideService(budget.modemId, core.services.clock.now(), sentParts);
    return result;
  });
}

export function registerModemCommands(program: Command, out: CliOutput): void {
  const modem = program.command('modem').description('find, probe and test GSM modems on serial ports (短信猫)');

  modem
    .command('list')
    .description('serial ports the system lists (plus --port paths such as PTYs), probed with AT on --probe')
    .option('--port <path>', 'also look at this path (PTYs and /dev/serial/by-id links are not listed); repeatable', collect)
    .option('--probe', 'ask each port with AT: answers, baud rate, manufacturer, model, IMEI')
    .option('--baud <rate>', 'probe at this rate only (default: try the common rates)', baudRate)
    .option('--timeout <ms>', 'how long each AT try waits for an answer', probeTimeout, 1_000)
    .option('--json', 'print JSON')
    .action(async (options: { port?: string[]; probe?: boolean; baud?: number; timeout: number; json?: boolean }) => {
      const ports = await listPorts(options.port ?? []);
      // One port after the other: probing two ports of one dongle at once confuses some firmware.
      const found: Array<(typeof ports)[number] & { probe?: ProbeResult }> = [];
      for (const port of ports) {
        found.push(options.probe ? { ...port, probe: await probePort(port.path, { timeoutMs: options.timeout, ...(options.baud ? { baudRates: [options.baud] } : {}) }) } : port);
      }
      if (options.json) {
        out.out(JSON.stringify(found, null, 2));
        return;
      }
      if (found.length === 0) {
        out.out('No serial ports found. A PTY (e.g. the modem simulator) is not listed: give it with --port <path>.');
        return;
      }
      const header = ['PORT', 'FOUND BY', 'USB ID', 'MANUFACTURER'];
      if (options.probe) header.push('ANSWERS AT', 'MODEM', 'IMEI');
      const rows = found.map((p) => {
        const row = [p.path, p.listed ? 'system' : '--port', p.vendorId ? `${p.vendorId}:${p.productId ?? '?'}` : '-', p.manufacturer ?? '-'];
        if (p.probe) row.push(describeProbe(p.probe), [p.probe.manufacturer, p.probe.model].filter(Boolean).join(' ') || '-', p.probe.imei ?? '-');
        return row;
      });
      for (const line of table([header, ...rows])) out.out(line);
    });

  modem
    .command('probe')
    .description('identity, SIM, signal, registration, operator and storage of the modem on one port')
    .requiredOption('--port <path>', 'serial port, e.g. /dev/ttyUSB0')
    .option('--baud <rate>', 'baud rate (default: detected)', baudRate)
    .option('--json', 'print JSON')
    .action(async (options: { port: string; baud?: number; json?: boolean }) => {
      const report = await readModemReport(options.port, await answeringBaud(options.port, options.baud));
      if (options.json) out.out(JSON.stringify(report, null, 2));
      else for (const line of table(reportRows(report))) out.out(line);
    });

  modem
    .command('send')
    .description('send one message now on the modem at --port, part by part, and print each part\'s message reference (MR)')
    .requiredOption('--port <path>', 'serial port, e.g. /dev/ttyUSB0')
    .requiredOption('--to <number>', 'recipient, e.g. 13800138000 or +8613800138000')
    .requiredOption('--text <text>', 'message text (long texts go in several parts)')
    .option('--baud <rate>', 'baud rate (default: detected)', baudRate)
    // From the environment the PIN stays out of the process list and the shell history.
    .addOption(new Option('--pin <pin>', 'SIM PIN, when the SIM asks for one (better: set STOREMAS_MODEM_PIN)').env('STOREMAS_MODEM_PIN'))
    .option('--json', 'print JSON')
    .action(async function (this: Command, options: { port: string; to: string; text: string; baud?: number; pin?: string; json?: boolean }) {
      // A number or message that cannot be sent is refused before any port is touched.
      options.to = normalizeMobile(options.to);
      try {
        encodeSubmit({ to: options.to, text: options.text, concatReference: 0 });
      } catch (error) {
        if (error instanceof PduError) throw new ModemError('MODEM_BAD_MESSAGE', `The message cannot be sent: ${error.message}`, { status: 400 });
        throw error;
      }
      const baud = await answeringBaud(options.port, options.baud);
      const { sim } = await readModemReport(options.port, baud);
      if (sim === 'sim-pin' && !options.pin) {
        throw new ModemError('MODEM_PIN_REQUIRED', `The SIM in the modem on ${options.port} asks for its PIN: set STOREMAS_MODEM_PIN=<pin> (or give --pin <pin>).`, { status: 400 });
      }
      if (sim !== 'ready' && sim !== 'sim-pin') {
        throw new ModemError('MODEM_SIM_NOT_READY', `The modem on ${options.port} cannot send: SIM ${SIM_WORDS[sim] ?? sim}. See "storemas modem probe --port ${options.port}".`);
      }
      // The caps of the modem configured on this port hold here too: its recent sends count,
      // and these parts are counted for it (a stopped service cannot be used to send around them).
      const result = await withConfiguredPort(this, options.port, async (budget) => {
        const { modem: device, close } = await openModemOnPort({
          path: options.port,
          baudRate: baud,
          pin: options.pin ?? null,
          ...(budget ? { limits: budget.limits, sendHistory: budget.history } : {}),
        });
        try {
          return await device.send({ to: options.to, text: options.text });
        } finally {
          await close();
        }
      });
      if (options.json) out.out(JSON.stringify({ port: options.port, baudRate: baud, ...result }, null, 2));
      else {
        out.out(`${result.ok ? 'Sent' : 'Not sent'}: ${result.parts.length} part(s) to ${options.to} via ${options.port} @${baud}`);
        printSendResult(out, result);
      }
      if (result.uncertain) {
        const part = result.parts.find((p) => p.status === 'uncertain')!;
        throw new ModemError(
          'MODEM_SEND_UNCERTAIN',
          `Part ${part.partNumber}/${part.partCount} may have been sent — not retried: ${part.error?.message ?? 'the modem did not answer'} Ask the recipient before sending it again.`,
        );
      }
      if (!result.ok) {
        const failed = result.parts.find((p) => p.status === 'failed');
        const sent = result.parts.filter((p) => p.status === 'sent').length;
        throw new ModemError(
          failed?.error?.retryable === false ? 'MODEM_SEND_REJECTED' : 'MODEM_SEND_FAILED',
          `${sent} of ${result.parts.length} part(s) sent; ${failed?.error?.message ?? 'a part was not sent'}${failed?.error?.retryable === false ? ' Sending it again will fail the same way.' : ' Try again later.'}`,
        );
      }
    });
}
