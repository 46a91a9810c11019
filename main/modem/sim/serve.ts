import { SerialPort } from 'serialport';
import { SimulatorError } from './errors.js';
import type { SimulatedModem } from './modem.js';

/** A simulated modem answering on a serial device (the simulator's end of a PTY pair). */
export interface PortService {
  readonly path: string;
  /** Resolves when the port closed, whoever closed it. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the modem on a serial device through `serialport`, so the bytes the
 * driver exchanges cross a real tty: baud, buffering and hang-ups included.
 */
export async function serveOnPort(path: string, modem: SimulatedModem, { baudRate = 115_200 }: { baudRate?: number } = {}): Promise<PortService> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((error) =>
      error ? reject(new SimulatorError('MODEM_SIM_PORT_FAILED', `The simulator could not open ${path}: ${error.message}`, 500)) : resolve(),
    ),
  );
  const offOutput = modem.onOutput((chunk) => {
    if (port.isOpen) port.write(chunk);
  });
  port.on('data', (data: Buffer) => modem.receive(data));
  // A hang-up of the other side shows up as an error on the read; the close that follows ends the service.
  port.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => port.once('close', () => resolve()));
  void closed.then(offOutput);
  return {
    path,
    closed,
    async close() {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await closed;
    },
  };
}
