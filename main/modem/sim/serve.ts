import { SerialPort } from 'serialport';
import { writeToPort } from '../transport/serial.js';
import { SimulatorError } from './errors.js';
import { LinePacer } from './line-pacer.js';
import type { SimulatedModem } from './modem.js';

/** A simulated modem answering on a serial device (the simulator's end of a PTY pair). */
export interface PortService {
  readonly path: string;
  /** Resolves when the port closed, whoever closed it. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions {
  baudRate?: number;
  /** Move bytes both ways no faster than a serial line at this rate would (a PTY has no speed of its own). */
  lineRate?: number;
}

/**
 * Serves the modem on a serial device through `serialport`, so the bytes the
 * driver exchanges cross a real tty: buffering and hang-ups included, and the
 * line's speed when `lineRate` is given.
 */
export async function serveOnPort(path: string, modem: SimulatedModem, { baudRate = 115_200, lineRate }: ServeOptions = {}): Promise<PortService> {
  if (lineRate !== undefined && (!Number.isInteger(lineRate) || lineRate < 300 || lineRate > 4_000_000)) {
    throw new SimulatorError('MODEM_SIM_BAD_OPTION', `Simulator option "lineRate": ${lineRate} is not a serial line rate; use e.g. 9600 or 115200.`);
  }
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) =>
      error ? reject(new SimulatorError('MODEM_SIM_PORT_FAILED', `The simulator could not open ${path}: ${error.message}`, 500)) : resolve(),
    ),
  );
  // Straight to the descriptor like the driver's writes: a zero-latency modem answers at once.
  const toHost = (chunk: Buffer) => {
    if (port.isOpen) writeToPort(port, chunk).catch(() => undefined);
  };
  const toModem = (chunk: Buffer) => modem.receive(chunk);
  const outbound = lineRate ? new LinePacer(lineRate, toHost) : undefined;
  const inbound = lineRate ? new LinePacer(lineRate, toModem) : undefined;
  const offOutput = modem.onOutput((chunk) => (outbound ? outbound.push(chunk) : toHost(chunk)));
  port.on('data', (data: Buffer) => (inbound ? inbound.push(data) : toModem(data)));
  // A hang-up of the other side shows up as an error on the read; the close that follows ends the service.
  port.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => port.once('close', () => resolve()));
  void closed.then(() => {
    offOutput();
    outbound?.stop();
    inbound?.stop();
  });
  return {
    path,
    closed,
    async close() {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await closed;
    },
  };
}
