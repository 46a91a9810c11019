import path from 'node:path';
import { ValidationError } from './errors.js';

/**
 * Bootstrap configuration: what the appliance needs before its database is open.
 * Everything a store manager changes at run time lives in the settings table instead.
 * Every default is here, in one place.
 */
export interface ApplianceConfig {
  /** Where the database, logs, keys and the first-run password file live. */
  dataDir: string;
  /** Interface to listen on. 127.0.0.1 unless LAN access is switched on. */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** When true the host is forced to 0.0.0.0 regardless of the LAN-access setting. */
  lanAccessOverride: boolean | undefined;
  /** Directory with the built admin UI (index.html); undefined serves the API only. */
  rendererDir: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Log to stdout as well as to the rotating files in <dataDir>/logs. */
  logToConsole: boolean;
  /** Biggest JSON body accepted, in bytes. Uploads get their own limit per route. */
  bodyLimitBytes: number;
  auth: {
    /** A session ends after this many minutes without a request. */
    sessionIdleMinutes: number;
    /** Failed logins in a row before the account locks. */
    maxFailedLogins: number;
    /** How long a locked account stays locked. */
    lockoutMinutes: number;
    /** scrypt cost; 2^15 (32 MiB) by default, lowered only by tests. */
    scryptCost: number;
  };
}

export const DEFAULT_PORT = 8780;

export function defaultConfig(overrides: Partial<ApplianceConfig> = {}): ApplianceConfig {
  const base: ApplianceConfig = {
    dataDir: path.resolve(process.env.STOREMAS_DATA_DIR ?? 'data'),
    host: '127.0.0.1',
    port: process.env.STOREMAS_PORT ? Number(process.env.STOREMAS_PORT) : DEFAULT_PORT,
    lanAccessOverride: undefined,
    rendererDir: undefined,
    logLevel: (process.env.STOREMAS_LOG_LEVEL as ApplianceConfig['logLevel'] | undefined) ?? 'info',
    logToConsole: true,
    bodyLimitBytes: 1024 * 1024,
    auth: {
      sessionIdleMinutes: 30,
      maxFailedLogins: 5,
      lockoutMinutes: 15,
      scryptCost: 2 ** 15,
    },
  };
  return validateConfig({ ...base, ...overrides, auth: { ...base.auth, ...overrides.auth } });
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Bad options fail here, with a message naming the option. */
export function validateConfig(config: ApplianceConfig): ApplianceConfig {
  const fail = (option: string, why: string): never => {
    throw new ValidationError(`Invalid configuration: ${option} ${why}.`, { option });
  };
  if (!config.dataDir) fail('dataDir', 'must be a directory path');
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    fail('port', `must be a whole number from 0 to 65535 (got ${String(config.port)})`);
  }
  if (!config.host) fail('host', 'must be an address such as 127.0.0.1');
  if (!LOG_LEVELS.has(config.logLevel)) fail('logLevel', `must be one of ${[...LOG_LEVELS].join(', ')}`);
  if (!(config.bodyLimitBytes >= 1024)) fail('bodyLimitBytes', 'must be at least 1024');
  const { auth } = config;
  if (!(auth.sessionIdleMinutes >= 1)) fail('auth.sessionIdleMinutes', 'must be at least 1');
  if (!(Number.isInteger(auth.maxFailedLogins) && auth.maxFailedLogins >= 1)) {
    fail('auth.maxFailedLogins', 'must be a whole number of at least 1');
  }
  if (!(auth.lockoutMinutes >= 1)) fail('auth.lockoutMinutes', 'must be at least 1');
  if (!(Number.isInteger(Math.log2(auth.scryptCost)) && auth.scryptCost >= 2 ** 10)) {
    fail('auth.scryptCost', 'must be a power of two of at least 1024');
  }
  return { ...config, dataDir: path.resolve(config.dataDir) };
}
