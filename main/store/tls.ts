import type { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { parseCertificates, sameFingerprint, summarizeCertificate } from '../crypto/certificates.js';
import { StoreError } from './errors.js';

/**
 * Encryption of POS database connections. Two modes, both explicit:
 *   - verify (the default): TLS required, and the server's certificate
 *     verified — against the public authorities and the host name, or against
 *     a certificate the administrator chose to trust after checking it (检查证书);
 *   - off: no TLS at all (the password and data cross the network in clear),
 *     for a POS server that offers none; the dialog says so.
 * There is no "encrypt but accept any certificate": that protects nothing
 * against whoever sits in the middle, so it is not offered.
 *
 * A trusted certificate is either
 *   - the server's own (kind 'server', typically self-signed): it is the only
 *     trust anchor and its SHA-256 fingerprint must match exactly; the host name
 *     is not checked (the pin identifies the server better than a name would);
 *   - the authority (CA) that issued the server's certificate (kind 'ca'):
 *     the chain must lead to it and the certificate must name the host.
 */
export const TLS_MODES = ['off', 'verify'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export type TrustKind = 'server' | 'ca';

export interface TrustedCertificate {
  kind: TrustKind;
  /** The certificate, PEM. */
  pem: string;
  /** Derived from the PEM by StoreMAS (a value sent along must match it). */
  fingerprint256: string;
  subject: string;
  validTo: number;
}

/** What is stored and used: normalizeTls() output. */
export interface ConnectionTls {
  mode: TlsMode;
  trusted?: TrustedCertificate | undefined;
}

/** What a person or program sends: the derived fields are optional (and recomputed). */
export interface TlsSettings {
  mode: TlsMode;
  trusted?: (Pick<TrustedCertificate, 'kind' | 'pem'> & Partial<TrustedCertificate>) | undefined;
}

/** What the audit log keeps about a connection's encryption: the mode and which certificate is trusted. */
export function describeTls(tls: TlsSettings | undefined): { mode: TlsMode; trusted: string | null } | null {
  return tls ? { mode: tls.mode, trusted: tls.trusted ? `${tls.trusted.kind} ${tls.trusted.fingerprint256 ?? ''}`.trim() : null } : null;
}

/** The mode a server connection gets when none is given: verified TLS. */
export const DEFAULT_TLS: ConnectionTls = { mode: 'verify' };

const invalid = (message: string): never => {
  throw new StoreError('CONNECTION_INVALID', message, 400);
};

/**
 * Checks what a person or program sent and returns what is stored: the
 * fingerprint, subject and expiry are recomputed from the PEM, never taken on
 * trust.
 */
export function normalizeTls(value: unknown): ConnectionTls {
  if (value === undefined || value === null) return { ...DEFAULT_TLS };
  if (typeof value !== 'object') return invalid('Encryption (tls) must be an object such as { "mode": "verify" }.');
  const input = value as { mode?: unknown; trusted?: unknown };
  if (!(TLS_MODES as readonly unknown[]).includes(input.mode)) {
    return invalid(`Encryption mode “${String(input.mode)}” is not known: use verify (TLS with a verified certificate) or off (no encryption).`);
  }
  const mode = input.mode as TlsMode;
  if (input.trusted === undefined || input.trusted === null) return { mode };
  const trusted = input.trusted as { kind?: unknown; pem?: unknown; fingerprint256?: unknown };
  if (trusted.kind !== 'server' && trusted.kind !== 'ca') return invalid('A trusted certificate is either the server’s own (server) or its authority’s (ca).');
  if (typeof trusted.pem !== 'string') return invalid('The trusted certificate must be PEM text (-----BEGIN CERTIFICATE-----).');
  let certificates: X509Certificate[];
  try {
    certificates = parseCertificates(trusted.pem);
  } catch {
    certificates = [];
  }
  if (certificates.length !== 1) {
    return invalid('The trusted certificate must be exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).');
  }
  const summary = summarizeCertificate(certificates[0]!);
  if (typeof trusted.fingerprint256 === 'string' && !sameFingerprint(trusted.fingerprint256, summary.fingerprint256)) {
    return invalid(`The certificate sent is not the one confirmed: its fingerprint is ${summary.fingerprint256}, not ${trusted.fingerprint256}. Check the certificate again.`);
  }
  return {
    mode,
    trusted: { kind: trusted.kind, pem: certificates[0]!.toString(), fingerprint256: summary.fingerprint256, subject: summary.subject, validTo: summary.validTo },
  };
}

/** Error a pinned connection fails with when the server shows another certificate. */
export class PinMismatchError extends Error {
  readonly code = 'CERT_PIN_MISMATCH';
  constructor(
    readonly expected: string,
    readonly presented: string,
  ) {
    super(`The server presented the certificate ${presented}, not the trusted one ${expected}.`);
  }
}

/** tls.connect's checkServerIdentity for a pinned server certificate: the fingerprint, not the name, identifies it. */
export function pinnedIdentity(fingerprint256: string): (host: string, certificate: PeerCertificate) => Error | undefined {
  return (_host, certificate) => (sameFingerprint(certificate.fingerprint256, fingerprint256) ? undefined : new PinMismatchError(fingerprint256, certificate.fingerprint256));
}

/** node-postgres `ssl`: false, or options passed to tls.connect (verification on). */
export function pgSsl(tls: ConnectionTls): false | Record<string, unknown> {
  if (tls.mode === 'off') return false;
  if (!tls.trusted) return { rejectUnauthorized: true };
  if (tls.trusted.kind === 'server') return { rejectUnauthorized: true, ca: tls.trusted.pem, checkServerIdentity: pinnedIdentity(tls.trusted.fingerprint256) };
  return { rejectUnauthorized: true, ca: tls.trusted.pem };
}

/**
 * mysql2 `ssl`, and whether StoreMAS must check the host name itself.
 * mysql2 takes no checkServerIdentity: a pinned server certificate is made
 * the only trust anchor (`ca`), so no other certificate verifies. Its
 * verifyIdentity checks an IP address against "localhost" (Node gets no host
 * name to compare with), so for an IP address the name is checked by
 * StoreMAS right after the connection is made (identityAfterConnect) and the
 * connection dropped on a mismatch; the chain was verified before anything
 * was sent.
 */
export function mysqlSsl(tls: ConnectionTls, host: string): { ssl: Record<string, unknown> | undefined; identityAfterConnect: boolean } {
  if (tls.mode === 'off') return { ssl: undefined, identityAfterConnect: false };
  const checkName = tls.trusted?.kind !== 'server';
  const byIp = net.isIP(host) !== 0;
  return {
    ssl: { rejectUnauthorized: true, ...(tls.trusted ? { ca: tls.trusted.pem } : {}), verifyIdentity: checkName && !byIp },
    identityAfterConnect: checkName && byIp,
  };
}

/**
 * For a mysql2 connection whose host is an IP address (mysqlSsl's
 * identityAfterConnect): the error when the certificate the server presented
 * does not name that address; undefined when it does.
 */
export function mysqlServerIdentityError(connection: unknown, host: string): Error | undefined {
  const socket = (connection as { stream?: Partial<TLSSocket> }).stream;
  const certificate = socket?.getPeerCertificate?.();
  if (!certificate?.raw) return Object.assign(new Error('The connection is not encrypted, although verified TLS was required.'), { code: 'HANDSHAKE_NO_SSL_SUPPORT' });
  return checkServerIdentity(host, certificate);
}

/**
 * tedious (SQL Server) options. trustServerCertificate stays false; a trusted
 * certificate becomes the trust anchor. tedious always checks the host name,
 * so the certificate must name the host StoreMAS connects to.
 */
export function mssqlEncryption(tls: ConnectionTls): Record<string, unknown> {
  if (tls.mode === 'off') return { encrypt: false, trustServerCertificate: false };
  return { encrypt: true, trustServerCertificate: false, ...(tls.trusted ? { cryptoCredentialsDetails: { ca: tls.trusted.pem } } : {}) };
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
  'INVALID_CA',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * Node's messages for its verification codes: mysql2 replaces the code of a
 * failed TLS upgrade with HANDSHAKE_SSL_ERROR and keeps only the message.
 */
const CODE_BY_MESSAGE: Array<[RegExp, string]> = [
  [/self[- ]signed certificate in certificate chain/i, 'SELF_SIGNED_CERT_IN_CHAIN'],
  [/self[- ]signed certificate/i, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  [/unable to get local issuer certificate/i, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  [/unable to verify the first certificate/i, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  [/certificate has expired/i, 'CERT_HAS_EXPIRED'],
  [/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
  [/does not match certificate's altnames/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  [/does not support (SSL|secure connection)/i, 'HANDSHAKE_NO_SSL_SUPPORT'],
];

/** The TLS verification code in a driver error, also when wrapped (tedious puts it in `cause`) or renamed (mysql2). */
function tlsCause(error: unknown): { code: string; message: string } | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const message = current instanceof Error ? current.message : '';
    let code = String((current as { code?: unknown }).code ?? '');
    if (!(UNTRUSTED.has(code) || EXPIRED.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'CERT_PIN_MISMATCH')) {
      code = CODE_BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? '';
    }
    if (code) return { code, message };
  }
  return undefined;
}

/** Whose connection failed, for the message, and the error codes' prefix (SOURCE_TLS_…, MAS_DB_TLS_…). */
export interface TlsErrorTarget {
  server: string;
  codePrefix: 'SOURCE' | 'MAS_DB';
}

/**
 * A store error for a TLS failure, saying what to do; undefined when the
 * error is not about TLS. `pinned`: the connection trusts one certificate, so
 * an unverifiable one means it changed.
 */
export function classifyTlsError(
  error: unknown,
  connectionName: string,
  tls: ConnectionTls,
  target: TlsErrorTarget = { server: `The store database server “${connectionName}”`, codePrefix: 'SOURCE' },
): StoreError | undefined {
  const cause = tlsCause(error);
  if (!cause) return undefined;
  const where = target.server;
  const code = (suffix: string) => `${target.codePrefix}_TLS_${suffix}`;
  const detail = `(${cause.code || cause.message})`;
  if (cause.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new StoreError(
      code('UNSUPPORTED'),
      `${where} does not offer encryption (TLS). Switch TLS on at the server (recommended), or set this connection's encryption to off — the password and data then cross the network unencrypted.`,
      502,
    );
  }
  if (cause.code === 'CERT_PIN_MISMATCH' || (tls.trusted?.kind === 'server' && UNTRUSTED.has(cause.code))) {
    return new StoreError(
      code('PIN_MISMATCH'),
      `${where} presented a certificate other than the one you trusted (${tls.trusted?.fingerprint256 ?? 'pinned'}) ${detail}. If the server's certificate was renewed, use “Check certificate” and trust the new one after comparing its fingerprint at the server; otherwise someone may be intercepting the connection.`,
      502,
      { trustedFingerprint: tls.trusted?.fingerprint256 ?? null },
    );
  }
  if (EXPIRED.has(cause.code)) {
    return new StoreError(code('EXPIRED'), `${where} presented a certificate that has expired or is not valid yet ${detail}. Renew the server's certificate (or check the clocks), then check and trust it again.`, 502);
  }
  if (cause.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new StoreError(
      code('HOST_MISMATCH'),
      `${where} presented a certificate for another name ${detail}: ${cause.message}. Connect by the name the certificate shows, or trust the server's own certificate with “Check certificate”.`,
      502,
    );
  }
  return new StoreError(
    code('UNTRUSTED'),
    `${where} presented a certificate StoreMAS cannot verify ${detail}, e.g. a self-signed one. Use “Check certificate” in the connection dialog, compare the fingerprint with the one at the server, and trust it — or give the server a certificate from a trusted authority.`,
    502,
  );
}
