import { afterEach, describe, expect, it } from 'vitest';
import { runStoremas, startServe, type ServeProcess } from '../../tests/support/cli.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { openCore } from '../index.js';
import { parseSendTime } from './messaging.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('parseSendTime', () => {
  it('reads store wall-clock time in the policy time zone, or ISO 8601 with an offset', () => {
    expect(parseSendTime('2026-11-23 09:30', 'Asia/Shanghai')).toBe(Date.UTC(2026, 10, 23, 1, 30));
    expect(parseSendTime('2026-11-23T09:30:00+08:00', 'UTC')).toBe(Date.UTC(2026, 10, 23, 1, 30));
    expect(() => parseSendTime('tomorrow', 'Asia/Shanghai')).toThrow(/is not a time/);
    expect(() => parseSendTime('2026-11-23T09:30:00', 'Asia/Shanghai')).toThrow(/offset/);
  });
});

describe('storemas send / outbox status', () => {
  it('queues into the outbox of the data directory and the running service sends it', async () => {
    const temp = tempDir();
    cleanups.push(temp.remove);
    const queued = runStoremas(['send', '--to', '13800138000,139 0013 9000', '--text', '您的订单已到货', '--category', 'transactional', '--data-dir', temp.dir]);
    expect(queued.stderr).toBe('');
    expect(queued.stdout).toContain('Queued 2 of 2 message(s).');
    const later = runStoremas(['send', '--to', '13800138000', '--text', '明早见', '--category', 'transactional', '--at', '2099-01-01 08:00', '--data-dir', temp.dir]);
    expect(later.stdout).toContain('1 for later');
    const bad = runStoremas(['send', '--to', '1380013', '--text', 'x', '--data-dir', temp.dir]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('"1380013" is not a valid mobile number');

    const serve: ServeProcess = await startServe(['--data-dir', temp.dir]);
    cleanups.push(async () => void (await serve.stop()));
    const deadline = Date.now() + 30_000;
    let counts: Record<string, number> = {};
    while (Date.now() < deadline) {
      const status = runStoremas(['outbox', 'status', '--json', '--data-dir', temp.dir]);
      counts = (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts;
      if ((counts.sent ?? 0) + (counts.delivered ?? 0) === 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((counts.sent ?? 0) + (counts.delivered ?? 0)).toBe(2);
    expect(counts.queued).toBe(1);
  }, 90_000);
});

describe('storemas send --via', () => {
  it('pins the messages to the named modem and refuses one that does not exist', async () => {
    const temp = tempDir();
    cleanups.push(temp.remove);
    const core = await openCore(testConfig(temp.dir), { lock: false });
    const modem = await core.services.modems.add({ name: '收银台', kind: 'simulator' }, SYSTEM_ACTOR);
    await core.close();

    const unknown = runStoremas(['send', '--to', '13800138071', '--text', '取货提醒', '--via', '仓库', '--data-dir', temp.dir]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('There is no modem "仓库"');
    expect(unknown.stderr).toContain(`收银台 (${modem.config.id})`);
    const pinned = runStoremas(['send', '--to', '13800138071', '--text', '取货提醒', '--category', 'transactional', '--via', '收银台', '--data-dir', temp.dir]);
    expect(pinned.stderr).toBe('');
    expect(pinned.stdout).toContain('Queued 1 of 1 message(s), through 收银台 only.');

    const reopened = await openCore(testConfig(temp.dir), { lock: false });
    cleanups.push(() => reopened.close());
    expect(await reopened.services.db('outbox_messages').select('recipient', 'pinned_modem')).toEqual([{ recipient: '+8613800138071', pinned_modem: modem.config.id }]);
  }, 60_000);
});
