import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import { LanCertificate, RENEW_BEFORE_MS, checkCertificatePair } from './certificate.js';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 11, 6, 2);

async function pair(options: { from?: number; to?: number; passphrase?: string; cn?: string } = {}) {
  const pems = await generate([{ name: 'commonName', value: options.cn ?? 'pos.example' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(options.from ?? NOW - DAY),
    notAfterDate: new Date(options.to ?? NOW + 365 * DAY),
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
  });
  return { cert: pems.cert, key: pems.private };
}

describe('the LAN certificate', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let certificate: LanCertificate;
  const logged: Array<{ level: string; message: string }> = [];

  beforeAll(async () => {
    clock = new ManualClock(NOW);
    app = await createTestAppliance({ clock });
    const logger = app.services.logger.child({});
    for (const level of ['info', 'warn'] as const) {
      logger[level] = ((_: unknown, message: string) => void logged.push({ level, message })) as never;
    }
    certificate = new LanCertificate({
      dataDir: app.dataDir,
      clock,
      audit: app.services.audit,
      events: app.services.events,
      logger,
      machine: () => ({ hostname: 'kasse-pc', addresses: ['192.168.1.20'] }),
    });
  });
  afterAll(() => app.close());

  it('is generated on first use, names this machine, and keeps its key owner-only', async () => {
    expect(certificate.info()).toBeUndefined();
    const info = await certificate.ensure();
    expect(info).toMatchObject({ source: 'generated', selfSigned: true, ca: false, validFrom: NOW - 3600_000, validTo: NOW + 730 * DAY });
    expect(info.names).toEqual(['DNS:kasse-pc', 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:192.168.1.20']);
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const served = new X509Certificate(certificate.pair().cert);
    expect(served.fingerprint256).toBe(info.fingerprint256);
    expect(served.checkPrivateKey((await import('node:crypto')).createPrivateKey(certificate.pair().key))).toBe(true);
    expect(fs.statSync(path.join(app.dataDir, 'tls', 'generated.key')).mode & 0o777).toBe(0o600);
    // A second start keeps it: the fingerprint staff know stays the same.
    expect((await certificate.ensure()).fingerprint256).toBe(info.fingerprint256);
  });

  it('is renewed, with a log line naming the new fingerprint, when it expires within 30 days', async () => {
    const before = (await certificate.ensure()).fingerprint256;
    const changes: string[] = [];
    const stop = certificate.onDidChange(({ cert }) => changes.push(new X509Certificate(cert).fingerprint256));
    clock.advance(730 * DAY - RENEW_BEFORE_MS - DAY);
    expect((await certificate.ensure()).fingerprint256).toBe(before); // 31 days left: kept
    clock.advance(2 * DAY);
    const renewed = await certificate.ensure();
    stop();
    expect(renewed.fingerprint256).not.toBe(before);
    expect(renewed.validTo).toBe(clock.now() + 730 * DAY);
    expect(changes).toEqual([renewed.fingerprint256]);
    expect(logged.find((entry) => entry.level === 'warn' && entry.message.includes(renewed.fingerprint256))?.message).toMatch(/renewed .* tell staff/);
    clock.set(NOW);
  });

  it('refuses an uploaded pair that would not work, saying why, and writes nothing', async () => {
    const good = await pair();
    const other = await pair();
    const expect400 = (fn: () => unknown, code: string) => expect(fn).toThrow(expect.objectContaining({ code, status: 400 }));
    expect400(() => checkCertificatePair('hello', good.key, NOW), 'LAN_CERTIFICATE_INVALID');
    expect400(() => checkCertificatePair(good.cert, 'not a key', NOW), 'LAN_KEY_INVALID');
    expect400(() => checkCertificatePair(good.cert, other.key, NOW), 'LAN_KEY_MISMATCH');
    const locked = await pair({ passphrase: 'geheim' });
    expect400(() => checkCertificatePair(locked.cert, locked.key, NOW), 'LAN_KEY_ENCRYPTED');
    const old = await pair({ from: NOW - 400 * DAY, to: NOW - DAY });
    expect400(() => checkCertificatePair(old.cert, old.key, NOW), 'LAN_CERTIFICATE_EXPIRED');
    const future = await pair({ from: NOW + 10 * DAY, to: NOW + 400 * DAY });
    expect400(() => checkCertificatePair(future.cert, future.key, NOW), 'LAN_CERTIFICATE_NOT_YET_VALID');
    await expect(certificate.upload(CLI_ACTOR, good.cert, other.key)).rejects.toMatchObject({ code: 'LAN_KEY_MISMATCH' });
    expect(fs.existsSync(path.join(app.dataDir, 'tls', 'uploaded.crt'))).toBe(false);
    expect(certificate.info()?.source).toBe('generated');
  });

  it('serves an uploaded pair until the administrator goes back to the generated one; both are audited', async () => {
    const generated = (await certificate.ensure()).fingerprint256;
    const mine = await pair({ cn: 'storemas.haoyouduo.example' });
    const served: string[] = [];
    certificate.onDidChange(({ cert }) => served.push(new X509Certificate(cert).fingerprint256));
    const uploaded = await certificate.upload(CLI_ACTOR, mine.cert, mine.key);
    expect(uploaded).toMatchObject({ source: 'uploaded', subject: 'CN=storemas.haoyouduo.example', fingerprint256: new X509Certificate(mine.cert).fingerprint256 });
    expect(fs.statSync(path.join(app.dataDir, 'tls', 'uploaded.key')).mode & 0o777).toBe(0o600);
    expect(certificate.info()).toEqual(uploaded);
    const back = await certificate.useGenerated(CLI_ACTOR);
    expect(back).toMatchObject({ source: 'generated', fingerprint256: generated });
    expect(served).toEqual([uploaded.fingerprint256, generated]);
    await expect(certificate.useGenerated(CLI_ACTOR)).rejects.toMatchObject({ code: 'LAN_CERTIFICATE_NOT_UPLOADED', status: 409 });
    const audit = await app.services.db('audit_log').whereLike('action', 'settings.lan-certificate.%').orderBy('id');
    expect(audit.map((row: { action: string; target: string }) => [row.action, row.target])).toEqual([
      ['settings.lan-certificate.upload', 'CN=storemas.haoyouduo.example'],
      ['settings.lan-certificate.reset', 'CN=storemas.haoyouduo.example'],
    ]);
  });

  it('appears in 设置 as soon as LAN access is switched on, before the restart, so its fingerprint can be handed out', async () => {
    const other = await createTestAppliance({ clock });
    try {
      const admin = await other.client('admin');
      expect((await admin.get('/api/settings/lan-certificate')).json()).toEqual({ certificate: null });
      await admin.put('/api/settings', { lanAccess: true });
      const shown = (await admin.get('/api/settings/lan-certificate')).json() as { certificate: { source: string; fingerprint256: string } };
      expect(shown.certificate).toMatchObject({ source: 'generated', fingerprint256: other.services.lanCertificate.info()!.fingerprint256 });
      expect(fs.existsSync(path.join(other.dataDir, 'tls', 'generated.crt'))).toBe(true);
      const manager = await other.client('manager');
      expect((await manager.get('/api/settings/lan-certificate')).statusCode).toBe(200);
      expect((await manager.delete('/api/settings/lan-certificate')).statusCode).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('refuses a key file others can read, as it does for the secret key', async () => {
    const keyFile = path.join(app.dataDir, 'tls', 'generated.key');
    fs.chmodSync(keyFile, 0o644);
    try {
      const fresh = new LanCertificate({ dataDir: app.dataDir, clock, audit: app.services.audit, events: app.services.events, logger: app.services.logger });
      expect(() => fresh.info()).toThrow(expect.objectContaining({ code: 'LAN_KEY_EXPOSED' }));
    } finally {
      fs.chmodSync(keyFile, 0o600);
    }
  });
});
