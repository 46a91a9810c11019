/**
 * The MAS database connection is encrypted and verified the way POS
 * connections are (main/store/tls.ts): a real MariaDB serving TLS with a
 * self-signed certificate, as a store's own server would have.
 */
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { openCore, type OpenedCore } from '../../main/index.js';
import { fetchServerCertificate } from '../../main/store/server-certificate.js';
import { startMariaDb, type DbServer, type ServerTls } from '../support/dbservers.js';
import { tempDir, testConfig } from '../support/appliance.js';

const USER = { user: 'storemas', password: 'storemas-pw' };

async function selfSigned(name: string): Promise<ServerTls> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: name }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

let server: DbServer;
let serverTls: ServerTls;
let core: OpenedCore;
const data = tempDir('storemas-masdb-tls-');

beforeAll(async () => {
  serverTls = await selfSigned('mas-db.local');
  server = await startMariaDb({ tls: serverTls });
  await server.exec(`CREATE USER '${USER.user}'@'%' IDENTIFIED BY '${USER.password}'; GRANT ALL ON \`mas\`.* TO '${USER.user}'@'%';`);
  core = await openCore(testConfig(data.dir), { lock: false });
}, 120_000);

afterAll(async () => {
  await core?.close();
  await server?.stop();
  data.remove();
});

describe('MAS database over TLS', () => {
  const attempt = (tls: Parameters<OpenedCore['services']['masDb']['testConnection']>[0]['tls']) =>
    core.services.masDb.testConnection({ host: server.host, port: server.port, ...USER, tls });

  it('refuses a self-signed server by default, and connects encrypted once its certificate is trusted', async () => {
    await expect(attempt(undefined)).rejects.toMatchObject({ code: 'MAS_DB_TLS_UNTRUSTED', message: expect.stringMatching(/MAS database server .*Check certificate/) });

    // 检查证书 (the same endpoint the POS dialog uses) shows what the server presents; the administrator pins it.
    const presented = await fetchServerCertificate('mas', 'mysql', { host: server.host, port: server.port });
    const pinned = { mode: 'verify' as const, trusted: { kind: 'server' as const, pem: presented.chain[0]!.pem, fingerprint256: presented.chain[0]!.fingerprint256 } };
    expect(await attempt(pinned)).toMatchObject({ encrypted: true });

    // Saved, the fingerprint and subject are computed by StoreMAS from the PEM, as for POS connections.
    const saved = await core.services.masDb.saveConnection(SYSTEM_ACTOR, { host: server.host, port: server.port, ...USER, tls: { mode: 'verify', trusted: { kind: 'server', pem: serverTls.cert } } });
    expect(saved.tls).toMatchObject({ mode: 'verify', trusted: { kind: 'server', fingerprint256: presented.chain[0]!.fingerprint256, subject: 'CN=mas-db.local' } });
    // A fingerprint that is not the PEM's (not what the administrator confirmed) is refused.
    await expect(attempt({ mode: 'verify', trusted: { kind: 'server', pem: serverTls.cert, fingerprint256: 'AA:BB' } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('names the reason: another certificate pinned, an authority whose certificate does not name the address', async () => {
    const other = await selfSigned('someone-else.local');
    await expect(attempt({ mode: 'verify', trusted: { kind: 'server', pem: other.cert } })).rejects.toMatchObject({ code: 'MAS_DB_TLS_PIN_MISMATCH' });
    // Trusted as an authority, the certificate must name the host; 127.0.0.1 is an IP address, checked right after connecting.
    await expect(attempt({ mode: 'verify', trusted: { kind: 'ca', pem: serverTls.cert } })).rejects.toMatchObject({ code: 'MAS_DB_TLS_HOST_MISMATCH' });
    // Off is an explicit choice: no TLS at all.
    expect(await attempt({ mode: 'off' })).toMatchObject({ encrypted: false });
  });
});
