/**
 * The baseline of the modem benchmarks: the least a program can do to send a
 * PDU through a modem — AT+CMGS=<length>, wait for the "> " prompt, the PDU
 * and Ctrl-Z, wait for the final OK — one part after the other over the same
 * kind of PTY, with no session, no parser beyond a text search, no database.
 * What it reaches is the modem's own pace; what StoreMAS reaches is measured
 * against it.
 */
import { decodePdu, encodeSubmit } from '../../main/modem/pdu/index.js';
import { SerialTransport } from '../../main/modem/transport/serial.js';

export class BareAtLoop {
  private buffer = '';
  private waiter: { pattern: RegExp; resolve: (match: RegExpExecArray) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;
  private readonly transport: SerialTransport;

  constructor(link: string) {
    this.transport = new SerialTransport({ path: link, baudRate: 115_200 });
    this.transport.onData((chunk) => {
      this.buffer += chunk.toString('latin1');
      this.check();
    });
  }

  private check(): void {
    const w = this.waiter;
    if (!w) return;
    const match = w.pattern.exec(this.buffer);
    if (!match) {
      if (/\r\n(ERROR|\+CMS ERROR: \d+|\+CME ERROR: \d+)\r\n/.test(this.buffer)) {
        this.waiter = undefined;
        clearTimeout(w.timer);
        w.reject(new Error(`modem answered ${JSON.stringify(this.buffer)}`));
      }
      return;
    }
    this.buffer = this.buffer.slice(match.index + match[0].length);
    this.waiter = undefined;
    clearTimeout(w.timer);
    w.resolve(match);
  }

  /** Waits for `pattern` in what the modem says (consumed up to the match). */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const done = new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern}: ${JSON.stringify(this.buffer)}`)), timeoutMs);
      this.waiter = { pattern, resolve, reject, timer };
    });
    this.check();
    return done;
  }

  private async exchange(data: string, pattern: RegExp): Promise<RegExpExecArray> {
    const done = this.waitFor(pattern);
    await this.transport.write(data);
    return done;
  }

  async open(): Promise<void> {
    await this.transport.open();
    await this.exchange('ATE0\r', /OK\r\n/);
    await this.exchange('AT+CMGF=0\r', /OK\r\n/);
    this.buffer = '';
  }

  /**
   * Answers the next text that arrives: on its +CMTI, reads it (AT+CMGR),
   * deletes it from the SIM (AT+CMGD) and sends `reply` to its sender — the
   * least an auto-responder does. Needs `indicateNewMessages()` first.
   */
  async answerNext(reply: string, concatReference: number): Promise<void> {
    const [, memory, index] = await this.waitFor(/\+CMTI: "(\w+)",(\d+)\r\n/, 120_000);
    if (memory !== 'SM') await this.exchange(`AT+CPMS="${memory}"\r`, /OK\r\n/);
    const [, pdu] = await this.exchange(`AT+CMGR=${index}\r`, /\+CMGR: [^\r]*\r\n([0-9A-F]+)\r\n(?:\r\n)?OK\r\n/);
    const delivered = decodePdu(pdu!);
    if (delivered.type !== 'deliver') throw new Error(`read a ${delivered.type}, not a text`);
    await this.exchange(`AT+CMGD=${index}\r`, /OK\r\n/);
    await this.send(delivered.sender.number, reply, concatReference);
  }

  /** +CMTI for every text stored on the SIM. */
  async indicateNewMessages(): Promise<void> {
    await this.exchange('AT+CNMI=2,1,0,0,0\r', /OK\r\n/);
  }

  /** Sends every part of `text` to `to`; resolves when the modem has accepted the last one. */
  async send(to: string, text: string, concatReference: number): Promise<number> {
    const parts = encodeSubmit({ to, text, concatReference, requestStatusReport: true });
    for (const part of parts) {
      await this.exchange(`AT+CMGS=${part.tpduLength}\r`, /> /);
      await this.exchange(`${part.pdu}\x1a`, /\+CMGS: \d+\r\n\r\nOK\r\n/);
    }
    return parts.length;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
