import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { createAppliance } from '../index.js';
import { ensureDemoStore } from '../store/demo/ensure.js';
import { configFrom } from './common.js';
import type { CliOutput } from './output.js';

/** How long `serve` waits for a clean stop on Ctrl+C or SIGTERM before it exits anyway. */
const STOP_DEADLINE_MS = 20_000;

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  }
  return port;
}

/** The built admin UI next to the sources (out/renderer), when it has been built. */
function findRendererDir(): string | undefined {
  const candidates = [
    process.env.STOREMAS_RENDERER_DIR,
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/renderer'),
    path.resolve('out/renderer'),
  ];
  return candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'index.html')));
}

export function registerServeCommand(program: Command, out: CliOutput): void {
  program
    .command('serve')
    .description('run the appliance headless: the same core the desktop app runs')
    .option('-p, --port <port>', 'TCP port (default 8780, or $STOREMAS_PORT)', parsePort)
    .option('--host <address>', 'address to listen on when LAN access is off', '127.0.0.1')
    .option('--lan', 'listen on all interfaces (LAN access) whatever the setting says')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option('--no-demo', 'on a fresh data directory, do not set up the demo POS database')
    .action(async (options: { port?: number; host: string; lan?: boolean; logLevel: string; demo: boolean }, command: Command) => {
      const config = configFrom(command, {
        ...(options.port !== undefined ? { port: options.port } : {}),
        host: options.host,
        lanAccessOverride: options.lan ? true : undefined,
        logLevel: options.logLevel as never,
        logToConsole: true,
        rendererDir: findRendererDir(),
      });
      const appliance = createAppliance(config);
      const started = await appliance.start();
      if (options.demo) void ensureDemoStore(appliance.services).catch((error: unknown) => appliance.logger.warn({ err: error }, 'demo POS setup failed'));
      out.out('');
      out.out(`StoreMAS ${appliance.services.version} is running: ${started.url}`);
      if (started.lan) {
        out.out(`Other computers in the store (HTTPS): ${started.lan.urls.join('  ') || `https://<this computer's address>:${started.port}/`}`);
        out.out(`Certificate SHA-256 fingerprint: ${started.lan.fingerprint256}`);
        out.out('  Staff: before signing in, check that the browser shows this fingerprint (also in 设置 Settings).');
      }
      out.out(`Data directory: ${config.dataDir}`);
      if (!config.rendererDir) out.out('The admin UI is not built: run `npm run build:renderer` (npm start does it).');
      if (started.initialAdminPassword) {
        out.out('');
        out.out('First run: sign in as user "admin" with this one-time password (you must change it):');
        out.out(`    ${started.initialAdminPassword}`);
        out.out(`It is also in ${started.initialPasswordFile} (readable only by this user) until you change it.`);
      } else if (started.initialPasswordFile) {
        out.out(`The first-run password of "admin" is in ${started.initialPasswordFile} until you change it.`);
      }
      out.out('Press Ctrl+C to stop.');
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          appliance.logger.info({ signal }, 'stopping');
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          // A part in flight is recorded before it is sent, so a stop that hangs (a modem that never
          // answers) may be cut short: the next start settles whatever was left.
          const cutShort = setTimeout(() => {
            appliance.logger.warn({ afterMs: STOP_DEADLINE_MS }, 'stopping took too long; exiting anyway');
            resolve();
          }, STOP_DEADLINE_MS);
          cutShort.unref();
          appliance.stop().then(resolve, resolve).finally(() => clearTimeout(cutShort));
        };
        const onInt = () => shutdown('SIGINT');
        const onTerm = () => shutdown('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
      out.out('StoreMAS stopped.');
    });
}
