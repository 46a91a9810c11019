import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempPty, tempPtyDir } from '../../../tests/support/pty.js';
import { decodePdu, encodeSubmit } from '../pdu/index.js';
import { SimulatorControl } from './control-client.js';
import { SimulatedModem } from './modem.js';
import { serveOnPort } from './serve.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A serial port as the driver opens it, with its bytes collected for assertions. */
async function openDevice(file: string) {
  const port = new SerialPort({ path: file, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  let buffer = '';
  port.on('data', (data: Buffer) => (buffer += data.toString('latin1')));
  port.on('error', () => undefined);
  const closed = new Promise<{ disconnected: boolean }>((resolve) =>
    port.once('close', (error?: Error & { disconnected?: boolean }) => resolve({ disconnected: error?.disconnected === true })),
  );
  const device = {
    port,
    closed,
    async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(buffer)) {
        if (Date.now() > deadline) throw new Error(`waited for ${pattern}; got ${JSON.stringify(buffer)}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const out = buffer;
      buffer = '';
      return out;
    },
    async command(text: string, until = /\r\n(OK|ERROR|\+CM[ES] ERROR: [^\r]*)\r\n$|> $/): Promise<string> {
      buffer = '';
      port.write(text);
      return device.waitFor(until);
    },
    async close() {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
  cleanups.push(() => device.close());
  return device;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('simulator on a real PTY', () => {
  it('answers over a socat PTY pair opened with serialport (in-process)', async () => {
    const pty = await createTempPty();
    cleanups.push(() => pty.dispose());
    const modem = new SimulatedModem({ latency: 'zero', identity: { imei: '356938035643809' } });
    cleanups.push(async () => modem.dispose());
    const service = await serveOnPort(pty.internal, modem);
    cleanups.push(() => service.close());
    const device = await openDevice(pty.link);
    expect(await device.command('ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(await device.command('AT+CGSN\r')).toBe('\r\n356938035643809\r\n\r\nOK\r\n');
  });

  it('paces bytes at the emulated line rate when asked', async () => {
    const pty = await createTempPty();
    cleanups.push(() => pty.dispose());
    const modem = new SimulatedModem({ latency: 'zero' });
    cleanups.push(async () => modem.dispose());
    const service = await serveOnPort(pty.internal, modem, { lineRate: 9600 });
    cleanups.push(() => service.close());
    const device = await openDevice(pty.link);
    await device.command('ATE0\r');
    const started = performance.now();
    const reply = await device.command('AT+CGSN\r');
    const elapsed = performance.now() - started;
    // 8 bytes up and 27 down at 9600 bit/s (10 bits a byte) take at least 36 ms.
    expect(reply).toBe('\r\n867322034512347\r\n\r\nOK\r\n');
    expect(elapsed).toBeGreaterThanOrEqual(((8 + reply.length) * 10_000) / 9600 - 1);
    await expect(serveOnPort(pty.internal, modem, { lineRate: 7 })).rejects.toThrow(/lineRate/);
  });

  it('runs as `storemas modem-sim`: AT conversation, send with status report, inject, log file, unplug and replug', async () => {
    const temp = await tempPtyDir();
    cleanups.push(() => temp.dispose());
    const link = path.join(temp.dir, 'ttySIM0');
    const socket = path.join(temp.dir, 'ctl.sock');
    const logFile = path.join(temp.dir, 'accepted.jsonl');
    const child: ChildProcess = spawn(
      process.execPath,
      ['bin/storemas.mjs', 'modem-sim', '--link', link, '--latency', 'zero', '--control', socket, '--log', logFile, '--imei', '356938035643809', '--personality', 'huawei'],
      { cwd: path.resolve(import.meta.dirname, '../../..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    });

    const control = new SimulatorControl(socket);
    const status = await control.waitUntilReady(60_000);
    expect(status).toMatchObject({ link, plugged: true, personality: 'huawei', identity: { imei: '356938035643809' } });
    expect(output).toContain(`SIMULATED modem sim-1 (huawei, IMEI 356938035643809) on ${link}`);

    const device = await openDevice(link);
    expect(await device.command('ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(await device.command('AT+CGSN\r')).toBe('\r\n356938035643809\r\n\r\nOK\r\n');
    expect(await device.command('AT+CMEE=2;+CNMI=2,1,0,1,0\r')).toBe('\r\n+CMS ERROR: operation not supported\r\n');
    expect(await device.command('AT+CNMI=2,1,0,2,0\r')).toBe('\r\nOK\r\n');

    const [part] = encodeSubmit({ to: '+8613800138000', text: '周末特价：鸡蛋每盒9.9元' });
    expect(await device.command(`AT+CMGS=${part!.tpduLength}\r`)).toBe('\r\n> ');
    const sent = await device.command(`${part!.pdu}\x1a`, /\+CDSI: "SM",\d+\r\n$/);
    expect(sent).toMatch(/^\r\n\+CMGS: 0\r\n\r\nOK\r\n\r\n\+CDSI: "SM",1\r\n$/);

    await control.inject({ from: '+8613912345678', text: '退订' });
    expect(await device.waitFor(/\+CMTI: "SM",2\r\n$/)).toBe('\r\n+CMTI: "SM",2\r\n');
    const read = await device.command('AT+CMGR=2\r');
    const inbound = decodePdu(/\+CMGR: 0,,\d+\r\n([0-9A-F]+)\r\n/.exec(read)![1]!);
    expect(inbound.type === 'deliver' && [inbound.sender.number, inbound.text]).toEqual(['+8613912345678', '退订']);

    // What was really sent: the control log and the JSON-lines file agree, and decode to the text.
    const log = await control.log();
    expect(log).toHaveLength(1);
    const decoded = decodePdu(log[0]!.pdu);
    expect(decoded.type === 'submit' && [decoded.recipient.number, decoded.text]).toEqual(['+8613800138000', '周末特价：鸡蛋每盒9.9元']);
    await waitUntil(() => existsSync(logFile) && readFileSync(logFile, 'utf8').trim() !== '');
    expect(readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(log);

    // Unplug: the driver's port closes as a vanished device, and the link path is gone.
    await control.unplug();
    expect(await device.closed).toEqual({ disconnected: true });
    expect(existsSync(link)).toBe(false);
    expect((await control.status()).plugged).toBe(false);

    // Replug: the device is back at the same path, freshly booted (echo on again), messages still on the SIM.
    await control.replug();
    expect(existsSync(link)).toBe(true);
    const again = await openDevice(link);
    // Boot noise may come first, as from a real device that just booted.
    expect(await again.command('AT+CPMS?\r')).toContain('AT+CPMS?\r\r\n+CPMS: "SM",2,30,"SM",2,30,"SM",2,30\r\n\r\nOK\r\n');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect(existsSync(socket)).toBe(false);
  }, 90_000);
});
