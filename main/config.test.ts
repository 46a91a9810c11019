import { describe, expect, it } from 'vitest';
import { defaultConfig } from './config.js';

describe('bootstrap config', () => {
  it('defaults to loopback only, port 8780, ./data', () => {
    const config = defaultConfig({ dataDir: 'data' });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8780);
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.auth).toMatchObject({ maxFailedLogins: 5, lockoutMinutes: 15, sessionIdleMinutes: 30 });
  });

  it('names the bad option', () => {
    expect(() => defaultConfig({ port: 70000 })).toThrow(/port must be a whole number/);
    expect(() => defaultConfig({ logLevel: 'loud' as never })).toThrow(/logLevel/);
    expect(() => defaultConfig({ auth: { maxFailedLogins: 0 } as never })).toThrow(/auth.maxFailedLogins/);
    expect(() => defaultConfig({ auth: { scryptCost: 1000 } as never })).toThrow(/auth.scryptCost/);
  });
});
