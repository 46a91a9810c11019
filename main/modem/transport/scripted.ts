import type { ByteTransport } from './types.js';

/**
 * A scripted fake modem for unit tests, in the manner of serialport's
 * MockBinding: rules answer written commands, `emitData` injects bytes at any
 * time (unsolicited codes, garbage), `writes`/`lastWrite` show what was sent,
 * `unplug()` closes the port as a pulled USB dongle does.
 */
type Reply = string | ((written: string) => string | undefined);

interface Rule {
  match: RegExp;
  reply: Reply;
  times: number;
}

export class ScriptedTransport implements ByteTransport {
  readonly writes: string[] = [];
  private rules: Rule[] = [];
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(error?: Error) => void>();
  private open_ = false;
  /** When false, open() fails (the device is absent). */
  present = true;
  opens = 0;

  constructor(readonly description = 'scripted modem') {}

  get isOpen(): boolean {
    return this.open_;
  }

  get lastWrite(): string | undefined {
    return this.writes[this.writes.length - 1];
  }

  /** Answers writes matching `match` with `reply` (prepended rules win); `times` limits how often. */
  on(match: RegExp | string, reply: Reply, times = Infinity): this {
    const regex = typeof match === 'string' ? new RegExp(`^${match.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'i') : match;
    this.rules.unshift({ match: regex, reply, times });
    return this;
  }

  clearRules(): void {
    this.rules = [];
  }

  async open(): Promise<void> {
    if (!this.present) throw new Error(`${this.description}: no such device`);
    this.open_ = true;
    this.opens += 1;
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    for (const listener of [...this.closeListeners]) listener();
  }

  unplug(): void {
    if (!this.open_) return;
    this.open_ = false;
    this.present = false;
    const error = new Error('device disconnected');
    for (const listener of [...this.closeListeners]) listener(error);
  }

  async write(data: Buffer | string): Promise<void> {
    if (!this.open_) throw new Error(`${this.description} is not open`);
    const text = typeof data === 'string' ? data : data.toString('latin1');
    this.writes.push(text);
    const rule = this.rules.find((r) => r.times > 0 && r.match.test(text));
    if (!rule) return;
    rule.times -= 1;
    const reply = typeof rule.reply === 'function' ? rule.reply(text) : rule.reply;
    if (reply !== undefined) setImmediate(() => this.emitData(reply));
  }

  emitData(data: string | Buffer): void {
    if (!this.open_) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (const listener of [...this.dataListeners]) listener(chunk);
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
