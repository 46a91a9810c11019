import type { Command } from 'commander';
import { migrations } from '../../migrations/index.js';
import { withCore } from './common.js';
import type { CliOutput } from './output.js';

export function registerMigrateCommand(program: Command, out: CliOutput): void {
  program
    .command('migrate')
    .description('apply pending database migrations (the service also does this at start)')
    .action(async (_options: unknown, command: Command) => {
      await withCore(command, async ({ migrationsApplied, services }) => {
        if (migrationsApplied.length === 0) out.out('The database is up to date.');
        for (const name of migrationsApplied) out.out(`applied ${name}`);
        out.out(`Schema: ${migrations.at(-1)?.name ?? 'none'} (${migrations.length} migrations) in ${services.databaseFile}`);
      });
    });
}
