import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { derToPem, summarizeCertificate, type CertificateSummary } from '../crypto/certificates.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SourceClient } from './connectors.js';
import { StoreError, classifySourceError } from './errors.js';

/**
 * 检查证书: fetches the certificate chain a POS database server presents, so
 * an administrator can compare its fingerprint with the server's and trust
 * it. Only the protocol's TLS upgrade is spoken — PostgreSQL's SSLRequest,
 * MySQL's SSL request packet — and the connection is closed right after the
 * handshake: no user name or password is ever sent, nothing is queried.
 */
export interface ServerCertificate extends CertificateSummary {
  pem: string;
}

export interface ServerCertificateReport {
  /** The server's certificate first, then the ones it sent with it. */
  chain: ServerCertificate[];
  /** Verification without any trusted certificate would pass (public authority + host name). */
  verified: boolean;
  /** Why not, as OpenSSL/Node names it (e.g. DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID). */
  verifyError: string | null;
}

const PG_SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]); // length 8, code 80877103
const MYSQL_CLIENT_SSL = 0x0800;
// CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION
const MYSQL_SSL_REQUEST_FLAGS = 0x0001 | 0x0200 | MYSQL_CLIENT_SSL | 0x8000;
const MYSQL_UTF8MB4 = 45;

export async function fetchServerCertificate(
  name: string,
  client: SourceClient,
  target: { host: string; port?: number | undefined; timeoutMs?: number | undefined },
): Promise<ServerCertificateReport> {
  if (client !== 'pg' && client !== 'mysql') {
    throw new StoreError(
      'TLS_INSPECT_UNSUPPORTED',
      client === 'mssql'
        ? 'StoreMAS cannot fetch a SQL Server certificate itself: export the server certificate (or its CA) as Base64 PEM on the server and paste it under “Trust a certificate”.'
        : 'A SQLite file has no server and no certificate.',
      400,
    );
  }
  const port = target.port ?? (client === 'pg' ? 5432 : 3306);
  const timeoutMs = target.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const socket = net.connect({ host: target.host, port });
  socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
  try {
    const reader = new ByteReader(socket);
    if (client === 'pg') await requestPgTls(socket, reader, name);
    else await requestMysqlTls(socket, reader, name);
    reader.detach();
    return await handshake(socket, target.host);
  } catch (error) {
    throw classifySourceError(error, name);
  } finally {
    socket.destroy();
  }
}

async function requestPgTls(socket: net.Socket, reader: ByteReader, name: string): Promise<void> {
  socket.write(PG_SSL_REQUEST);
  const [answer] = await reader.read(1);
  if (answer === 0x53 /* S */) return;
  if (answer === 0x4e /* N */) throw noTls(name);
  throw new StoreError('SOURCE_QUERY_FAILED', `The store database “${name}” did not answer like a PostgreSQL server. Check the port.`, 502);
}

async function requestMysqlTls(socket: net.Socket, reader: ByteReader, name: string): Promise<void> {
  const header = await reader.read(4);
  const length = header.readUIntLE(0, 3);
  const payload = await reader.read(length);
  if (payload[0] === 0xff) {
    // An error packet instead of a greeting (e.g. "Host … is blocked"): code, '#', SQL state, message.
    throw new Error(payload.subarray(payload[3] === 0x23 ? 9 : 3).toString('utf8'));
  }
  if (payload[0] !== 10) throw new StoreError('SOURCE_QUERY_FAILED', `The store database “${name}” did not answer like a MySQL/MariaDB server. Check the port.`, 502);
  // Greeting: version, server version (NUL-terminated), connection id (4), scramble (8), filler (1), capabilities (2, low half).
  const afterVersion = payload.indexOf(0, 1) + 1;
  const capabilities = payload.readUInt16LE(afterVersion + 4 + 8 + 1);
  if (!(capabilities & MYSQL_CLIENT_SSL)) throw noTls(name);
  const request = Buffer.alloc(4 + 32);
  request.writeUIntLE(32, 0, 3);
  request[3] = header[3]! + 1; // sequence id
  request.writeUInt32LE(MYSQL_SSL_REQUEST_FLAGS, 4);
  request.writeUInt32LE(16 * 1024 * 1024, 8);
  request[12] = MYSQL_UTF8MB4;
  socket.write(request);
}

function noTls(name: string): StoreError {
  return new StoreError(
    'SOURCE_TLS_UNSUPPORTED',
    `The store database server “${name}” does not offer encryption (TLS). Switch TLS on at the server (recommended), or set this connection's encryption to off — the password and data then cross the network unencrypted.`,
    502,
  );
}

/** The TLS handshake on a socket a protocol upgraded (also the mail server's STARTTLS): the chain, verified or not. */
export function handshake(socket: net.Socket, host: string): Promise<ServerCertificateReport> {
  return new Promise((resolve, reject) => {
    // Not verifying here is the point: the chain is shown to a person, who decides; nothing is sent over it.
    const secure = tls.connect({ socket, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) }, () => {
      const peer = secure.getPeerCertificate(true);
      const chain: ServerCertificate[] = [];
      const seen = new Set<string>();
      for (let current: tls.DetailedPeerCertificate | undefined = peer; current?.raw && !seen.has(current.fingerprint256); current = current.issuerCertificate) {
        seen.add(current.fingerprint256);
        const certificate = new X509Certificate(current.raw);
        chain.push({ ...summarizeCertificate(certificate), pem: derToPem(current.raw) });
      }
      const chainError = secure.authorized ? undefined : String(secure.authorizationError);
      const nameError = chainError ? undefined : tls.checkServerIdentity(host, peer);
      const verifyError = chainError ?? (nameError ? String((nameError as Error & { code?: string }).code ?? nameError.message) : null);
      secure.destroy();
      resolve({ chain, verified: verifyError === null, verifyError });
    });
    secure.once('error', reject);
  });
}

/** Reads exact byte counts from a socket before it is handed to TLS. */
class ByteReader {
  private buffered = Buffer.alloc(0);
  private waiting: { bytes: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.settle();
  };
  private readonly onError = (error: Error) => this.fail(error);
  private readonly onClose = () => this.fail(Object.assign(new Error('Connection terminated by the server'), { code: 'ECONNRESET' }));

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  read(bytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { bytes, resolve, reject };
      this.settle();
    });
  }

  /** Stops reading; the socket is TLS's from here (the servers send nothing more before the client hello). */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.socket.pause();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.settle();
  }

  private settle(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.buffered.length >= waiting.bytes) {
      this.waiting = undefined;
      const data = this.buffered.subarray(0, waiting.bytes);
      this.buffered = this.buffered.subarray(waiting.bytes);
      waiting.resolve(data);
    } else if (this.failure) {
      this.waiting = undefined;
      waiting.reject(this.failure);
    }
  }
}
