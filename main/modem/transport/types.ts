/**
 * The byte plug between the AT driver and a device. Two implementations: the
 * serial port (`serialport`) and the in-process modem simulator. Everything
 * above this interface (AT session, modem, pool) is the same for both.
 */
export interface ByteTransport {
  open(): Promise<void>;
  write(data: Buffer | string): Promise<void>;
  close(): Promise<void>;
  /** Bytes as they arrive, in order; returns the unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** The device vanished (error given) or was closed; returns the unsubscribe function. */
  onClose(listener: (error?: Error) => void): () => void;
  readonly isOpen: boolean;
  /** For people: e.g. '/dev/ttyUSB0 @115200' or 'simulator sim-1'. */
  readonly description: string;
}
