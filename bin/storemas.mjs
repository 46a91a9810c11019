#!/usr/bin/env node
// The `storemas` command. Runs the TypeScript core straight from source through
// tsx, so `npx storemas` works right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../main/cli/main.ts');
process.exitCode = await runCli(process.argv);
// A command that has finished ends, even if a library left a handle open (stdout is flushed well before).
setTimeout(() => process.exit(), 2_000).unref();
