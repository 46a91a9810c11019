import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import pino from 'pino';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { createAppliance, type Appliance, type StartResult } from '../index.js';
import { TEST_PASSWORD, tempDir, testConfig } from '../../tests/support/appliance.js';
import { lanIPv4Addresses } from './addresses.js';
import { serveHttpsAndLocalHttp } from './listener.js';

/**
 * LAN access over TLS with real sockets: a real appliance listening on all
 * interfaces, real TLS and HTTP clients. The peer certificate a TLS client
 * receives is compared with the fingerprint the API, the start result and
 * the data directory hold.
 */
interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string; insecure?: boolean } = {},
): Promise<Reply & { fingerprint256?: string }> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: options.method ?? 'GET',
        headers: { ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers },
        agent: false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.insecure ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const socket = res.socket as tls.TLSSocket | null;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint256: socket?.getPeerCertificate?.().fingerprint256 });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The certificate a TLS client is shown by host:port, without trusting it. */
function presentedFingerprint(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('LAN access over HTTPS (a real appliance on all interfaces)', () => {
  const temp = tempDir('storemas-lan-');
  let appliance: Appliance;
  let started: StartResult;
  let base: { https: string; http: string };
  let token: string;

  beforeAll(async () => {
    appliance = createAppliance(testConfig(temp.dir, { lanAccessOverride: true }));
    started = await appliance.start();
    base = { https: `https://127.0.0.1:${started.port}`, http: `http://127.0.0.1:${started.port}` };
    await appliance.services.users.create(CLI_ACTOR, { username: 'boss', role: 'admin', password: TEST_PASSWORD, mustChangePassword: false });
  }, 60_000);
  afterAll(async () => {
    await appliance?.stop();
    temp.remove();
  });

  it('serves HTTPS with the generated certificate whose fingerprint the start result and 设置 show', async () => {
    const info = appliance.services.lanCertificate.info()!;
    expect(info.source).toBe('generated');
    expect(started.url).toBe(`http://127.0.0.1:${started.port}/`); // the desktop window's address stays plain loopback HTTP
    expect(started.lan?.fingerprint256).toBe(info.fingerprint256);
    expect(started.lan?.urls).toEqual(lanIPv4Addresses().map((ip) => `https://${ip}:${started.port}/`));
    expect(await presentedFingerprint('127.0.0.1', started.port)).toBe(info.fingerprint256);

    // Fully verified: trusting just this certificate, the client accepts it for 127.0.0.1 (it names the address).
    const login = await request(`${base.https}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'boss', password: TEST_PASSWORD }), ca: appliance.services.lanCertificate.pair().cert });
    expect(login.status).toBe(200);
    expect(login.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict; Secure$/);
    token = (JSON.parse(login.body) as { token: string }).token;

    const shown = await request(`${base.https}/api/settings/lan-certificate`, { headers: { authorization: `Bearer ${token}` }, insecure: true });
    expect(shown.status).toBe(200);
    expect(JSON.parse(shown.body)).toMatchObject({ certificate: { fingerprint256: info.fingerprint256, source: 'generated' } });
    expect(shown.fingerprint256).toBe(info.fingerprint256);
    const settings = JSON.parse((await request(`${base.https}/api/settings`, { headers: { authorization: `Bearer ${token}` }, insecure: true })).body) as { listening: { lanUrls: string[]; restartNeeded: boolean } };
    expect(settings.listening).toMatchObject({ lanUrls: started.lan!.urls, restartNeeded: true }); // --lan overrides the (off) setting
  });

  it('serves plain HTTP to this machine only; another machine is sent to https or refused, and never reaches the API', async () => {
    const local = await request(`${base.http}/api/health`);
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body)).toMatchObject({ status: 'ok' });
    const plainLogin = await request(`${base.http}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'boss', password: TEST_PASSWORD }) });
    expect(plainLogin.headers['set-cookie']?.[0]).not.toMatch(/Secure/);

    // From another machine's point of view: this machine's own LAN address is not loopback. (Machines without a
    // LAN address are covered by the listener test below, which decides "another machine" by injection.)
    for (const ip of lanIPv4Addresses().slice(0, 1)) {
      const before = await appliance.services.db('audit_log').where('action', 'login').count({ n: '*' });
      const page = await request(`http://${ip}:${started.port}/members?page=2`);
      expect(page.status).toBe(308);
      expect(page.headers.location).toBe(`https://${ip}:${started.port}/members?page=2`);
      const login = await request(`http://${ip}:${started.port}/api/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'boss', password: TEST_PASSWORD }) });
      expect(login.status).toBe(403);
      expect(JSON.parse(login.body)).toMatchObject({ error: { code: 'HTTPS_REQUIRED' } });
      expect(await appliance.services.db('audit_log').where('action', 'login').count({ n: '*' })).toEqual(before);
      // Over HTTPS the same address works, verified against the certificate (it names the LAN address too).
      const secure = await request(`https://${ip}:${started.port}/api/health`, { ca: appliance.services.lanCertificate.pair().cert });
      expect(secure.status).toBe(200);
    }
  });

  it('serves an uploaded certificate to new connections at once, and the generated one again after a reset', async () => {
    const generated = appliance.services.lanCertificate.info()!.fingerprint256;
    const now = Date.now();
    const mine = await generate([{ name: 'commonName', value: 'storemas.haoyouduo.example' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 3600_000),
      notAfterDate: new Date(now + 90 * 24 * 3600_000),
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'storemas.haoyouduo.example' }, { type: 7, ip: '127.0.0.1' }] }],
    });
    const auth = { authorization: `Bearer ${token}` };
    const refused = await request(`${base.https}/api/settings/lan-certificate`, { method: 'PUT', headers: auth, body: JSON.stringify({ certificate: mine.cert, privateKey: 'nonsense' }), insecure: true });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'LAN_KEY_INVALID' } });

    const upload = await request(`${base.https}/api/settings/lan-certificate`, { method: 'PUT', headers: auth, body: JSON.stringify({ certificate: mine.cert, privateKey: mine.private }), insecure: true });
    expect(upload.status).toBe(200);
    const uploaded = new X509Certificate(mine.cert).fingerprint256;
    expect(JSON.parse(upload.body)).toMatchObject({ certificate: { source: 'uploaded', fingerprint256: uploaded } });
    expect(await presentedFingerprint('127.0.0.1', started.port)).toBe(uploaded);
    expect((await request(`${base.https}/api/health`, { ca: mine.cert })).status).toBe(200);

    const reset = await request(`${base.https}/api/settings/lan-certificate`, { method: 'DELETE', headers: auth, insecure: true });
    expect(JSON.parse(reset.body)).toMatchObject({ certificate: { source: 'generated', fingerprint256: generated } });
    expect(await presentedFingerprint('127.0.0.1', started.port)).toBe(generated);
  });

  it('stops without waiting for connections that never said anything or never finished their handshake', async () => {
    const connect = (bytes?: Buffer) =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.connect(started.port, '127.0.0.1', () => {
          if (bytes) socket.write(bytes);
          resolve(socket);
        });
        socket.on('error', () => undefined);
      });
    const silent = await connect();
    const halfHandshake = await connect(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    const closed = Promise.all([silent, halfHandshake].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    // Unsorted connections would otherwise hold the graceful close for their 30 s first-byte / 15 s handshake timeouts.
    const outcome = await Promise.race([appliance.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000))]);
    expect(outcome).toBe('stopped');
    await closed;
  });
});

describe('the LAN listener (one port: TLS for everyone, plain HTTP for this machine)', () => {
  let server: http.Server;
  let port: number;
  let peerIsLocal = true;
  const seen: string[] = [];

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'listener' }], { keyType: 'ec', algorithm: 'sha256' });
    server = http.createServer((req, res) => {
      let size = 0;
      req.on('data', (chunk: Buffer) => (size += chunk.length));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`);
        res.end(`${(req.socket as tls.TLSSocket).encrypted ? 'https' : 'http'} ${req.method} ${req.url} ${size}`);
      });
    });
    serveHttpsAndLocalHttp(server, { certificate: { cert: pems.cert, key: pems.private }, isLocalPeer: () => peerIsLocal, logger: pino({ level: 'silent' }), firstByteTimeoutMs: 300 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Raw bytes in, everything the server sent until it closed (or until `until` matches). */
  const exchange = (parts: Array<string | Buffer>, until?: RegExp, gapMs = 30): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (until?.test(received)) socket.end();
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.on('connect', async () => {
        for (const part of parts) {
          socket.write(part);
          await new Promise((r) => setTimeout(r, gapMs));
        }
      });
    });

  it('parses plain HTTP from this machine whatever the packet boundaries: trickled, pipelined, large', async () => {
    peerIsLocal = true;
    const body = 'x'.repeat(2 * 1024 * 1024);
    const trickled = await exchange(['PO', 'ST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', '01234', '56789'], /http POST \/a 10/);
    expect(trickled).toMatch(/^HTTP\/1.1 200 OK[\s\S]*http POST \/a 10$/);
    const pipelined = await exchange(['GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(pipelined.match(/http GET \/\d 0/g)).toEqual(['http GET /1 0', 'http GET /2 0', 'http GET /3 0']);
    const large = await request(`http://127.0.0.1:${port}/big`, { method: 'POST', body });
    expect(large.body).toBe(`http POST /big ${body.length}`);
    const secure = await request(`https://127.0.0.1:${port}/big`, { method: 'POST', body, insecure: true });
    expect(secure.body).toBe(`https POST /big ${body.length}`);
  });

  it('sends another machine to https (GET) or refuses it (anything else), before the application sees it', async () => {
    peerIsLocal = false;
    seen.length = 0;
    const page = await request(`http://127.0.0.1:${port}/settings?tab=lan`, { headers: { host: 'kasse-pc:8780' } });
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe(`https://kasse-pc:${port}/settings?tab=lan`);
    const post = await request(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', body: '{"password":"secret"}' });
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body)).toMatchObject({ error: { code: 'HTTPS_REQUIRED' } });
    const oddHost = await request(`http://127.0.0.1:${port}/`, { headers: { host: 'evil.example/@x' } });
    expect(oddHost.status).toBe(403);
    expect(seen).toEqual([]);
    // TLS is for everyone.
    expect((await request(`https://127.0.0.1:${port}/x`, { insecure: true })).body).toBe('https GET /x 0');
    expect(seen).toEqual(['GET /x']);
  });

  it('closes a connection that never speaks, or speaks broken TLS, and goes on serving', async () => {
    peerIsLocal = true;
    expect(await exchange([])).toBe('');
    expect(await exchange([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5])])).not.toMatch(/HTTP/); // at most a TLS alert, then closed
    expect((await request(`http://127.0.0.1:${port}/after`)).body).toBe('http GET /after 0');
  });
});
