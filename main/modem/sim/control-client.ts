import http from 'node:http';
import { SimulatorError } from './errors.js';
import type { AcceptedPdu, SimulatorStatus } from './modem.js';
import type { InboundMessage } from './network.js';
import type { SimFaults, SimulatorOptions, StatusReportSettings } from './options.js';

/** Where a standalone simulator listens for control requests: a Unix socket or a loopback port. */
export type ControlAddress = { socketPath: string } | { port: number; host?: string };

/** '/run/sim.sock' is a socket path; '7301' or '127.0.0.1:7301' a loopback port. */
export function parseControlAddress(value: string | ControlAddress): ControlAddress {
  if (typeof value !== 'string') return value;
  const port = /^(?:(127\.0\.0\.1|localhost):)?(\d{1,5})$/.exec(value.trim());
  if (port) {
    const n = Number(port[2]);
    if (n < 1 || n > 65_535) throw new SimulatorError('MODEM_SIM_BAD_CONTROL', `Control port ${n} is out of range; use 1–65535.`);
    return { port: n, host: port[1] ?? '127.0.0.1' };
  }
  if (value.trim() === '') throw new SimulatorError('MODEM_SIM_BAD_CONTROL', 'Give the control channel as a socket path or a loopback port.');
  return { socketPath: value };
}

export function describeControlAddress(address: ControlAddress): string {
  return 'socketPath' in address ? address.socketPath : `${address.host ?? '127.0.0.1'}:${address.port}`;
}

/** The client of a standalone simulator's control channel (used by tests and `storemas modem-sim …`). */
export class SimulatorControl {
  readonly address: ControlAddress;

  constructor(address: string | ControlAddress) {
    this.address = parseControlAddress(address);
  }

  status(): Promise<SimulatorStatus & { link: string }> {
    return this.request('GET', '/status');
  }

  log(): Promise<AcceptedPdu[]> {
    return this.request('GET', '/log');
  }

  inject(message: InboundMessage): Promise<{ pdus: string[] }> {
    return this.request('POST', '/inject', message);
  }

  injectPdu(pdu: string): Promise<{ ok: true }> {
    return this.request('POST', '/inject-pdu', { pdu });
  }

  faults(): Promise<SimFaults> {
    return this.request('GET', '/faults');
  }

  setFaults(change: Partial<SimFaults>): Promise<SimFaults> {
    return this.request('POST', '/faults', change);
  }

  clearFaults(): Promise<SimFaults> {
    return this.request('DELETE', '/faults');
  }

  /** Pulls the cable: the PTY pair disappears until replug(). */
  unplug(): Promise<{ plugged: boolean }> {
    return this.request('POST', '/unplug');
  }

  replug(): Promise<{ plugged: boolean }> {
    return this.request('POST', '/replug');
  }

  configure(change: { latency?: SimulatorOptions['latency']; statusReports?: Partial<StatusReportSettings> }): Promise<{ ok: true }> {
    return this.request('POST', '/configure', change);
  }

  unsolicited(line: string): Promise<{ ok: true }> {
    return this.request('POST', '/unsolicited', { line });
  }

  /** Polls /status until the simulator answers (it may still be starting). */
  async waitUntilReady(timeoutMs = 15_000): Promise<SimulatorStatus & { link: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.status();
      } catch (error) {
        if (!(error instanceof SimulatorError) || error.code !== 'MODEM_SIM_CONTROL_UNREACHABLE' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const target = 'socketPath' in this.address ? { socketPath: this.address.socketPath } : { host: this.address.host ?? '127.0.0.1', port: this.address.port };
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        { ...target, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              reject(new SimulatorError('MODEM_SIM_CONTROL_FAILED', `The simulator at ${describeControlAddress(this.address)} gave a reply that is not JSON.`, 502));
              return;
            }
            if ((res.statusCode ?? 500) >= 400) {
              const error = (parsed as { error?: { code?: string; message?: string } }).error ?? {};
              reject(new SimulatorError(error.code ?? 'MODEM_SIM_CONTROL_FAILED', error.message ?? `The simulator refused ${method} ${path}.`, res.statusCode ?? 500));
            } else resolve(parsed as T);
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(
          new SimulatorError(
            'MODEM_SIM_CONTROL_UNREACHABLE',
            `No simulator answers at ${describeControlAddress(this.address)} (${error.code ?? error.message}); start one with \`storemas modem-sim --link … --control …\`.`,
            503,
          ),
        );
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.end(payload);
    });
  }
}
