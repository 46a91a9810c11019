import { ModemError } from '../errors.js';
import type { ByteTransport } from '../transport/types.js';
import { classifyFinalLine, describeFinal, type FinalResult } from './final-result.js';
import { LineFramer } from './framer.js';
import { classifyUnsolicited, joinPduUnsolicited, takesPduLine, type Unsolicited } from './unsolicited.js';

/**
 * One AT conversation over a byte transport: commands go out one at a time,
 * each waits for its final result or its timeout; unsolicited codes are taken
 * out of the stream wherever they appear and handed to a listener. Sending is
 * here; what a reply means is decided by the pure parsers (parsers.ts).
 */
export interface AtReply {
  command: string;
  /** Information lines of the reply, without echo, final result and unsolicited codes. */
  lines: string[];
  final: FinalResult;
  ok: boolean;
}

export interface CommandOptions {
  timeoutMs?: number;
  /**
   * Reply prefixes this command produces (e.g. '+CREG'): lines with them are
   * reply lines even when they also exist as unsolicited codes.
   */
  replyPrefixes?: readonly string[];
  /** For AT+CMGS/CMGW: data written after the "> " prompt (PDU + Ctrl-Z is appended). */
  promptData?: string;
}

export interface SessionOptions {
  defaultTimeoutMs?: number;
  onUnsolicited?: (event: Unsolicited) => void;
  /** Every line in and out, for diagnostics (never includes PIN values). */
  onTrace?: (direction: 'in' | 'out', text: string) => void;
  /** Vendor chatter beyond the common list (see vendors/), reported as noise. */
  extraNoisePrefixes?: readonly string[];
}

interface Pending {
  command: string;
  echoes: Set<string>;
  replyPrefixes: readonly string[];
  lines: string[];
  promptData: string | undefined;
  resolve: (reply: AtReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class AtTimeoutError extends ModemError {
  constructor(command: string, timeoutMs: number) {
    super('MODEM_NO_REPLY', `The modem did not answer ${redact(command)} within ${timeoutMs} ms; it is being resynchronised.`, {
      retryable: true,
      details: { command: redact(command), timeoutMs },
    });
  }
}

export class AtCommandError extends ModemError {
  readonly final: FinalResult;
  constructor(command: string, final: FinalResult, retryable = false) {
    super('MODEM_COMMAND_FAILED', `The modem refused ${redact(command)}: ${describeFinal(final)}.`, {
      retryable,
      details: { command: redact(command), final },
    });
    this.final = final;
  }
}

export class PortClosedError extends ModemError {
  constructor(description: string, cause?: Error) {
    super('MODEM_PORT_CLOSED', `The port ${description} closed${cause ? ` (${cause.message})` : ''}; check the cable or USB dongle.`, {
      retryable: true,
    });
  }
}

/** PINs never reach logs or error messages. */
function redact(command: string): string {
  return command.replace(/^(AT\+CPIN=).*/i, '$1****').replace(/^(AT\+CPWD=).*/i, '$1****');
}

export class AtSession {
  private readonly framer = new LineFramer();
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** A +CMT/+CDS header seen: the next line is its PDU. */
  private pduHeader: string | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly transport: ByteTransport,
    private readonly options: SessionOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
    this.unsubscribe.push(transport.onData((chunk) => this.receive(chunk)));
    this.unsubscribe.push(
      transport.onClose((error) => {
        this.failPending(new PortClosedError(transport.description, error));
      }),
    );
  }

  /** Stops listening to the transport; a pending command fails, and so does every command after. */
  detach(): void {
    this.detached = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.failPending(new PortClosedError(this.transport.description));
  }

  /** A detached session hears no reply: a command queued behind the one that failed must not wait out its timeout. */
  private detached = false;

  /** Runs a command and returns its reply whatever the final result. Throws on timeout or a closed port. */
  execute(command: string, options: CommandOptions = {}): Promise<AtReply> {
    const run = this.queue.then(() => this.runOne(command, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a command and throws AtCommandError unless it ended with OK. */
  async run(command: string, options: CommandOptions = {}): Promise<AtReply> {
    const reply = await this.execute(command, options);
    if (!reply.ok) throw new AtCommandError(command, reply.final);
    return reply;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  private runOne(command: string, options: CommandOptions): Promise<AtReply> {
    if (this.detached || !this.transport.isOpen) return Promise.reject(new PortClosedError(this.transport.description));
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<AtReply>((resolve, reject) => {
      const pending: Pending = {
        command,
        echoes: new Set([command.toUpperCase()]),
        replyPrefixes: options.replyPrefixes ?? defaultReplyPrefixes(command),
        lines: [],
        promptData: options.promptData,
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.pending !== pending) return;
          this.pending = undefined;
          this.framer.awaitingPrompt = false;
          reject(new AtTimeoutError(command, timeoutMs));
        }, timeoutMs),
      };
      this.pending = pending;
      this.framer.awaitingPrompt = options.promptData !== undefined;
      this.options.onTrace?.('out', redact(command));
      this.transport.write(`${command}\r`).catch((error: unknown) => {
        this.failPending(error instanceof Error ? new PortClosedError(this.transport.description, error) : new PortClosedError(this.transport.description));
      });
    });
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    this.framer.awaitingPrompt = false;
    pending.reject(error);
  }

  private receive(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'prompt') this.onPrompt();
      else this.onLine(item.text);
    }
  }

  private onPrompt(): void {
    const pending = this.pending;
    this.framer.awaitingPrompt = false;
    if (!pending || pending.promptData === undefined) return;
    const data = pending.promptData;
    pending.echoes.add(data.toUpperCase());
    this.options.onTrace?.('out', `${data}<Ctrl-Z>`);
    this.transport.write(`${data}\x1a`).catch((error: unknown) => {
      this.failPending(new PortClosedError(this.transport.description, error instanceof Error ? error : undefined));
    });
  }

  private onLine(line: string): void {
    this.options.onTrace?.('in', line);
    if (this.pduHeader !== undefined) {
      const header = this.pduHeader;
      this.pduHeader = undefined;
      if (/^[0-9A-Fa-f]+$/.test(line)) {
        this.emit(joinPduUnsolicited(header, line));
        return;
      }
      // The PDU line never came (garbage or a new code): report the header alone and go on with this line.
      this.emit({ type: 'unknown', line: header });
    }
    const pending = this.pending;
    if (pending) {
      const upper = line.toUpperCase();
      // Echo (ATE1, or before ATE0 took effect), also the echoed PDU + Ctrl-Z.
      if (pending.echoes.has(upper)) return;
      const final = classifyFinalLine(line);
      if (final) {
        this.finish(pending, final);
        return;
      }
    }
    if (takesPduLine(line) && !(pending && pending.replyPrefixes.some((p) => line.toUpperCase().startsWith(p)))) {
      this.pduHeader = line;
      return;
    }
    const unsolicited = classifyUnsolicited(line, pending ? pending.replyPrefixes : []) ?? this.vendorNoise(line, pending);
    if (unsolicited) {
      this.emit(unsolicited);
      return;
    }
    if (pending) pending.lines.push(line);
    else if (classifyFinalLine(line) === undefined && !/^AT/i.test(line)) this.emit({ type: 'unknown', line });
  }

  /** Vendor quirks can add chatter prefixes after the modem identified itself. */
  set extraNoisePrefixes(prefixes: readonly string[]) {
    this.options.extraNoisePrefixes = prefixes;
  }

  private vendorNoise(line: string, pending: Pending | undefined): Unsolicited | undefined {
    const upper = line.toUpperCase();
    if (pending?.replyPrefixes.some((p) => upper.startsWith(p))) return undefined;
    return this.options.extraNoisePrefixes?.some((p) => upper.startsWith(p.toUpperCase())) ? { type: 'noise', line } : undefined;
  }

  private finish(pending: Pending, final: FinalResult): void {
    clearTimeout(pending.timer);
    this.pending = undefined;
    this.framer.awaitingPrompt = false;
    pending.resolve({ command: pending.command, lines: pending.lines, final, ok: final.kind === 'ok' });
  }

  private emit(event: Unsolicited): void {
    try {
      this.options.onUnsolicited?.(event);
    } catch {
      // A failing listener must not break the reply stream.
    }
  }
}

/** AT+CMGR=1 → ['+CMGR']; AT+CREG? → ['+CREG']; ATI → []. */
export function defaultReplyPrefixes(command: string): string[] {
  const match = /^AT([+^$*#%][A-Z0-9]+)/i.exec(command.trim());
  return match ? [match[1]!.toUpperCase()] : [];
}
