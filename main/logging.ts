import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createStream } from 'rotating-file-stream';
import type { ApplianceConfig } from './config.js';

/** Secrets never reach a log line, whatever object is logged. */
const REDACT = [
  'password',
  'newPassword',
  'currentPassword',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export interface ApplianceLogger {
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Structured JSON logs (pino) to <dataDir>/logs/storemas.log, rotated daily or
 * at 10 MB with 14 files kept, and to the console. Rotation runs in-process (no
 * worker thread) so the same code works under Node, Electron and vitest.
 */
export function createLogger(config: ApplianceConfig): ApplianceLogger {
  const logDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const file = createStream('storemas.log', {
    path: logDir,
    size: '10M',
    interval: '1d',
    maxFiles: 14,
  });
  const streams: pino.StreamEntry[] = [{ stream: file, level: config.logLevel === 'silent' ? 'fatal' : config.logLevel }];
  if (config.logToConsole) streams.push({ stream: process.stdout, level: config.logLevel === 'silent' ? 'fatal' : config.logLevel });
  const logger = pino(
    { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'storemas' } },
    pino.multistream(streams),
  );
  return {
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        logger.flush();
        file.end(() => resolve());
      }),
  };
}
