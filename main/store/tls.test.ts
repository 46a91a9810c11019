import net from 'node:net';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import knexFactory from 'knex';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { tempDir } from '../../tests/support/appliance.js';
import { migrateToLatest } from '../db/migrate.js';
import { openSource } from './connectors.js';
import { fetchServerCertificate } from './server-certificate.js';
import { PinMismatchError, classifyTlsError, mssqlEncryption, mysqlSsl, normalizeTls, pgSsl, pinnedIdentity, type ConnectionTls } from './tls.js';

let pem: string;
let fingerprint: string;

beforeAll(async () => {
  pem = (await generate([{ name: 'commonName', value: 'pos-server' }], { keyType: 'ec', algorithm: 'sha256' })).cert;
  fingerprint = new X509Certificate(pem).fingerprint256;
});

describe('connection encryption settings', () => {
  it('verifies by default and recomputes what it stores about a trusted certificate', () => {
    expect(normalizeTls(undefined)).toEqual({ mode: 'verify' });
    expect(normalizeTls({ mode: 'off' })).toEqual({ mode: 'off' });
    const trusted = normalizeTls({ mode: 'verify', trusted: { kind: 'server', pem, fingerprint256: fingerprint.toLowerCase(), subject: 'forged', validTo: 1 } });
    expect(trusted.trusted).toMatchObject({ kind: 'server', fingerprint256: fingerprint, subject: 'CN=pos-server' });
    expect(trusted.trusted!.validTo).toBe(Date.parse(new X509Certificate(pem).validTo));
  });

  it('refuses an unknown mode, a certificate that is not one PEM certificate, and one other than confirmed', () => {
    const refused = (value: unknown, message: RegExp) => expect(() => normalizeTls(value)).toThrow(expect.objectContaining({ code: 'CONNECTION_INVALID', message: expect.stringMatching(message) }));
    refused({ mode: 'insecure' }, /verify .* or off/);
    refused({ mode: 'verify', trusted: { kind: 'server', pem: 'hello' } }, /exactly one PEM certificate/);
    refused({ mode: 'verify', trusted: { kind: 'server', pem: pem + pem } }, /exactly one PEM certificate/);
    refused({ mode: 'verify', trusted: { kind: 'anything', pem } }, /server’s own \(server\) or its authority’s \(ca\)/);
    refused({ mode: 'verify', trusted: { kind: 'ca', pem, fingerprint256: 'AA:BB' } }, /not the one confirmed/);
  });

  it('never asks a driver to accept an unverified certificate, whatever the settings', () => {
    const variants: ConnectionTls[] = [
      { mode: 'verify' },
      normalizeTls({ mode: 'verify', trusted: { kind: 'server', pem } }),
      normalizeTls({ mode: 'verify', trusted: { kind: 'ca', pem } }),
    ];
    for (const tls of variants) {
      expect(pgSsl(tls)).toMatchObject({ rejectUnauthorized: true });
      expect(mysqlSsl(tls, 'pos.local').ssl).toMatchObject({ rejectUnauthorized: true });
      expect(mssqlEncryption(tls)).toMatchObject({ encrypt: true, trustServerCertificate: false });
    }
    // No trust: public authorities and the host name. A pinned server certificate: the only anchor, matched by fingerprint.
    expect(mysqlSsl(variants[0]!, 'pos.local')).toEqual({ ssl: { rejectUnauthorized: true, verifyIdentity: true }, identityAfterConnect: false });
    expect(pgSsl(variants[1]!)).toMatchObject({ ca: variants[1]!.trusted!.pem });
    expect(mysqlSsl(variants[1]!, '10.0.0.5')).toEqual({ ssl: { rejectUnauthorized: true, ca: variants[1]!.trusted!.pem, verifyIdentity: false }, identityAfterConnect: false });
    expect(mysqlSsl(variants[2]!, 'pos.local')).toMatchObject({ ssl: { verifyIdentity: true }, identityAfterConnect: false });
    // By IP address the name is checked by StoreMAS (mysql2 would compare it with "localhost").
    expect(mysqlSsl(variants[2]!, '10.0.0.5')).toMatchObject({ ssl: { verifyIdentity: false }, identityAfterConnect: true });
    expect(mssqlEncryption(variants[2]!)).toMatchObject({ cryptoCredentialsDetails: { ca: variants[2]!.trusted!.pem } });
    // Off means no TLS at all, never TLS without verification.
    expect([pgSsl({ mode: 'off' }), mysqlSsl({ mode: 'off' }, 'h').ssl, mssqlEncryption({ mode: 'off' })]).toEqual([false, undefined, { encrypt: false, trustServerCertificate: false }]);
  });

  it('accepts exactly the pinned certificate, whatever name it carries', () => {
    const check = pinnedIdentity(fingerprint);
    expect(check('10.0.0.5', { fingerprint256: fingerprint } as PeerCertificate)).toBeUndefined();
    expect(check('10.0.0.5', { fingerprint256: 'AA:' + fingerprint.slice(3) } as PeerCertificate)).toBeInstanceOf(PinMismatchError);
  });

  it('words TLS failures as what to do, also when a driver wraps them', () => {
    const tls = (code: string, message = '') => Object.assign(new Error(message || code), { code });
    const none: ConnectionTls = { mode: 'verify' };
    const pinned = normalizeTls({ mode: 'verify', trusted: { kind: 'server', pem } });
    expect(classifyTlsError(tls('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'hq', none)?.code).toBe('SOURCE_TLS_UNTRUSTED');
    expect(classifyTlsError(tls('DEPTH_ZERO_SELF_SIGNED_CERT'), 'hq', pinned)).toMatchObject({ code: 'SOURCE_TLS_PIN_MISMATCH', details: { trustedFingerprint: fingerprint } });
    expect(classifyTlsError(new PinMismatchError(fingerprint, 'AA'), 'hq', pinned)?.code).toBe('SOURCE_TLS_PIN_MISMATCH');
    expect(classifyTlsError(tls('CERT_HAS_EXPIRED'), 'hq', none)?.code).toBe('SOURCE_TLS_EXPIRED');
    expect(classifyTlsError(tls('ERR_TLS_CERT_ALTNAME_INVALID', "Host: pos. is not in the cert's altnames"), 'hq', none)?.code).toBe('SOURCE_TLS_HOST_MISMATCH');
    expect(classifyTlsError(tls('HANDSHAKE_NO_SSL_SUPPORT', 'Server does not support secure connection'), 'hq', none)?.code).toBe('SOURCE_TLS_UNSUPPORTED');
    // mysql2 renames every TLS failure HANDSHAKE_SSL_ERROR; Node's message still says which.
    expect(classifyTlsError(tls('HANDSHAKE_SSL_ERROR', 'certificate has expired'), 'hq', none)?.code).toBe('SOURCE_TLS_EXPIRED');
    expect(classifyTlsError(tls('HANDSHAKE_SSL_ERROR', 'self-signed certificate'), 'hq', pinned)?.code).toBe('SOURCE_TLS_PIN_MISMATCH');
    // tedious: ConnectionError ESOCKET with the TLS error as its cause.
    const wrapped = Object.assign(new Error('Failed to connect to pos:1433 - self-signed certificate'), { code: 'ESOCKET', cause: tls('DEPTH_ZERO_SELF_SIGNED_CERT') });
    expect(classifyTlsError(wrapped, 'hq', none)?.code).toBe('SOURCE_TLS_UNTRUSTED');
    expect(classifyTlsError(tls('ECONNREFUSED'), 'hq', none)).toBeUndefined();
  });
});

describe('a server that offers no TLS (real drivers against a scripted greeting)', () => {
  const servers: net.Server[] = [];
  const listen = async (onConnection: (socket: net.Socket) => void): Promise<number> => {
    const server = net.createServer(onConnection);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  };
  afterAll(() => servers.forEach((server) => server.close()));

  it('PostgreSQL answering N: verified TLS and 检查证书 both say TLS is not offered', async () => {
    const port = await listen((socket) => socket.once('data', () => socket.write('N')));
    const source = openSource('hq', 'pg', { host: '127.0.0.1', port, database: 'pos', user: 'reader' }, 'pw');
    await expect(source.info()).rejects.toMatchObject({ code: 'SOURCE_TLS_UNSUPPORTED', message: expect.stringMatching(/does not offer encryption/) });
    await source.close();
    await expect(fetchServerCertificate('hq', 'pg', { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'SOURCE_TLS_UNSUPPORTED' });
  });

  it('MySQL greeting without the SSL capability: the same', async () => {
    const greeting = Buffer.concat([
      Buffer.from([10]),
      Buffer.from('5.5.5-10.11.6-MariaDB\0'),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from('abcdefgh'),
      Buffer.from([0]),
      Buffer.from([0xff, 0xf7 & ~0x08]), // capabilities, low half, CLIENT_SSL (0x0800) cleared
      Buffer.from([45, 2, 0, 0xff, 0x81, 21]),
      Buffer.alloc(10),
      Buffer.from('ijklmnopqrst\0'),
      Buffer.from('mysql_native_password\0'),
    ]);
    const packet = Buffer.concat([Buffer.from([greeting.length & 0xff, greeting.length >> 8, 0, 0]), greeting]);
    const port = await listen((socket) => socket.write(packet));
    const source = openSource('hq', 'mysql', { host: '127.0.0.1', port, database: 'pos', user: 'reader' }, 'pw');
    await expect(source.info()).rejects.toMatchObject({ code: 'SOURCE_TLS_UNSUPPORTED' });
    await source.close();
    await expect(fetchServerCertificate('hq', 'mysql', { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'SOURCE_TLS_UNSUPPORTED' });
  });

  it('SQL Server and SQLite: 检查证书 says what to do instead', async () => {
    await expect(fetchServerCertificate('hq', 'mssql', { host: '127.0.0.1' })).rejects.toMatchObject({ code: 'TLS_INSPECT_UNSUPPORTED', message: expect.stringMatching(/paste it/) });
  });
});

describe('migration 20261206_0100: ssl / trustServerCertificate become one tls mode', () => {
  it('keeps unencrypted connections unencrypted and makes encrypted ones verify', async () => {
    const temp = tempDir();
    const db = knexFactory({ client: 'sqlite3', connection: { filename: path.join(temp.dir, 'db.sqlite') }, useNullAsDefault: true });
    try {
      const index = migrations.findIndex((m) => m.name === '20261206_0100_store_connection_tls');
      await migrateToLatest(db, migrations.slice(0, index));
      const row = (name: string, client: string, settings: Record<string, unknown>) => ({ name, client, settings: JSON.stringify(settings), enabled: true, schedule_minutes: 15, full_compare_hours: 24, created_at: 1, updated_at: 1 });
      await db('store_connections').insert([
        row('pg-plain', 'pg', { host: 'h', ssl: false }),
        row('pg-ssl', 'pg', { host: 'h', ssl: true }),
        row('my-default', 'mysql', { host: 'h' }),
        row('ms-default', 'mssql', { host: 'h' }),
        row('ms-trusting', 'mssql', { host: 'h', ssl: true, trustServerCertificate: true }),
        row('ms-plain', 'mssql', { host: 'h', ssl: false }),
        row('file', 'sqlite', { file: '/pos.sqlite' }),
      ]);
      await migrateToLatest(db);
      const settings = Object.fromEntries(((await db('store_connections').select('name', 'settings')) as Array<{ name: string; settings: string }>).map((r) => [r.name, JSON.parse(r.settings) as unknown]));
      expect(settings).toEqual({
        'pg-plain': { host: 'h', tls: { mode: 'off' } },
        'pg-ssl': { host: 'h', tls: { mode: 'verify' } },
        'my-default': { host: 'h', tls: { mode: 'off' } },
        'ms-default': { host: 'h', tls: { mode: 'verify' } },
        'ms-trusting': { host: 'h', tls: { mode: 'verify' } },
        'ms-plain': { host: 'h', tls: { mode: 'off' } },
        file: { file: '/pos.sqlite' },
      });
    } finally {
      await db.destroy();
      temp.remove();
    }
  });
});
