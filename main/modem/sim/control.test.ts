import http from 'node:http';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tempPtyDir } from '../../../tests/support/pty.js';
import { runCli } from '../../cli/main.js';
import { SimulatorControl, parseControlAddress } from './control-client.js';
import { startStandaloneSimulator, type StandaloneSimulator } from './standalone.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standalone(control: 'port' | 'socket'): Promise<{ sim: StandaloneSimulator; address: string; dir: string }> {
  const temp = await tempPtyDir();
  cleanups.push(() => temp.dispose());
  const socket = path.join(temp.dir, 'ctl.sock');
  const sim = await startStandaloneSimulator({
    link: path.join(temp.dir, 'ttySIM0'),
    modem: { latency: 'zero' },
    control: control === 'port' ? { port: 0, host: '127.0.0.1' } : { socketPath: socket },
  });
  cleanups.push(() => sim.stop());
  const bound = sim.control!.address;
  return { sim, dir: temp.dir, address: 'socketPath' in bound ? bound.socketPath : String(bound.port) };
}

describe('simulator control channel', () => {
  it('parses socket paths and loopback ports, refusing other hosts', () => {
    expect(parseControlAddress('/tmp/x.sock')).toEqual({ socketPath: '/tmp/x.sock' });
    expect(parseControlAddress('7301')).toEqual({ port: 7301, host: '127.0.0.1' });
    expect(parseControlAddress('localhost:7301')).toEqual({ port: 7301, host: 'localhost' });
    expect(() => parseControlAddress('70000')).toThrow(/out of range/);
    expect(parseControlAddress('10.0.0.1:7301')).toEqual({ socketPath: '10.0.0.1:7301' });
  });

  it('injects, switches faults and reports status over a loopback port; bad requests get coded errors', async () => {
    const { sim, address } = await standalone('port');
    const control = new SimulatorControl(address);
    expect((await control.status()).plugged).toBe(true);
    expect((await control.inject({ from: '+8613912345678', text: '你好'.repeat(60) })).pdus).toHaveLength(2);
    expect(sim.modem.storage.used('SM')).toBe(2);
    expect(await control.setFaults({ registration: 'denied', sendErrors: [{ onSend: 1, code: 38 }] })).toMatchObject({ registration: 'denied' });
    expect(sim.modem.faults.current.sendErrors).toEqual([{ onSend: 1, code: 38 }]);
    expect((await control.clearFaults()).registration).toBe('home');
    await expect(control.setFaults({ hang: 'yes' } as never)).rejects.toMatchObject({ code: 'MODEM_SIM_BAD_OPTION', status: 400 });
    await expect(control.inject({ from: '', text: 'x' })).rejects.toMatchObject({ code: 'MODEM_SIM_BAD_INBOUND' });
    await expect(control.injectPdu('0011000B916407281553F80000AA0AE8329BFD4697D9EC37')).rejects.toThrow(/SMS-SUBMIT/);
    await expect(control.unsolicited('a\r\nb')).rejects.toMatchObject({ code: 'MODEM_SIM_BAD_UNSOLICITED' });
    const raw = await new Promise<{ status: number; body: string }>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: Number(address), method: 'POST', path: '/faults' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.end('{not json');
    });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toMatchObject({ error: { code: 'MODEM_SIM_CONTROL_BAD_JSON' } });
    await control.configure({ statusReports: { outcome: 'failed' } });
    await expect(control.configure({ latency: { sendMs: [5, 1] } })).rejects.toThrow(/latency\.sendMs/);
  });

  it('is driven by `storemas modem-sim` subcommands over a Unix socket', async () => {
    const { sim, address, dir } = await standalone('socket');
    const lines: string[] = [];
    const out = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
    const cli = async (...args: string[]) => {
      lines.length = 0;
      const code = await runCli(['node', 'storemas', 'modem-sim', ...args], out);
      return { code, text: lines.join('\n') };
    };
    expect(await cli('inject', '--control', address, '--from', '+8613912345678', '--text', 'hello')).toEqual({ code: 0, text: 'delivered 1 part(s) from +8613912345678' });
    const faulted = await cli('fault', '--control', address, '--hang', '--send-error', '2:500', '--send-error', '4:42', '--no-colon-space');
    expect(faulted.code).toBe(0);
    expect(sim.modem.faults.current).toMatchObject({ hang: true, colonSpace: false, sendErrors: [{ onSend: 2, code: 500 }, { onSend: 4, code: 42 }] });
    expect((await cli('fault', '--control', address, '--no-hang')).code).toBe(0);
    expect(sim.modem.faults.current).toMatchObject({ hang: false, colonSpace: false });
    expect((await cli('fault', '--control', address, '--clear')).code).toBe(0);
    expect(sim.modem.faults.current.colonSpace).toBe(true);
    expect((await cli('fault', '--control', address, '--send-error', 'x')).code).not.toBe(0);
    expect((await cli('status', '--control', address)).text).toMatch(/storage\s+SM 1\/30/);
    expect(await cli('unplug', '--control', address)).toEqual({ code: 0, text: 'unplugged' });
    expect(existsSync(path.join(dir, 'ttySIM0'))).toBe(false);
    expect(await cli('replug', '--control', address)).toEqual({ code: 0, text: 'plugged in' });
    expect(existsSync(path.join(dir, 'ttySIM0'))).toBe(true);
    expect((await cli('log', '--control', address, '--json')).text).toBe('');
    const missing = await cli('inject', '--from', '1', '--text', 'x');
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/--control .*\[MODEM_SIM_NO_CONTROL\]/);
    const unreachable = await cli('status', '--control', path.join(dir, 'nobody.sock'));
    expect(unreachable.text).toMatch(/No simulator answers .*\[MODEM_SIM_CONTROL_UNREACHABLE\]/);
  });
});
