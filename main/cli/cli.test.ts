import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/appliance.js';
import { runStoremas } from '../../tests/support/cli.js';

/** The CLI as a person runs it: a real process, real data directory. */
// Each case runs several real `storemas` processes (each loads the whole core through tsx): minutes on a busy machine, not seconds.
describe('storemas CLI', { timeout: 180_000 }, () => {
  let dataDir: string;
  let remove: () => void;
  beforeAll(() => {
    ({ dir: dataDir, remove } = tempDir());
  });
  afterAll(() => remove());

  it('prints help for the program and for each subcommand', () => {
    const help = runStoremas(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['serve', 'migrate', 'user']) expect(help.stdout).toContain(command);
    for (const args of [['serve', '--help'], ['migrate', '--help'], ['user', '--help'], ['user', 'add', '--help'], ['user', 'list', '--help']]) {
      const sub = runStoremas(args);
      expect(sub.status, args.join(' ')).toBe(0);
      expect(sub.stdout).toMatch(/Usage: storemas/);
    }
  });

  it('migrates a new data directory and reports it up to date the second time', () => {
    const first = runStoremas(['migrate', '--data-dir', dataDir]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/applied 20261122_0100_foundation/);
    const second = runStoremas(['migrate', '--data-dir', dataDir]);
    expect(second.stdout).toMatch(/up to date/);
  });

  it('adds, lists, resets and disables users', () => {
    const add = runStoremas(['user', 'add', 'zhang.wei', '--role', 'manager', '--name', '张伟', '--data-dir', dataDir]);
    expect(add.status).toBe(0);
    expect(add.stdout).toMatch(/Created manager "zhang.wei"/);
    expect(add.stdout).toMatch(/One-time password \(shown only now\): [A-Za-z2-9]{14}/);

    const withStdin = runStoremas(['user', 'add', 'li.na', '--role', 'operator', '--password-stdin', '--data-dir', dataDir], {
      input: 'Cashier2026\n',
    });
    expect(withStdin.status).toBe(0);
    expect(withStdin.stdout).not.toMatch(/One-time password/);

    const list = runStoremas(['user', 'list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(/zhang\.wei\s+张伟\s+manager\s+must change password/);
    expect(list.stdout).toMatch(/li\.na\s+-\s+operator/);

    expect(runStoremas(['user', 'passwd', 'li.na', '--data-dir', dataDir]).stdout).toMatch(/One-time password/);
    expect(runStoremas(['user', 'disable', 'li.na', '--data-dir', dataDir]).stdout).toMatch(/disabled/);
    expect(runStoremas(['user', 'list', '--data-dir', dataDir]).stdout).toMatch(/li\.na\s+-\s+operator\s+disabled/);
    expect(runStoremas(['user', 'enable', 'li.na', '--data-dir', dataDir]).status).toBe(0);
  });

  it('errors print one clear line and exit non-zero', () => {
    const unknownUser = runStoremas(['user', 'disable', 'nobody', '--data-dir', dataDir]);
    expect(unknownUser.status).not.toBe(0);
    expect(unknownUser.stderr.trim()).toBe('storemas: User "nobody" was not found. [NOT_FOUND]');

    const badRole = runStoremas(['user', 'add', 'x.y', '--role', 'boss', '--data-dir', dataDir]);
    expect(badRole.status).not.toBe(0);
    expect(badRole.stderr).toMatch(/use admin, manager or operator/);

    const weak = runStoremas(['user', 'add', 'x.y', '--role', 'operator', '--password-stdin', '--data-dir', dataDir], { input: 'abc' });
    expect(weak.status).not.toBe(0);
    expect(weak.stderr.trim().split('\n')).toHaveLength(1);
    expect(weak.stderr).toMatch(/at least 8 characters.*\[VALIDATION_FAILED\]/);

    const duplicate = runStoremas(['user', 'add', 'zhang.wei', '--role', 'operator', '--data-dir', dataDir]);
    expect(duplicate.stderr).toMatch(/already in use.*\[USERNAME_TAKEN\]/);

    const badPort = runStoremas(['serve', '--port', 'eighty', '--data-dir', dataDir]);
    expect(badPort.status).not.toBe(0);
    expect(badPort.stderr).toMatch(/port is a whole number/);

    const unknownCommand = runStoremas(['frobnicate']);
    expect(unknownCommand.status).not.toBe(0);
    expect(unknownCommand.stderr).toMatch(/unknown command/);
  });

  it('audits what the CLI changed, as the cli actor', async () => {
    const { openCore } = await import('../index.js');
    const { testConfig } = await import('../../tests/support/appliance.js');
    const core = await openCore(testConfig(dataDir), { lock: false });
    try {
      const entries = await core.services.audit.search({ username: 'cli', page: 1, pageSize: 50 });
      expect(entries.items.map((e) => e.action)).toEqual(
        expect.arrayContaining(['user.create', 'user.reset-password', 'user.disable', 'user.enable']),
      );
    } finally {
      await core.close();
    }
    expect(fs.existsSync(dataDir)).toBe(true);
  });
});
