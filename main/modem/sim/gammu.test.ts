import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPtyDir } from '../../../tests/support/pty.js';
import { decodePdu } from '../pdu/index.js';
import type { PersonalityName } from './personality.js';
import { startStandaloneSimulator, type StandaloneSimulator } from './standalone.js';

/**
 * Third-party modem software against the simulator: Gammu (the `gammu` CLI,
 * Debian package gammu) opens the simulator's socat PTY as it would a SIM800
 * or a Huawei E173 and runs identify, networkinfo, sendsms and getallsms in
 * one batch (one connection: Gammu's start-up waits dominate). What it prints
 * is what the device would give it, and the simulator's own log shows the
 * message it sent, accepted once. Both devices run at the same time.
 */
const INBOUND = { from: '+8613911112222', text: '你好，我想问一下周末几点关门？' };
const OUTBOUND = '门店测试：您的会员积分已到账。';

let dir: string;
let disposeDir: () => Promise<void>;
const simulators: StandaloneSimulator[] = [];
beforeAll(async () => {
  ({ dir, dispose: disposeDir } = await tempPtyDir());
});
afterAll(async () => {
  for (const sim of simulators) await sim.stop();
  await disposeDir();
});

/** Runs gammu with a config pointing at `device`; UTF-8 so Chinese arguments and output survive. */
function gammu(device: string, commands: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const name = path.basename(device);
    const rc = path.join(dir, `${name}.gammurc`);
    const batch = path.join(dir, `${name}.batch`);
    void Promise.all([writeFile(rc, `[gammu]\ndevice = ${device}\nconnection = at\n`), writeFile(batch, `${commands.join('\n')}\n`)]).then(() => {
      const child = spawn('gammu', ['-c', rc, '--batch', batch], { env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`gammu could not be run (${error.message}); install it with \`apt-get install gammu\`.`));
      });
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    }, reject);
  });
}

const DEVICES: Array<{ personality: PersonalityName; manufacturer: RegExp }> = [
  { personality: 'simcom', manufacturer: /^Manufacturer\s+: SIMCOM_Ltd$/m },
  { personality: 'huawei', manufacturer: /^Manufacturer\s+: Huawei$/m },
];

describe('Gammu drives the PTY simulator', () => {
  it('identify, networkinfo, sendsms and getallsms work as on a SIM800 and a Huawei E173', async () => {
    const runs = await Promise.all(
      DEVICES.map(async ({ personality }) => {
        const sim = await startStandaloneSimulator({
          link: path.join(dir, `tty${personality}`),
          modem: { personality, latency: 'zero', identity: { imei: '867322034512347', imsi: '460011234567890' }, statusReports: { delayMs: [3_600_000, 3_600_000] } },
        });
        simulators.push(sim);
        sim.modem.injectInbound(INBOUND);
        const run = await gammu(sim.link, ['identify', 'networkinfo', `sendsms TEXT 13800138000 -unicode -text "${OUTBOUND}"`, 'getallsms']);
        return { personality, sim, run };
      }),
    );
    for (const { personality, sim, run } of runs) {
      const device = DEVICES.find((d) => d.personality === personality)!;
      expect(run.status, `${personality}: ${run.stdout}\n${run.stderr}`).toBe(0);
      const out = run.stdout;
      // identify
      expect(out).toMatch(device.manufacturer);
      expect(out).toMatch(/^IMEI\s+: 867322034512347$/m);
      expect(out).toMatch(/^SIM IMSI\s+: 460011234567890$/m);
      // networkinfo: registration, operator and the GPRS attach state (AT+CGATT?)
      expect(out).toMatch(/^Network state\s+: home network$/m);
      expect(out).toMatch(/^Name in phone\s+: "CHINA MOBILE"$/m);
      expect(out).toMatch(/^GPRS\s+: attached$/m);
      // sendsms: accepted once, with the MR Gammu printed, the text intact
      const mr = Number(/OK, message reference=(\d+)/.exec(out)?.[1]);
      const accepted = sim.modem.acceptedLog();
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({ mr, recipient: '13800138000' });
      const sent = decodePdu(accepted[0]!.pdu, { hasSmsc: true });
      expect(sent.type === 'submit' ? sent.text : null).toBe(OUTBOUND);
      // getallsms: the injected text, read from the SIM
      expect(out).toMatch(/^Remote number\s+: "\+8613911112222"$/m);
      expect(out).toContain(INBOUND.text);
      expect(out).toMatch(/^1 SMS parts in 1 SMS sequences$/m);
      expect(out).not.toMatch(/Unknown (error|response)/);
    }
  }, 90_000);
});
