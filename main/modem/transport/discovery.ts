import { SerialPort } from 'serialport';
import { AtSession } from '../at/session.js';
import { parseImei, parseInfoText } from '../at/parsers.js';
import { DETECT_BAUD_RATES, SerialTransport } from './serial.js';
import type { ByteTransport } from './types.js';

/**
 * Finds modems: the ports the OS lists plus explicit candidates (PTYs and
 * symlinks such as /dev/serial/by-id/… are not listed), each probed with AT at
 * the common baud rates. A port that answers gives its identity.
 */
export interface PortCandidate {
  path: string;
  manufacturer: string | null;
  vendorId: string | null;
  productId: string | null;
  listed: boolean;
}

export interface ProbeResult {
  path: string;
  responding: boolean;
  baudRate: number | null;
  manufacturer: string | null;
  model: string | null;
  imei: string | null;
  error: string | null;
}

export type TransportFactory = (path: string, baudRate: number) => ByteTransport;

const serialFactory: TransportFactory = (path, baudRate) => new SerialTransport({ path, baudRate });

export async function listPorts(extraPaths: readonly string[] = []): Promise<PortCandidate[]> {
  let listed: PortCandidate[] = [];
  try {
    listed = (await SerialPort.list()).map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer ?? null,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
      listed: true,
    }));
  } catch {
    // No enumeration support (containers without udev): the explicit candidates still get probed.
  }
  const seen = new Set(listed.map((p) => p.path));
  for (const path of extraPaths) {
    if (!seen.has(path)) {
      seen.add(path);
      listed.push({ path, manufacturer: null, vendorId: null, productId: null, listed: false });
    }
  }
  return listed;
}

/** Tries AT at each baud rate (or the given one) until the port answers OK. */
export async function probePort(
  path: string,
  options: { baudRates?: readonly number[]; timeoutMs?: number; factory?: TransportFactory; signal?: AbortSignal } = {},
): Promise<ProbeResult> {
  const factory = options.factory ?? serialFactory;
  const timeoutMs = options.timeoutMs ?? 1_000;
  let lastError: string | null = null;
  for (const baudRate of options.baudRates ?? DETECT_BAUD_RATES) {
    // A cancelled scan stops between baud rates: the port is closed and nothing is left half-open.
    if (options.signal?.aborted) return { path, responding: false, baudRate: null, manufacturer: null, model: null, imei: null, error: 'scan cancelled' };
    let transport: ByteTransport;
    try {
      transport = factory(path, baudRate);
      await transport.open();
    } catch (error) {
      // The device cannot be opened at all: other rates will not help.
      return { path, responding: false, baudRate: null, manufacturer: null, model: null, imei: null, error: error instanceof Error ? error.message : String(error) };
    }
    const session = new AtSession(transport, { defaultTimeoutMs: timeoutMs });
    try {
      // Two tries: the first AT often only wakes the modem or clears a half-typed line.
      let answered = false;
      for (let i = 0; i < 2 && !answered; i++) {
        try {
          answered = (await session.execute('AT')).ok;
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
        }
      }
      if (!answered) continue;
      await session.execute('ATE0').catch(() => undefined);
      const info = async (command: string) => {
        try {
          const reply = await session.execute(command, { timeoutMs: timeoutMs * 3 });
          return reply.ok ? reply.lines : [];
        } catch {
          return [];
        }
      };
      const manufacturer = parseInfoText(await info('AT+CGMI'), '+CGMI');
      const model = parseInfoText(await info('AT+CGMM'), '+CGMM');
      const imei = parseImei(await info('AT+CGSN'));
      return { path, responding: true, baudRate, manufacturer, model, imei, error: null };
    } finally {
      session.detach();
      await transport.close().catch(() => undefined);
    }
  }
  return { path, responding: false, baudRate: null, manufacturer: null, model: null, imei: null, error: lastError ?? 'no answer to AT at any baud rate' };
}

/** Lists ports and probes each one, one after the other (probing two ports of one dongle at once confuses some). */
export async function discoverModems(
  extraPaths: readonly string[] = [],
  options: { baudRates?: readonly number[]; timeoutMs?: number; factory?: TransportFactory } = {},
): Promise<Array<PortCandidate & { probe: ProbeResult }>> {
  const results: Array<PortCandidate & { probe: ProbeResult }> = [];
  for (const candidate of await listPorts(extraPaths)) {
    results.push({ ...candidate, probe: await probePort(candidate.path, options) });
  }
  return results;
}
