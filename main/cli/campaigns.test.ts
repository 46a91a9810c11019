import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../index.js';
import { campaignInput, MANAGER, seedMembers } from '../campaigns/testing.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { runCli } from './main.js';

function capture() {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

describe('storemas campaigns', () => {
  const temp = tempDir('storemas-cli-campaigns-');
  const dataDir = path.join(temp.dir, 'data');
  let id = 0;
  const cli = async (...args: string[]) => {
    const run = capture();
    const code = await runCli(['node', 'storemas', '--data-dir', dataDir, 'campaigns', ...args], run.output);
    return { code, out: run.lines.out.join('\n'), err: run.lines.err.join('\n') };
  };

  beforeAll(async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    await seedMembers(core.services.db, 30, Date.now(), { tagEvery: 3 });
    const created = await core.services.campaigns.create(
      MANAGER,
      campaignInput({ name: '周五会员日', audience: { kind: 'tag', tag: '老顾客' }, schedule: { kind: 'recurring', rule: '0 10 * * 5' }, holdoutPercent: 10 }),
    );
    await core.services.campaigns.submit(MANAGER, created.id);
    id = created.id;
    await core.services.campaigns.stop();
    await core.close();
  });
  afterAll(() => temp.remove());

  it('lists and shows a campaign, then pauses, resumes and cancels it (audited as cli)', async () => {
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^ID\s+STATE\s+NAME\s+AUDIENCE\s+SCHEDULE\s+SENT\/TOTAL\s+NEXT RUN$/m);
    expect(list.out).toMatch(new RegExp(`^${id}\\s+scheduled\\s+周五会员日\\s+tag 老顾客\\s+every "0 10 \\* \\* 5"\\s+0/0\\s+\\d{4}-\\d\\d-\\d\\d 10:00`, 'm'));
    const show = await cli('show', String(id));
    expect(show.out).toContain(`#${id} 周五会员日 — scheduled`);
    expect(show.out).toContain('hold-out 10%');
    expect(JSON.parse((await cli('show', String(id), '--json')).out).campaign.id).toBe(id);

    expect((await cli('pause', String(id))).out).toBe(`#${id} 周五会员日: paused`);
    expect((await cli('list', '--state', 'paused')).out).toContain('周五会员日');
    expect((await cli('list', '--state', 'completed')).out).toBe('No campaigns.');
    expect((await cli('resume', String(id))).out).toBe(`#${id} 周五会员日: scheduled`);
    expect((await cli('cancel', String(id))).out).toBe(`#${id} 周五会员日: cancelled`);

    const again = await cli('pause', String(id));
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/cancelled; it can pause only when scheduled or running/);
    expect((await cli('show', '999')).err).toMatch(/There is no campaign 999/);
    expect((await cli('list', '--state', 'done')).code).not.toBe(0);

    const core = await openCore(testConfig(dataDir), { lock: false });
    try {
      const actions: Array<{ action: string; username: string }> = await core.services.db('audit_log').select('action', 'username').where('target', `campaign:${id}`).orderBy('id');
      expect(actions.filter((a) => a.username === 'cli').map((a) => a.action)).toEqual(['campaigns.pause', 'campaigns.resume', 'campaigns.cancel']);
    } finally {
      await core.services.campaigns.stop();
      await core.close();
    }
  });
});
