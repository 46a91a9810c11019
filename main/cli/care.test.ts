import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { openCore } from '../index.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { runCli } from './main.js';

function capture() {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

describe('storemas care', () => {
  const temp = tempDir('storemas-cli-care-');
  const dataDir = path.join(temp.dir, 'data');
  let birthdayId = 0;
  beforeAll(async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    const db = core.services.db;
    for (const [n, birthday, consent] of [
      [1, '1980-03-15', true],
      [2, '1991-03-15', false],
      [3, '1991-03-16', true],
    ] as const) {
      await db('members').insert({ source: 'manual', name: `会员${n}`, birthday, birth_month: 3, birth_day: Number(birthday.slice(8)), mobile: `+861380000000${n}`, marketing_consent: consent, created_at: 0, updated_at: 0 });
    }
    birthdayId = (await core.services.care.list()).find((a) => a.kind === 'birthday')!.id;
    await core.services.care.setEnabled(CLI_ACTOR, birthdayId, true);
    await core.close();
  });
  afterAll(() => temp.remove());

  it('preview prints who the automations would text on a date, mobiles whole, and sends nothing', async () => {
    const run = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'care', 'preview', '--date', '2027-03-15'], run.output)).toBe(0);
    const text = run.lines.out.join('\n');
    expect(text).toContain('2027-03-15: 1 × 生日祝福 (nothing is sent by this command)');
    expect(text).toMatch(new RegExp(`^${birthdayId} 生日祝福\\s+birthday\\s+\\d+\\s+\\+8613800000001\\s+2027-03-15$`, 'm'));
    expect(text).not.toContain('+8613800000002'); // no consent
    const json = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'care', 'preview', '--date', '2027-03-16', '--json'], json.output)).toBe(0);
    const parsed = JSON.parse(json.lines.out.join('\n')) as { total: number; automations: Array<{ automationId: number; count: number }>; members: Array<{ mobile: string; occasionDate: string }> };
    expect(parsed.total).toBe(1);
    expect(parsed.members).toEqual([expect.objectContaining({ mobile: '+8613800000003', occasionDate: '2027-03-16' })]);
    const core = await openCore(testConfig(dataDir), { lock: false });
    expect(await core.services.db('outbox_messages').count({ n: '*' })).toEqual([{ n: 0 }]);
    await core.close();
  });

  it('list shows the switches; a bad date is refused with what to type', async () => {
    const list = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'care', 'list'], list.output)).toBe(0);
    expect(list.lines.out.join('\n')).toMatch(new RegExp(`^${birthdayId}\\s+on\\s+birthday\\s+生日祝福`, 'm'));
    const bad = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'care', 'preview', '--date', '2027-02-30'], bad.output)).not.toBe(0);
    expect(bad.lines.err.join('\n')).toMatch(/YYYY-MM-DD/);
  });
});
