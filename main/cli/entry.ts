// Entry of the bundled headless core (out/main/core.js): `node out/main/core.js serve`.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv);
// A command that has finished ends, even if a library left a handle open (stdout is flushed well before).
setTimeout(() => process.exit(), 2_000).unref();
