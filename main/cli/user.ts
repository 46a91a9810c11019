import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { generatePassword } from '../auth/passwords.js';
import { isRole } from '../auth/permissions.js';
import { NotFoundError } from '../errors.js';
import type { OpenedCore } from '../index.js';
import { withCore } from './common.js';
import { readStdin, table, type CliOutput } from './output.js';

function parseRole(value: string): string {
  if (!isRole(value)) throw new InvalidArgumentError('use admin, manager or operator.');
  return value;
}

async function userId(core: OpenedCore, username: string): Promise<number> {
  const user = await core.services.users.findByUsername(username);
  if (!user) throw new NotFoundError(`User "${username}"`);
  return user.id;
}

async function passwordFrom(options: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin) return { password: (await readStdin()).replace(/\r?\n$/, ''), generated: false };
  return { password: generatePassword(), generated: true };
}

export function registerUserCommands(program: Command, out: CliOutput): void {
  const user = program.command('user').description('manage the people who sign in to StoreMAS');

  user
    .command('add <username>')
    .description('create a user; they must change the password at first sign-in')
    .requiredOption('-r, --role <role>', 'admin, manager or operator', parseRole)
    .option('-n, --name <displayName>', 'display name, e.g. 张伟')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (username: string, options: { role: string; name?: string; passwordStdin?: boolean }, command: Command) => {
      const { password, generated } = await passwordFrom(options);
      await withCore(command, async (core) => {
        const created = await core.services.users.create(CLI_ACTOR, {
          username,
          displayName: options.name ?? '',
          role: options.role,
          password,
          mustChangePassword: true,
        });
        out.out(`Created ${created.role} "${created.username}".`);
        if (generated) out.out(`One-time password (shown only now): ${password}`);
      });
    });

  user
    .command('passwd <username>')
    .description('set a new one-time password (ends the user’s sessions; they must change it)')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (username: string, options: { passwordStdin?: boolean }, command: Command) => {
      const { password, generated } = await passwordFrom(options);
      await withCore(command, async (core) => {
        await core.services.users.resetPassword(CLI_ACTOR, await userId(core, username), password);
        out.out(`Password of "${username}" reset; they must change it at next sign-in.`);
        if (generated) out.out(`One-time password (shown only now): ${password}`);
      });
    });

  user
    .command('disable <username>')
    .description('disable a user and end their sessions at once (停用锁止)')
    .action(async (username: string, _options: unknown, command: Command) => {
      await withCore(command, async (core) => {
        await core.services.users.setDisabled(CLI_ACTOR, await userId(core, username), true);
        out.out(`User "${username}" disabled; their sessions have ended.`);
      });
    });

  user
    .command('enable <username>')
    .description('enable a disabled user again')
    .action(async (username: string, _options: unknown, command: Command) => {
      await withCore(command, async (core) => {
        await core.services.users.setDisabled(CLI_ACTOR, await userId(core, username), false);
        out.out(`User "${username}" enabled.`);
      });
    });

  user
    .command('list')
    .description('list users with role and state')
    .action(async (_options: unknown, command: Command) => {
      await withCore(command, async (core) => {
        const now = core.services.clock.now();
        const rows = (await core.services.users.list()).map((u) => [
          u.username,
          u.displayName || '-',
          u.role,
          u.disabled ? 'disabled' : u.lockedUntil && u.lockedUntil > now ? 'locked' : u.mustChangePassword ? 'must change password' : 'active',
          u.lastLoginAt ? new Date(u.lastLoginAt).toISOString().replace('T', ' ').slice(0, 16) : 'never',
        ]);
        for (const line of table([['USER', 'NAME', 'ROLE', 'STATE', 'LAST SIGN-IN'], ...rows])) out.out(line);
      });
    });
}
