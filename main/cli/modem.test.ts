import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, type CliRun } from '../../tests/support/cli.js';
import { CLI_ACTOR } from '../auth/audit.js';
import { defaultConfig } from '../config.js';
import { openCore } from '../index.js';
import { createTempPty, tempPtyDir } from '../../tests/support/pty.js';
import { decodePdu, type DecodedSubmit } from '../modem/pdu/index.js';
import type { SimulatorOptions } from '../modem/sim/options.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../modem/sim/standalone.js';

/**
 * `storemas modem list|probe|send` as a person runs them: a real CLI process
 * opening a real PTY (socat) with the modem simulator answering on the other end.
 */

/** Runs the CLI without blocking this process, whose event loop serves the simulator meanwhile. */
function storemas(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, STOREMAS_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`storemas ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('storemas modem', { timeout: 240_000 }, () => {
  let dir: string;
  let disposeDir: () => Promise<void>;
  const simulators: StandaloneSimulator[] = [];
  beforeAll(async () => {
    ({ dir, dispose: disposeDir } = await tempPtyDir());
  });
  afterAll(async () => {
    for (const simulator of simulators) await simulator.stop();
    await disposeDir();
  });

  async function simulator(name: string, options: SimulatorOptions): Promise<{ link: string; sim: StandaloneSimulator }> {
    const link = path.join(dir, name);
    const sim = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] }, ...options } });
    simulators.push(sim);
    return { link, sim };
  }

  it('list shows ports given with --port beside the listed ones, and --probe finds the modem and its identity', async () => {
    const { link } = await simulator('ttyLIST', { personality: 'huawei', identity: { imei: '861234567890123' } });
    const missing = path.join(dir, 'ttyGONE');
    const plain = await storemas(['modem', 'list', '--port', link, '--json']);
    expect(plain.status).toBe(0);
    const ports = JSON.parse(plain.stdout) as Array<{ path: string; listed: boolean; probe?: unknown }>;
    expect(ports.find((p) => p.path === link)).toEqual({ path: link, listed: false, manufacturer: null, vendorId: null, productId: null });

    // Short tries: the ports the system lists here (e.g. /dev/ttyS0) have no modem and take the full wait.
    const probed = await storemas(['modem', 'list', '--probe', '--baud', '115200', '--timeout', '300', '--port', link, '--port', missing]);
    expect(probed.stderr).toBe('');
    expect(probed.status).toBe(0);
    const row = (p: string) => probed.stdout.split('\n').find((line) => line.startsWith(`${p} `)) ?? '';
    expect(probed.stdout.split('\n')[0]).toMatch(/^PORT\s+FOUND BY\s+USB ID\s+MANUFACTURER\s+ANSWERS AT\s+MODEM\s+IMEI$/);
    expect(row(link)).toMatch(/--port .* yes @115200\s+huawei .*861234567890123$/i);
    expect(row(missing)).toMatch(/no: Cannot open/);
  });

  it('probe reports identity, SIM, signal, registration, operator and storage, as a table and as JSON', async () => {
    const { link } = await simulator('ttyPROBE', {
      personality: 'simcom',
      identity: { imei: '867322034487652', imsi: '460011234567890', operator: 'CHN-UNICOM' },
      signal: 18,
      storage: { sm: 25 },
    });
    const json = await storemas(['modem', 'probe', '--port', link, '--json']);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      port: link,
      baudRate: 115200,
      imei: '867322034487652',
      imsi: '460011234567890',
      sim: 'ready',
      signal: { rssi: 18, dbm: -77, bars: 4 },
      registration: { state: 'home', registered: true },
      operator: 'CHN-UNICOM',
    });
    expect(String(report.manufacturer).toUpperCase()).toContain('SIMCOM');
    expect(report.model).toEqual(expect.any(String));
    expect(report.revision).toEqual(expect.any(String));
    expect((report.storage as Array<{ used: number; total: number }>)[0]).toMatchObject({ used: 0, total: 25 });

    const table = await storemas(['modem', 'probe', '--port', link, '--baud', '115200']);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^IMEI\s+867322034487652$/m);
    expect(table.stdout).toMatch(/^signal\s+-77 dBm, 4\/5 bars \(CSQ 18\)$/m);
    expect(table.stdout).toMatch(/^SIM\s+ready$/m);
    expect(table.stdout).toMatch(/^storage \(used\/total\)\s+SM 0\/25/m);
  });

  it('send sends a long Chinese text part by part and prints each part\'s MR; the simulator received exactly those PDUs', async () => {
    const { link, sim } = await simulator('ttySEND', { firstMr: 41 });
    const text = '尊敬的会员您好，本周六日全场生鲜八折，满百再减十元，积分可抵现金，详情请咨询服务台。退订回复T。谢谢光临本店，祝您生活愉快！会员日当天消费双倍积分。';
    const run = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', text, '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; baudRate: number; parts: Array<{ partNumber: number; partCount: number; status: string; mr: number }> };
    expect(result).toMatchObject({ ok: true, baudRate: 115200 });
    expect(result.parts.map((p) => [p.partNumber, p.partCount, p.status, p.mr])).toEqual([
      [1, 2, 'sent', 41],
      [2, 2, 'sent', 42],
    ]);
    const accepted = sim.modem.acceptedLog();
    expect(accepted.map((a) => a.mr)).toEqual([41, 42]);
    const decoded = accepted.map((a) => decodePdu(a.pdu) as DecodedSubmit);
    expect(decoded.map((d) => d.text).join('')).toBe(text);
    // One number rule for every send: the PDU carries the number in international form.
    expect(decoded.map((d) => [d.statusReportRequested, d.recipient.number])).toEqual([[true, '+8613800138000'], [true, '+8613800138000']]);

    const human = await storemas(['modem', 'send', '--port', link, '--to', '+8613800138000', '--text', 'Your parcel is here']);
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^Sent: 1 part\(s\) to \+8613800138000 via .*ttySEND @115200$/m);
    expect(human.stdout).toMatch(/^1\/1\s+sent\s+43\s+1$/m);
  });

  it('send keeps the caps of the modem configured on the port, counting its earlier sends and these', async () => {
    const { link, sim } = await simulator('ttyCAPS', {});
    const dataDir = path.join(dir, 'data-caps');
    const core = await openCore(defaultConfig({ dataDir, logToConsole: false }), { lock: false });
    let modemId: string;
    try {
      const added = await core.services.modems.add(
        { name: '收银台', kind: 'serial', portPath: link, baudRate: 115200, limits: { minGapMs: 0, perHour: 1, perDay: 10 }, enabled: false },
        CLI_ACTOR,
      );
      modemId = added.config.id;
    } finally {
      await core.close();
    }
    const first = await storemas(['--data-dir', dataDir, 'modem', 'send', '--port', link, '--to', '13800138000', '--text', '第一条']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const second = await storemas(['--data-dir', dataDir, 'modem', 'send', '--port', link, '--to', '13800138000', '--text', '第二条']);
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/cap of 1 messages per hour/);
    expect(sim.modem.acceptedLog()).toHaveLength(1);

    const reopened = await openCore(defaultConfig({ dataDir, logToConsole: false }), { lock: false });
    try {
      const counted = await reopened.services.modems.counters(modemId, 0);
      expect(counted.reduce((n, row) => n + row.sent, 0)).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  it('send says when the SIM wants its PIN, and sends once it is given', async () => {
    const { link, sim } = await simulator('ttyPIN', { pinRequired: true, pin: '4321' });
    const probe = await storemas(['modem', 'probe', '--port', link, '--json']);
    expect(JSON.parse(probe.stdout)).toMatchObject({ sim: 'sim-pin' });
    const refused = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', 'hi']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/asks for its PIN: set STOREMAS_MODEM_PIN=<pin> \(or give --pin <pin>\)\. \[MODEM_PIN_REQUIRED\]/);
    expect(sim.modem.acceptedLog()).toHaveLength(0);
    // From the environment (kept out of the process list) …
    const sent = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', 'hi'], 60_000, { STOREMAS_MODEM_PIN: '4321' });
    expect(sent.stderr).toBe('');
    expect(sent.status).toBe(0);
    expect(sim.modem.acceptedLog()).toHaveLength(1);
    // … or on the command line.
    const again = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', 'hi', '--pin', '4321']);
    expect(again.status).toBe(0);
    expect(sim.modem.acceptedLog()).toHaveLength(2);
  });

  it('send prints a +CMS error classified and exits non-zero', async () => {
    const { link, sim } = await simulator('ttyCMS', { faults: { sendErrors: [{ onSend: 1, code: 28 }] } });
    const run = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', 'hi']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^Not sent: 1 part\(s\)/m);
    expect(run.stdout).toMatch(/^1\/1\s+failed\s+-\s+1\s+.*\+CMS ERROR 28.*unidentified subscriber.*\[permanent, recipient\]$/m);
    expect(run.stderr).toMatch(/0 of 1 part\(s\) sent; .* Sending it again will fail the same way\. \[MODEM_SEND_REJECTED\]/);
    expect(sim.modem.acceptedLog()).toHaveLength(0);
  });

  it('send does not send a part again when the modem vanished right after taking it, and says it may have gone out', async () => {
    const { link, sim } = await simulator('ttyGONE1', { faults: { unplugAfterSend: 1 } });
    const run = await storemas(['modem', 'send', '--port', link, '--to', '13800138000', '--text', 'hi']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^1\/1\s+may have been sent — not retried\s+-\s+1\s+/m);
    expect(run.stderr).toMatch(/Part 1\/1 may have been sent — not retried: .* Ask the recipient before sending it again\. \[MODEM_SEND_UNCERTAIN\]/);
    expect(sim.modem.acceptedLog()).toHaveLength(1);
  });

  it('send and probe say plainly when the port is missing, nothing answers, or the text cannot be sent', async () => {
    const missing = await storemas(['modem', 'probe', '--port', path.join(dir, 'ttyNONE')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/There is no device at .*ttyNONE: check the cable.*\[MODEM_PORT_MISSING\]/);

    // A PTY with nobody on the other end: the port opens, but no modem answers.
    const silent = await createTempPty();
    try {
      const run = await storemas(['modem', 'send', '--port', silent.link, '--baud', '115200', '--to', '13800138000', '--text', 'hi']);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/No modem answers AT on .* at 115200 baud.*\[MODEM_NO_ANSWER\]/);
    } finally {
      await silent.dispose();
    }

    const badNumber = await storemas(['modem', 'send', '--port', path.join(dir, 'ttyNONE'), '--to', '1380013800O', '--text', 'hi']);
    expect(badNumber.status).toBe(1);
    // The number is checked as the outbox checks it, before any port is opened.
    expect(badNumber.stderr).toMatch(/"1380013800O" is not a valid mobile number.*Use 11 digits such as 13800138000.*\[INVALID_NUMBER\]/);
    const badBaud = await storemas(['modem', 'probe', '--port', '/dev/ttyUSB0', '--baud', '12345']);
    expect(badBaud.status).not.toBe(0);
    expect(badBaud.stderr).toMatch(/use one of 115200/);
  });
});
