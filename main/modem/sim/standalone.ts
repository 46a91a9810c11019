import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { startControlServer, type ControlServer } from './control.js';
import type { ControlAddress } from './control-client.js';
import { SimulatedModem, type AcceptedPdu } from './modem.js';
import type { SimulatorOptions } from './options.js';
import { openPtyPair, type PtyPair } from './pty-pair.js';
import { serveOnPort, type PortService } from './serve.js';

export interface StandaloneOptions {
  /** The device path the driver opens, e.g. /tmp/storemas/ttySIM0. */
  link: string;
  modem?: SimulatorOptions;
  control?: ControlAddress;
  /** Append-only JSON-lines file of every accepted PDU. */
  logFile?: string;
  /** Emulated serial line rate (bits/s) for the bytes crossing the PTY; omitted: PTY speed. */
  lineRate?: number;
  /** Told about unplug/replug and socat dying (for the CLI's console). */
  onEvent?: (message: string) => void;
}

export interface StandaloneSimulator {
  readonly modem: SimulatedModem;
  readonly link: string;
  readonly control: ControlServer | undefined;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  stop(): Promise<void>;
}

/** The simulator's own end of the pair lives beside the link, hidden. */
export function internalEndFor(link: string): string {
  return path.join(path.dirname(link), `.${path.basename(link)}.sim`);
}

/**
 * A simulated modem on a PTY: socat makes the pair, the simulator answers on
 * one end through serialport, the driver opens the other end (`link`) as if it
 * were /dev/ttyUSB0. Unplug kills socat, so the device really vanishes;
 * replug makes a new pair at the same path.
 */
export async function startStandaloneSimulator(options: StandaloneOptions): Promise<StandaloneSimulator> {
  const link = path.resolve(options.link);
  const internal = internalEndFor(link);
  const modem = new SimulatedModem(options.modem);
  const tell = options.onEvent ?? (() => undefined);
  let pair: PtyPair | undefined;
  let service: PortService | undefined;
  let control: ControlServer | undefined;
  let writes: Promise<void> = Promise.resolve();

  if (options.logFile) {
    const file = path.resolve(options.logFile);
    modem.onAccepted((entry: AcceptedPdu) => {
      // One line per PDU, appended in order; a write failure is reported, not swallowed.
      writes = writes.then(() => appendFile(file, `${JSON.stringify(entry)}\n`)).catch((error: unknown) => tell(`cannot write ${file}: ${String(error)}`));
    });
  }

  const plugIn = async () => {
    pair = await openPtyPair(link, internal);
    service = await serveOnPort(internal, modem, options.lineRate ? { lineRate: options.lineRate } : {});
    pair.onExit(() => {
      tell(`socat exited; ${link} is gone (treated as unplugged)`);
      modem.unplug();
      void service?.close();
    });
  };

  let pulling = false;
  const unplug = async () => {
    pulling = true;
    try {
      modem.unplug();
      await pair?.close();
      await service?.close();
      pair = undefined;
      service = undefined;
    } finally {
      pulling = false;
    }
  };
  // The device dropped off by itself (the unplugAfterSend fault): the PTY goes with it, as a USB port would.
  modem.onPlug((plugged) => {
    if (!plugged && !pulling) void unplug().then(() => tell(`the device dropped off: ${link} removed`));
  });

  const replug = async () => {
    if (modem.plugged && pair && !pair.closed) return;
    await plugIn();
    modem.replug();
  };

  await plugIn();
  try {
    if (options.control) {
      control = await startControlServer(options.control, {
        modem,
        status: () => ({ ...modem.status(), link }),
        unplug: async () => {
          await unplug();
          tell(`unplugged: ${link} removed`);
        },
        replug: async () => {
          await replug();
          tell(`replugged at ${link}`);
        },
      });
    }
  } catch (error) {
    await unplug();
    modem.dispose();
    throw error;
  }

  return {
    modem,
    link,
    get control() {
      return control;
    },
    unplug,
    replug,
    async stop() {
      await control?.close();
      await unplug();
      await writes;
      modem.dispose();
    },
  };
}
