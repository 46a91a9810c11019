import http from 'node:http';
import { lstat, unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { isAppError } from '../../errors.js';
import { describeControlAddress, type ControlAddress } from './control-client.js';
import { SimulatorError } from './errors.js';
import type { SimulatedModem, SimulatorStatus } from './modem.js';

/** What the control channel drives: the modem, and the cable (which only the host of the PTY can pull). */
export interface ControlTarget {
  readonly modem: SimulatedModem;
  status(): SimulatorStatus & { link: string };
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export interface ControlServer {
  /** Where it listens, e.g. '/tmp/sim.sock' or '127.0.0.1:7301'. */
  readonly address: ControlAddress;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new SimulatorError('MODEM_SIM_CONTROL_TOO_LARGE', `Control requests are limited to ${MAX_BODY} bytes.`, 413));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        resolve(value as Record<string, unknown>);
      } catch {
        reject(new SimulatorError('MODEM_SIM_CONTROL_BAD_JSON', 'The control request body must be a JSON object.', 400));
      }
    });
    req.on('error', reject);
  });
}

/**
 * A small JSON-over-HTTP control channel on a Unix socket or a loopback port:
 * inject inbound messages, switch faults, pull and replug the cable, read the
 * log of accepted PDUs.
 */
export async function startControlServer(address: ControlAddress, target: ControlTarget): Promise<ControlServer> {
  const { modem } = target;
  const routes: Record<string, (body: Record<string, unknown>) => unknown> = {
    'GET /status': () => target.status(),
    'GET /log': () => modem.acceptedLog(),
    'POST /inject': (body) => modem.injectInbound(body as never),
    'POST /inject-pdu': (body) => {
      modem.injectPdu(String(body.pdu ?? ''));
      return { ok: true };
    },
    'GET /faults': () => modem.faults.current,
    'POST /faults': (body) => modem.faults.set(body),
    'DELETE /faults': () => modem.faults.clear(),
    'POST /unplug': async () => {
      await target.unplug();
      return { plugged: modem.plugged };
    },
    'POST /replug': async () => {
      await target.replug();
      return { plugged: modem.plugged };
    },
    'POST /configure': (body) => {
      modem.configure(body);
      return { ok: true };
    },
    'POST /unsolicited': (body) => {
      if (typeof body.line !== 'string' || body.line === '' || /[\r\n]/.test(body.line)) {
        throw new SimulatorError('MODEM_SIM_BAD_UNSOLICITED', 'Give one unsolicited line without line breaks, e.g. {"line": "RING"}.');
      }
      modem.emitUnsolicited(body.line);
      return { ok: true };
    },
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const route = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
    if (!route) {
      send(404, { error: { code: 'MODEM_SIM_CONTROL_UNKNOWN', message: `Unknown control request ${req.method} ${req.url}; see main/modem/sim/control.ts.` } });
      return;
    }
    readJson(req)
      .then((body) => route(body))
      .then((result) => send(200, result ?? { ok: true }))
      .catch((error: unknown) => {
        if (isAppError(error)) send(error.status, { error: { code: error.code, message: error.message } });
        else send(500, { error: { code: 'MODEM_SIM_CONTROL_FAILED', message: error instanceof Error ? error.message : String(error) } });
      });
  });

  if ('socketPath' in address) {
    try {
      if ((await lstat(address.socketPath)).isSocket()) await unlink(address.socketPath); // left over from a killed run
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SimulatorError('MODEM_SIM_CONTROL_LISTEN', `The control channel cannot listen on ${describeControlAddress(address)}: ${error.code ?? error.message}.`, 500)),
    );
    if ('socketPath' in address) server.listen(address.socketPath, resolve);
    else server.listen(address.port, address.host ?? '127.0.0.1', resolve);
  });
  const bound: ControlAddress = 'socketPath' in address ? address : { host: address.host ?? '127.0.0.1', port: (server.address() as AddressInfo).port };
  return {
    address: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
