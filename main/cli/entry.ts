// Entry of the bundled headless core (out/main/core.js): `node out/main/core.js serve`.
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv);
