import { Command, CommanderError } from 'commander';
import { isAppError } from '../errors.js';
import { VERSION } from '../version.js';
import { consoleOutput, type CliOutput } from './output.js';
import { registerServeCommand } from './serve.js';
import { registerMigrateCommand } from './migrate.js';
import { registerUserCommands } from './user.js';
import { registerModemSimCommands } from './modem-sim.js';
import { registerModemCommands } from './modem.js';
import { registerPduCommands } from './pdu.js';
import { registerListsCommands } from './lists.js';
import { registerMembersCommands } from './members.js';
import { registerMessagingCommands } from './messaging.js';
import { registerStoreCommands } from './store.js';
import { registerServicesCommands } from './services.js';
import { registerStrategyCommands } from './strategies.js';
import { registerCampaignCommands } from './campaigns.js';
import { registerCareCommands } from './care.js';

/**
 * The `storemas` command line. Each capability registers its subcommands in
 * its own file (cli/<area>.ts) through a `register…Commands(program, out)`
 * function added to the list below.
 */
export function buildProgram(out: CliOutput = consoleOutput): Command {
  const program = new Command()
    .name('storemas')
    .description('StoreMAS — the supermarket SMS appliance (门店短信一体机)')
    .version(VERSION, '-v, --version')
    .option('-d, --data-dir <dir>', 'data directory (default: $STOREMAS_DATA_DIR or ./data)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.out(s.trimEnd()), writeErr: (s) => out.err(s.trimEnd()) });
  registerServeCommand(program, out);
  registerMigrateCommand(program, out);
  registerUserCommands(program, out);
  registerModemCommands(program, out);
  registerModemSimCommands(program, out);
  registerPduCommands(program, out);
  registerListsCommands(program, out);
  registerMembersCommands(program, out);
  registerMessagingCommands(program, out);
  registerStoreCommands(program, out);
  registerServicesCommands(program, out);
  registerStrategyCommands(program, out);
  registerCampaignCommands(program, out);
  registerCareCommands(program, out);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI and returns the exit code; errors print one clear line. */
export async function runCli(argv: string[], out: CliOutput = consoleOutput): Promise<number> {
  const program = buildProgram(out);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with code 0; usage errors were already printed by commander.
      return error.exitCode;
    }
    if (isAppError(error)) {
      out.err(`storemas: ${error.message} [${error.code}]`);
      return 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 1;
    }
    out.err(`storemas: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
