import type { SimulatedModem } from '../../main/modem/sim/modem.js';

const FINAL = /(?:^|[\r\n])(OK|ERROR|\+CM[ES] ERROR: ?[^\r\n]*|COMMAND NOT SUPPORT)(\r\n|\r)|> ?$/;

/**
 * Talks to a simulated modem in-process as a terminal would: write a command,
 * collect bytes until a final result (or the "> " prompt) arrives.
 */
export class SimConversation {
  private buffer = '';
  private readonly off: () => void;

  constructor(readonly modem: SimulatedModem) {
    this.off = modem.onOutput((chunk) => (this.buffer += chunk.toString('latin1')));
  }

  /** Everything received since the last call. */
  take(): string {
    const out = this.buffer;
    this.buffer = '';
    return out;
  }

  /**
   * Sends raw bytes and waits until a final result (or the "> " prompt) arrives; returns the
   * bytes up to the end of it and keeps what followed (unsolicited codes) for the next read.
   */
  async send(bytes: string, { timeoutMs = 2000, until = FINAL }: { timeoutMs?: number; until?: RegExp } = {}): Promise<string> {
    this.take();
    this.modem.receive(bytes);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = until.exec(this.buffer);
      if (match) {
        const end = match.index + match[0].length;
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return out;
      }
      if (Date.now() > deadline) throw new Error(`no final result after ${JSON.stringify(bytes)}; got ${JSON.stringify(this.buffer)}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** One command line (the \r is added). */
  at(command: string): Promise<string> {
    return this.send(`${command}\r`);
  }

  /** Waits until the unsolicited output matches, without sending anything. */
  async waitFor(pattern: RegExp, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.buffer)) {
      if (Date.now() > deadline) throw new Error(`waited for ${pattern}; got ${JSON.stringify(this.buffer)}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return this.take();
  }

  /** Lets pending zero-delay timers run. */
  async settle(ms = 5): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  close(): void {
    this.off();
  }
}
