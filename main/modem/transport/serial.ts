import { writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { ModemError } from '../errors.js';
import type { ByteTransport } from './types.js';

/**
 * The real device: a serial port (USB dongle, RS-232 modem, or a PTY made by
 * socat). Options are checked when the transport is made, so a bad setting
 * fails at once and names itself, not later inside the port library.
 */
export const SUPPORTED_BAUD_RATES = [115200, 9600, 19200, 38400, 57600, 460800, 230400, 4800, 921600] as const;
/** The order baud rates are tried when detecting: the common ones first. */
export const DETECT_BAUD_RATES = [115200, 9600, 19200, 38400, 57600, 460800] as const;

export interface SerialOptions {
  path: string;
  baudRate?: number;
  /** Hardware flow control (RTS/CTS): needed by some RS-232 modems (Wavecom Fastrack), harmful on a 3-wire cable. */
  rtscts?: boolean;
}

export class SerialOptionError extends ModemError {
  constructor(option: string, message: string) {
    super('MODEM_BAD_SERIAL_OPTION', `Serial option "${option}": ${message}`, { status: 400, details: { option } });
  }
}

export function validateSerialOptions(options: SerialOptions): Required<SerialOptions> {
  if (typeof options !== 'object' || options === null) throw new SerialOptionError('path', 'the serial port settings are missing.');
  if (typeof options.path !== 'string' || options.path.trim() === '') {
    throw new SerialOptionError('path', 'give the device path, e.g. /dev/ttyUSB0 or COM3.');
  }
  const baudRate = options.baudRate ?? 115200;
  if (!Number.isInteger(baudRate) || !(SUPPORTED_BAUD_RATES as readonly number[]).includes(baudRate)) {
    throw new SerialOptionError('baudRate', `${String(baudRate)} is not a supported rate; use one of ${SUPPORTED_BAUD_RATES.join(', ')}.`);
  }
  if (options.rtscts !== undefined && typeof options.rtscts !== 'boolean') {
    throw new SerialOptionError('rtscts', 'must be true or false.');
  }
  return { path: options.path.trim(), baudRate, rtscts: options.rtscts ?? false };
}

export class SerialTransport implements ByteTransport {
  private port: SerialPort | undefined;
  private readonly options: Required<SerialOptions>;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();

  constructor(options: SerialOptions) {
    this.options = validateSerialOptions(options);
  }

  get description(): string {
    return `${this.options.path} @${this.options.baudRate}${this.options.rtscts ? ' rtscts' : ''}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, rtscts: this.options.rtscts, autoOpen: false });
    await new Promise<void>((resolve, reject) => {
      port.open((error) => {
        if (error) reject(new ModemError('MODEM_PORT_OPEN_FAILED', `Cannot open ${this.options.path}: ${error.message}. Check the device is plugged in and not used by another program.`, { retryable: true }));
        else resolve();
      });
    });
    port.on('data', (chunk: Buffer) => {
      for (const listener of [...this.dataListeners]) listener(chunk);
    });
    port.on('close', (error?: Error | null) => {
      if (this.port === port) this.port = undefined;
      for (const listener of [...this.closeListeners]) listener(error ?? undefined);
    });
    // Errors after opening show as a close with its error; without a listener Node would throw.
    port.on('error', () => undefined);
    this.port = port;
  }

  async write(data: Buffer | string): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) throw new ModemError('MODEM_PORT_CLOSED', `The port ${this.options.path} is not open.`, { retryable: true });
    await writeToPort(port, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (error?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}

/**
 * Writes to an open serial port, resolved once the OS has the bytes. When nothing is queued
 * in the stream the bytes go straight to the descriptor (opened O_NONBLOCK by serialport):
 * serialport's own write runs fs.write on the thread pool, a round trip per AT command and
 * per PDU that the CMGS exchange waits on twice. A full buffer (EAGAIN) or a partial write
 * leaves the rest to the stream, which queues it in order. On Windows the binding's `fd` is a
 * handle, not a descriptor: the stream only.
 */
export async function writeToPort(port: SerialPort, buffer: Buffer): Promise<void> {
  let rest = buffer;
  const fd = process.platform === 'win32' ? undefined : (port.port as { fd?: unknown } | undefined)?.fd;
  if (typeof fd === 'number' && port.writableLength === 0) {
    try {
      const written = writeSync(fd, buffer);
      if (written === buffer.length) return;
      rest = buffer.subarray(written);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
    }
  }
  await new Promise<void>((resolve, reject) => {
    port.write(rest, (error) => (error ? reject(error) : resolve()));
  });
}
