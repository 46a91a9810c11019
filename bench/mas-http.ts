/**
 * 云MAS HTTP interface (issue 13): /sms/norsubmit with 5,000 mobiles (Base64 of the JSON, MD5
 * mac, over a real loopback socket) must be answered within 500 ms — decoding, account and mac
 * checks, 5,000 numbers normalised, every recipient decided by the policy and written to the
 * outbox. Baseline in the same run: the same 5,000 recipients and text through the appliance's
 * own POST /api/messages (API key). Runs alternate, median of 5 each; machine load printed.
 *
 *   npx tsx bench/mas-http.ts [--runs 5] [--mobiles 5000]
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildServer } from '../main/api/server.js';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { defaultConfig } from '../main/config.js';
import { openCore } from '../main/index.js';

const TARGET_MS = 500;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(options: { runs?: number; mobiles?: number; log?: (line: string) => void } = {}): Promise<{ medianMs: number; baselineMs: number; withinTarget: boolean }> {
  const runs = options.runs ?? 5;
  const count = options.mobiles ?? 5_000;
  const log = options.log ?? console.log;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-mas-http-'));
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { lock: false },
  );
  const { services } = core;
  const server = await buildServer(services);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  try {
    // A realistic store: 10,000 members to match numbers against, 1% of numbers blacklisted.
    const now = services.clock.now();
    const members = Array.from({ length: 10_000 }, (_, i) => ({ source: 'bench', source_key: `m${i}`, name: `会员${i}`, gender: 'U', mobile: `+86139${String(i * 2).padStart(8, '0')}`, points: i, marketing_consent: true, created_at: now, updated_at: now }));
    for (let i = 0; i < members.length; i += 500) await services.db('members').insert(members.slice(i, i + 500));
    const listed = Array.from({ length: count / 100 }, (_, i) => ({ list: 'black', mobile: `+86139${String(i * 100).padStart(8, '0')}`, scope: 'all', reason: '', source: 'import', created_at: now, updated_at: now }));
    await services.db('number_lists').insert(listed);

    const secretKey = 'bench-secret';
    await services.integrations.cloudMas.accounts.create(SYSTEM_ACTOR, {
      name: 'bench', ecName: '好又多超市', apId: 'bench', signs: [{ code: 'S1', text: '【好又多超市】' }], templates: [],
      allowedAddresses: [], category: 'transactional', reportUrl: null, inboundUrl: null, inboundAll: false, enabled: true,
    }, secretKey);
    const owner = await services.users.create(SYSTEM_ACTOR, { username: 'bench-admin', role: 'admin', password: 'Bench-pass-1234', mustChangePassword: false });
    const { token } = await services.integrations.apiKeys.create({ userId: owner.id, username: owner.username, ip: 'local' }, 'admin', { name: 'bench', permissions: ['messages.send'], allowedAddresses: [], expiresAt: null });

    const content = '您的订单已发货，请注意查收。';
    const numbers = (run: number) => Array.from({ length: count }, (_, i) => `139${String(i + run).padStart(8, '0')}`);
    const masBody = (run: number) => {
      const f = { ecName: '好又多超市', apId: 'bench', secretKey, mobiles: numbers(run).join(','), content, sign: 'S1', addSerial: '' };
      return Buffer.from(JSON.stringify({ ...f, mac: md5(f.ecName + f.apId + f.secretKey + f.mobiles + f.content + f.sign + f.addSerial) })).toString('base64');
    };
    const timed = async (send: () => Promise<Response>, check: (body: Record<string, unknown>) => boolean) => {
      const started = performance.now();
      const response = await send();
      const body = (await response.json()) as Record<string, unknown>;
      const ms = performance.now() - started;
      if (!check(body)) throw new Error(`unexpected answer: ${JSON.stringify(body).slice(0, 300)}`);
      return ms;
    };

    log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    log(`${count.toLocaleString()} mobiles per submit, ${runs} alternating runs each`);
    const mas: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < runs + 1; r += 1) {
      const body = masBody(r);
      const masMs = await timed(
        () => fetch(`${base}/sms/norsubmit`, { method: 'POST', body }),
        (b) => b.rspcod === 'success',
      );
      const apiMs = await timed(
        () => fetch(`${base}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ numbers: numbers(r).join('\n'), text: content, category: 'transactional' }) }),
        (b) => typeof b.queued === 'number',
      );
      if (r === 0) continue; // warm-up
      mas.push(masMs);
      baseline.push(apiMs);
      log(`  run ${r}: norsubmit ${masMs.toFixed(0)} ms, POST /api/messages ${apiMs.toFixed(0)} ms`);
    }
    const medianMs = median(mas);
    const baselineMs = median(baseline);
    log(`median norsubmit ${medianMs.toFixed(0)} ms (target ≤ ${TARGET_MS} ms); baseline POST /api/messages ${baselineMs.toFixed(0)} ms; ratio ${(medianMs / baselineMs).toFixed(2)}×`);
    log(`load average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return { medianMs, baselineMs, withinTarget: medianMs <= TARGET_MS };
  } finally {
    await server.close();
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  const result = await run({ runs: arg('--runs'), mobiles: arg('--mobiles') });
  process.exitCode = result.withinTarget ? 0 : 1;
}
