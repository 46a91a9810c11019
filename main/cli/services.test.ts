import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { openCore } from '../index.js';
import { addMirrorMember, seedMirror } from '../sms-services/testing.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { runStoremas } from '../../tests/support/cli.js';
import { runCli } from './main.js';

function capture() {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

/** `storemas services ask` on a data directory's mirror: prints the reply, sends and writes nothing. */
describe('storemas services ask', { timeout: 120_000 }, () => {
  const temp = tempDir('storemas-cli-services-');
  const dataDir = path.join(temp.dir, 'data');
  const ask = async (...args: string[]) => {
    const run = capture();
    const code = await runCli(['node', 'storemas', '--data-dir', dataDir, 'services', 'ask', ...args], run.output);
    return { code, out: run.lines.out.join('\n'), err: run.lines.err.join('\n') };
  };

  beforeAll(async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    const now = Date.now();
    await seedMirror(core.services.db, now);
    await addMirrorMember(core.services.db, now, { mobile: '+8613900000001', name: '张伟', gender: 'M', points: 1280 });
    await core.services.staff.create(SYSTEM_ACTOR, { name: '陈店长', mobile: '13800000001', allStores: true });
    await core.close();
  });
  afterAll(() => temp.remove());

  it('prints the reply with the signature; what it was on stderr', async () => {
    expect(await ask('--from', '13900000001', '--text', '我的积分是多少')).toEqual({
      code: 0,
      out: '尊敬的张先生，您的会员积分为1280分。【好又多超市】',
      err: 'points, answered; 1 SMS part(s)',
    });
    // The product index is brought up to the mirror first.
    expect((await ask('--from', '13800000001', '--text', '库存 羊肉卷')).out).toBe('羊肉卷 散装（P0801）库存：人民路店36.5kg；解放路店12kg；滨江店0kg【好又多超市】');
    const refused = await ask('--from', '13700000000', '--text', 'KC 羊肉卷');
    expect(refused.out).toBe('抱歉，该服务仅限本店员工使用。【好又多超市】');
    expect(refused.err).toBe('stock, refused, not-staff; 1 SMS part(s)');
  });

  it('prints JSON with --json, and refuses a bad number with one line', async () => {
    const json = await ask('--from', '+86 139 0000 0001', '--text', 'JF', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ service: 'points', outcome: 'answered', parts: 1, memberId: 1, note: null });
    const bad = await ask('--from', '12345', '--text', '积分');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^storemas: "12345" is not a valid mobile number.*\[INVALID_NUMBER\]$/);
  });

  it('wrote nothing: no query log, no outbox', async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    try {
      expect(await core.services.db('sms_query_log').count({ n: '*' })).toEqual([{ n: 0 }]);
      expect(await core.services.db('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
    } finally {
      await core.close();
    }
  });

  it('runs as the real command', () => {
    const result = runStoremas(['services', 'ask', '--from', '13900000001', '--text', '帮助', '--data-dir', dataDir]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('您好！回复关键词可查询：积分/JF：查积分；消费/XF：查消费；促销/CX：看优惠【好又多超市】');
  });
});
