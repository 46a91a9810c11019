import { InvalidArgumentError, type Command } from 'commander';
import { SimulatorControl, describeControlAddress, parseControlAddress, type ControlAddress } from '../modem/sim/control-client.js';
import { SimulatorError } from '../modem/sim/errors.js';
import { type DeliveryOutcome, type Registration, type SimFaults, type SimState } from '../modem/sim/options.js';
import { isPersonalityName, PERSONALITY_NAMES } from '../modem/sim/personality.js';
import { startStandaloneSimulator } from '../modem/sim/standalone.js';
import { table, type CliOutput } from './output.js';

function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`use ${values.join(', ')}.`);
    return value as T;
  };
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`use a whole number from ${min} to ${max}.`);
    return n;
  };
}

function sendError(value: string, previous: Array<{ onSend: number; code: number }> = []) {
  const match = /^(\d+):(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('use k:code, e.g. 3:500 for +CMS ERROR: 500 on the third send.');
  return [...previous, { onSend: Number(match[1]), code: Number(match[2]) }];
}

/**
 * The subcommands share the parent's --control option (commander hands an option
 * given after the subcommand's name to the parent that declares it).
 */
function controlOf(command: Command): SimulatorControl {
  const options = command.optsWithGlobals<{ control?: string; controlPort?: number }>();
  if (options.controlPort) return new SimulatorControl({ port: options.controlPort, host: '127.0.0.1' });
  if (!options.control) throw new SimulatorError('MODEM_SIM_NO_CONTROL', 'Say which simulator to talk to with --control <socket path or port>.');
  return new SimulatorControl(options.control);
}

interface ServeOptions {
  link: string;
  imei?: string;
  imsi?: string;
  operator?: string;
  personality?: string;
  latency: 'realistic' | 'zero';
  control?: string;
  controlPort?: number;
  log?: string;
  pinRequired?: boolean;
  smSlots?: number;
  indexBase?: number;
  statusDelay?: number;
  outcome?: DeliveryOutcome;
  seed?: number;
  lineRate?: number;
}

interface FaultOptions {
  clear?: boolean;
  hang?: boolean;
  garbage?: boolean;
  sendError?: Array<{ onSend: number; code: number }>;
  unplugAfterSend?: number;
  sim?: SimState;
  registration?: Registration;
  storageFull?: boolean;
  noiseEvery?: number;
  interleave?: boolean;
  crOnly?: boolean;
  colonSpace?: boolean;
  promptSpace?: boolean;
  lengthWithSmsc?: boolean;
}

/** Turns the fault flags given on the command line into a change; flags not given stay as they are. */
function faultChange(options: FaultOptions): Partial<SimFaults> {
  const change: Partial<SimFaults> = {};
  if (options.hang !== undefined) change.hang = options.hang;
  if (options.garbage !== undefined) change.garbage = options.garbage;
  if (options.sendError !== undefined) change.sendErrors = options.sendError;
  if (options.unplugAfterSend !== undefined) change.unplugAfterSend = options.unplugAfterSend;
  if (options.sim !== undefined) change.sim = options.sim;
  if (options.registration !== undefined) change.registration = options.registration;
  if (options.storageFull !== undefined) change.storageFull = options.storageFull;
  if (options.noiseEvery !== undefined) change.noiseEveryMs = options.noiseEvery;
  if (options.interleave !== undefined) change.interleave = options.interleave;
  if (options.crOnly !== undefined) change.lineEnding = options.crOnly ? 'cr' : 'crlf';
  if (options.colonSpace !== undefined) change.colonSpace = options.colonSpace;
  if (options.promptSpace !== undefined) change.promptSpace = options.promptSpace;
  if (options.lengthWithSmsc !== undefined) change.lengthWithSmsc = options.lengthWithSmsc;
  return change;
}

function printFaults(out: CliOutput, faults: SimFaults): void {
  for (const line of table(Object.entries(faults).map(([key, value]) => [key, JSON.stringify(value)]))) out.out(line);
}

export function registerModemSimCommands(program: Command, out: CliOutput): void {
  const sim = program
    .command('modem-sim')
    .description('run a simulated GSM modem on a PTY (模拟短信猫) and control it')
    .option('--link <path>', 'device path to create for the driver, e.g. /tmp/storemas/ttySIM0')
    .option('--imei <imei>', 'IMEI the modem reports (15 digits)')
    .option('--imsi <imsi>', 'IMSI of the simulated SIM')
    .option('--operator <name>', 'operator name for AT+COPS?')
    .option('--personality <vendor>', `device to imitate: ${PERSONALITY_NAMES.join(', ')}`, (value) => {
      if (!isPersonalityName(value)) throw new InvalidArgumentError(`use ${PERSONALITY_NAMES.join(', ')}.`);
      return value;
    })
    .option('--latency <preset>', 'realistic (2–4 s per part) or zero', oneOf(['realistic', 'zero'] as const), 'realistic')
    .option('--control <path|port>', 'control channel: a Unix socket path, or a loopback port')
    .option('--control-port <port>', 'control channel on 127.0.0.1:<port>', wholeNumber(1, 65_535))
    .option('--log <file>', 'append every accepted PDU to this JSON-lines file')
    .option('--pin-required', 'the SIM asks for its PIN (1234) at power-on')
    .option('--sm-slots <n>', 'message slots on the SIM', wholeNumber(0, 1000))
    .option('--index-base <n>', 'first storage index: 1, or 0 as some devices number', wholeNumber(0, 1))
    .option('--status-delay <ms>', 'time from an accepted send to its status report', wholeNumber(0, 86_400_000))
    .option('--outcome <outcome>', 'status report outcome: delivered, pending or failed', oneOf(['delivered', 'pending', 'failed'] as const))
    .option('--seed <n>', 'seed of the random latencies', wholeNumber(0, 2 ** 31))
    .option('--line-rate <baud>', 'pace bytes as a serial line at this rate would, e.g. 115200 (a PTY has no speed)', wholeNumber(300, 4_000_000))
    .action(async (options: ServeOptions) => {
      if (!options.link) throw new SimulatorError('MODEM_SIM_NO_LINK', 'Say where the device should appear with --link <path>, e.g. --link /tmp/storemas/ttySIM0.');
      if (options.control && options.controlPort) throw new SimulatorError('MODEM_SIM_BAD_CONTROL', 'Give either --control or --control-port, not both.');
      const control: ControlAddress | undefined = options.controlPort ? { port: options.controlPort, host: '127.0.0.1' } : options.control ? parseControlAddress(options.control) : undefined;
      const simulator = await startStandaloneSimulator({
        link: options.link,
        modem: {
          ...(options.personality && isPersonalityName(options.personality) ? { personality: options.personality } : {}),
          identity: {
            ...(options.imei ? { imei: options.imei } : {}),
            ...(options.imsi ? { imsi: options.imsi } : {}),
            ...(options.operator ? { operator: options.operator } : {}),
          },
          latency: options.latency,
          pinRequired: options.pinRequired ?? false,
          storage: { ...(options.smSlots !== undefined ? { sm: options.smSlots } : {}), ...(options.indexBase !== undefined ? { indexBase: options.indexBase as 0 | 1 } : {}) },
          statusReports: { ...(options.statusDelay !== undefined ? { delayMs: [options.statusDelay, options.statusDelay] } : {}), ...(options.outcome ? { outcome: options.outcome } : {}) },
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
        },
        ...(control ? { control } : {}),
        ...(options.log ? { logFile: options.log } : {}),
        ...(options.lineRate ? { lineRate: options.lineRate } : {}),
        onEvent: (message) => out.err(`modem-sim: ${message}`),
      });
      const { identity, personality } = simulator.modem.status();
      out.out(`SIMULATED modem ${simulator.modem.name} (${personality}, IMEI ${identity.imei}) on ${simulator.link}`);
      out.out(`control: ${simulator.control ? describeControlAddress(simulator.control.address) : 'none'}; accepted PDUs: ${options.log ?? 'not logged'}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await simulator.stop();
      out.out('simulator stopped');
    });

  sim
    .command('inject')
    .description('deliver an inbound message to a running simulator (long texts arrive in parts)')
    .requiredOption('--from <number>', 'sender, e.g. +8613912345678')
    .requiredOption('--text <text>', 'message text')
    .option('--at <time>', 'service-centre time stamp (ISO 8601); default now')
    .option('--parts <list>', 'only these parts of a long text, in this order, e.g. 2,1 (a part left out never arrives)', (value) => {
      if (!/^\d+(,\d+)*$/.test(value)) throw new InvalidArgumentError('use part numbers separated by commas, e.g. 2,1.');
      return value.split(',').map(Number);
    })
    .action(async (options: { from: string; text: string; at?: string; parts?: number[] }, command: Command) => {
      const result = await controlOf(command).inject({
        from: options.from,
        text: options.text,
        ...(options.at ? { at: options.at } : {}),
        ...(options.parts ? { parts: options.parts } : {}),
      });
      out.out(`delivered ${result.pdus.length} part(s) from ${options.from}`);
    });

  sim
    .command('fault')
    .description('switch faults of a running simulator on or off (flags not given stay as they are)')
    .option('--clear', 'clear all faults first')
    .option('--hang', 'stop answering (no echo, no reply)')
    .option('--no-hang', 'answer again')
    .option('--garbage', 'random bytes before every reply')
    .option('--no-garbage', 'no garbage')
    .option('--send-error <k:code>', '+CMS ERROR <code> on the k-th send from now (repeatable)', sendError)
    .option('--unplug-after-send <k>', 'pull the cable right after the network accepted the k-th send from now, before the reply (0 = off)', wholeNumber(0, 1_000_000))
    .option('--sim <state>', 'ready, pin-required or missing', oneOf(['ready', 'pin-required', 'missing'] as const))
    .option('--registration <state>', 'home, roaming, searching, denied or none', oneOf(['home', 'roaming', 'searching', 'denied', 'none'] as const))
    .option('--storage-full', 'storage reports itself full')
    .option('--no-storage-full', 'storage works again')
    .option('--noise-every <ms>', 'vendor noise every <ms> (0 = off)', wholeNumber(0, 3_600_000))
    .option('--interleave', 'put unsolicited codes in the middle of replies')
    .option('--no-interleave', 'unsolicited codes between replies only')
    .option('--cr-only', 'end lines with a bare CR')
    .option('--no-cr-only', 'end lines with CR LF')
    .option('--colon-space', 'a space after the colon (+CDS: 25)')
    .option('--no-colon-space', 'no space after the colon (+CDS:25)')
    .option('--prompt-space', 'the send prompt is "> "')
    .option('--no-prompt-space', 'the send prompt is a bare ">"')
    .option('--length-with-smsc', 'listed <length> counts the SMSC octets too')
    .option('--no-length-with-smsc', 'listed <length> is the TPDU length')
    .action(async (options: FaultOptions, command: Command) => {
      const control = controlOf(command);
      if (options.clear) await control.clearFaults();
      const change = faultChange(options);
      printFaults(out, Object.keys(change).length > 0 || !options.clear ? await control.setFaults(change) : await control.faults());
    });

  for (const [name, description] of [
    ['unplug', 'pull the cable: the PTY disappears'],
    ['replug', 'plug it back in: the PTY reappears at the same path'],
  ] as const) {
    sim
      .command(name)
      .description(description)
        .action(async (_options: unknown, command: Command) => {
        const control = controlOf(command);
        const result = name === 'unplug' ? await control.unplug() : await control.replug();
        out.out(result.plugged ? 'plugged in' : 'unplugged');
      });
  }

  sim
    .command('status')
    .description('state of a running simulator: identity, SIM, registration, storage, faults')
    .action(async (_options: unknown, command: Command) => {
      const s = await controlOf(command).status();
      const storage = Object.entries(s.storage).map(([memory, u]) => `${memory} ${u.used}/${u.total}`).join(', ');
      for (const line of table([
        ['link', s.link],
        ['device', `${s.identity.manufacturer} ${s.identity.model} (${s.personality})`],
        ['IMEI / IMSI', `${s.identity.imei} / ${s.identity.imsi}`],
        ['plugged', s.plugged ? 'yes' : 'no'],
        ['SIM', s.sim],
        ['registration', String(s.registration)],
        ['storage', storage],
        ['CNMI', s.cnmi.join(',')],
        ['accepted PDUs', String(s.accepted)],
        ['waiting in network', String(s.waitingInNetwork)],
      ])) out.out(line);
    });

  sim
    .command('log')
    .description('PDUs the simulator accepted, oldest first')
    .option('--json', 'one JSON object per line')
    .action(async (options: { json?: boolean }, command: Command) => {
      const log = await controlOf(command).log();
      if (options.json) for (const entry of log) out.out(JSON.stringify(entry));
      else for (const line of table([['#', 'AT', 'MR', 'TO', 'PDU'], ...log.map((e) => [String(e.seq), e.at, String(e.mr), e.recipient, e.pdu])])) out.out(line);
    });
}
