import crypto, { type X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { parseCertificates, summarizeCertificate, type CertificateSummary } from '../crypto/certificates.js';
import { AppError, systemErrorCode } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { lanIPv4Addresses } from './addresses.js';

/**
 * The certificate StoreMAS serves HTTPS with when LAN access is on: one it
 * generated itself on first use (self-signed, naming this machine), or one an
 * administrator uploaded (PEM certificate + key). Staff check the SHA-256
 * fingerprint their browser shows against the one in 设置 and on the console.
 *
 * Files in <dataDir>/tls: generated.crt/.key and uploaded.crt/.key; an
 * uploaded pair wins while it exists. Keys are written owner-only (0600) and a
 * key file others can read is refused, as for the secret key.
 */
export type LanCertificateSource = 'generated' | 'uploaded';

export interface LanCertificateInfo extends CertificateSummary {
  source: LanCertificateSource;
}

export class LanCertificateError extends AppError {
  constructor(code: string, message: string, status = 400) {
    super(code, message, status);
  }
}

/** A generated certificate lasts two years and is replaced when less than this remains. */
const GENERATED_VALIDITY_MS = 730 * 24 * 3600_000;
export const RENEW_BEFORE_MS = 30 * 24 * 3600_000;
/** Start of validity a little in the past: a client whose clock is slightly behind still accepts it. */
const BACKDATE_MS = 3600_000;
/** The name of the live event the settings page reloads on. */
const CHANGED_KEY = 'lanCertificate';

interface Loaded {
  info: LanCertificateInfo;
  cert: string;
  key: string;
}

export interface LanCertificateDeps {
  dataDir: string;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  /** What the generated certificate names; the machine's own by default. */
  machine?: () => { hostname: string; addresses: string[] };
}

export class LanCertificate {
  private readonly dir: string;
  private current: Loaded | undefined;
  private readonly listeners = new Set<(pair: { cert: string; key: string }) => void>();
  private pending: Promise<LanCertificateInfo> | undefined;
  /** The fingerprint listeners were last told about (they start with what pair() gave them). */
  private announced: string | undefined;

  constructor(private readonly deps: LanCertificateDeps) {
    this.dir = path.join(deps.dataDir, 'tls');
  }

  /** The certificate in use, if one exists yet (the generated one appears on first use). */
  info(): LanCertificateInfo | undefined {
    return (this.current ?? this.load())?.info;
  }

  /** The PEM pair to serve; ensure() first. */
  pair(): { cert: string; key: string } {
    const loaded = this.current ?? this.load();
    if (!loaded) throw new Error('The LAN certificate has not been set up yet (call ensure() first).');
    this.announced = loaded.info.fingerprint256;
    return { cert: loaded.cert, key: loaded.key };
  }

  /** Called with the new PEM pair whenever the certificate in use changes (upload, reset, renewal). */
  onDidChange(listener: (pair: { cert: string; key: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes sure a usable certificate exists: generates one on first use and
   * replaces a generated one that expires within RENEW_BEFORE_MS (with a log
   * line: the fingerprint staff know changes). An uploaded one is never
   * replaced; it is only warned about.
   */
  ensure(): Promise<LanCertificateInfo> {
    this.pending ??= this.ensureNow().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async ensureNow(): Promise<LanCertificateInfo> {
    const now = this.deps.clock.now();
    const loaded = this.current ?? this.load();
    if (loaded && loaded.info.source === 'uploaded') {
      if (loaded.info.validTo - now < RENEW_BEFORE_MS) {
        this.deps.logger.warn(
          { fingerprint256: loaded.info.fingerprint256, validTo: new Date(loaded.info.validTo).toISOString() },
          'The uploaded LAN certificate expires soon (or has expired): upload a new one in 设置 Settings, or go back to the generated one.',
        );
      }
      return loaded.info;
    }
    if (loaded && loaded.info.validTo - now >= RENEW_BEFORE_MS) return loaded.info;
    const generated = await this.generate(now);
    this.writePair('generated', generated.cert, generated.key);
    const fresh = this.load()!;
    if (loaded) {
      this.deps.logger.warn(
        { previous: loaded.info.fingerprint256, fingerprint256: fresh.info.fingerprint256, validTo: new Date(fresh.info.validTo).toISOString() },
        `LAN certificate renewed because the old one expires on ${new Date(loaded.info.validTo).toISOString()}: the new SHA-256 fingerprint is ${fresh.info.fingerprint256}; tell staff to check it.`,
      );
    } else {
      this.deps.logger.info({ fingerprint256: fresh.info.fingerprint256, names: fresh.info.names }, 'LAN certificate generated');
    }
    this.changed(fresh);
    return fresh.info;
  }

  /**
   * Uses an administrator's certificate (PEM, the server's own first, then any
   * intermediates) and its unencrypted private key. Refused, with what to do,
   * unless the key belongs to the certificate and the certificate is valid now.
   */
  async upload(actor: AuditActor, certificatePem: string, privateKeyPem: string): Promise<LanCertificateInfo> {
    const { info } = checkCertificatePair(certificatePem, privateKeyPem, this.deps.clock.now());
    this.writePair('uploaded', certificatePem.trim() + '\n', privateKeyPem.trim() + '\n');
    await this.deps.audit.record(actor, 'settings.lan-certificate.upload', info.subject, { fingerprint256: info.fingerprint256, validTo: info.validTo });
    const loaded = this.load()!;
    this.changed(loaded);
    return loaded.info;
  }

  /** Removes the uploaded certificate: the generated one (made now if needed) is served again. */
  async useGenerated(actor: AuditActor): Promise<LanCertificateInfo> {
    if (!fs.existsSync(this.file('uploaded', 'crt'))) {
      throw new LanCertificateError('LAN_CERTIFICATE_NOT_UPLOADED', 'No uploaded certificate is in use: StoreMAS already serves its generated one.', 409);
    }
    const previous = this.info();
    for (const ext of ['crt', 'key'] as const) fs.rmSync(this.file('uploaded', ext), { force: true });
    this.current = undefined;
    await this.deps.audit.record(actor, 'settings.lan-certificate.reset', previous?.subject ?? '', { removed: previous?.fingerprint256 ?? null });
    const info = await this.ensure();
    this.changed(this.current ?? this.load()!); // an existing generated pair is served again
    return info;
  }

  /** Makes `loaded` current and tells the listeners, once per certificate. */
  private changed(loaded: Loaded): void {
    this.current = loaded;
    if (loaded.info.fingerprint256 === this.announced) return;
    this.announced = loaded.info.fingerprint256;
    for (const listener of this.listeners) listener({ cert: loaded.cert, key: loaded.key });
    this.deps.events.publish('settings.changed', { keys: [CHANGED_KEY] });
  }

  private file(source: LanCertificateSource, ext: 'crt' | 'key'): string {
    return path.join(this.dir, `${source}.${ext}`);
  }

  /** Reads the pair in use from disk (uploaded first); undefined when there is none yet. */
  private load(): Loaded | undefined {
    for (const source of ['uploaded', 'generated'] as const) {
      const certFile = this.file(source, 'crt');
      if (!fs.existsSync(certFile)) continue;
      const keyFile = this.file(source, 'key');
      const cert = fs.readFileSync(certFile, 'utf8');
      const key = readKeyFile(keyFile);
      const [leaf] = parseCertificates(cert);
      if (!leaf) {
        throw new LanCertificateError('LAN_CERTIFICATE_DAMAGED', `${certFile} holds no certificate. Upload the certificate again in 设置 Settings, or delete the file to use a generated one.`, 500);
      }
      this.current = { info: { ...summarizeCertificate(leaf), source }, cert, key };
      return this.current;
    }
    return undefined;
  }

  private writePair(source: LanCertificateSource, cert: string, key: string): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Key first, each through a temporary file and a rename: a crash leaves the old pair or the new one, never half.
    writeAtomically(this.file(source, 'key'), key, 0o600);
    writeAtomically(this.file(source, 'crt'), cert, 0o644);
  }

  private async generate(now: number): Promise<{ cert: string; key: string }> {
    const machine = this.deps.machine?.() ?? { hostname: os.hostname(), addresses: lanIPv4Addresses() };
    const dnsNames = [...new Set([machine.hostname, 'localhost'].filter((name) => /^[A-Za-z0-9.-]+$/.test(name)))];
    const ips = [...new Set(['127.0.0.1', ...machine.addresses])];
    // Loaded only when a certificate is made: selfsigned brings two X.509 libraries every CLI command would load otherwise.
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: `StoreMAS ${machine.hostname}`.slice(0, 64) }, { name: 'organizationName', value: 'StoreMAS' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - BACKDATE_MS),
      notAfterDate: new Date(now + GENERATED_VALIDITY_MS),
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
      ],
    });
    return { cert: pems.cert, key: pems.private };
  }
}

/**
 * Checks an uploaded certificate and key before anything is written: both
 * parse, the key is not passphrase-protected, it belongs to the certificate,
 * the certificate is valid now, and Node's TLS accepts the pair.
 */
export function checkCertificatePair(certificatePem: string, privateKeyPem: string, now: number): { info: LanCertificateInfo; leaf: X509Certificate } {
  let certificates: X509Certificate[];
  try {
    certificates = parseCertificates(certificatePem);
  } catch {
    certificates = [];
  }
  const leaf = certificates[0];
  if (!leaf) {
    throw new LanCertificateError(
      'LAN_CERTIFICATE_INVALID',
      'The certificate is not readable: paste or choose a PEM certificate (text starting with -----BEGIN CERTIFICATE-----), the server certificate first.',
    );
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(privateKeyPem);
  } catch (error) {
    if (systemErrorCode(error) === 'ERR_MISSING_PASSPHRASE' || /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(privateKeyPem)) {
      throw new LanCertificateError(
        'LAN_KEY_ENCRYPTED',
        'The private key is protected by a passphrase: StoreMAS must start unattended, so export the key without one (e.g. openssl pkey -in key.pem -out plain.pem).',
      );
    }
    throw new LanCertificateError('LAN_KEY_INVALID', 'The private key is not readable: paste or choose the PEM private key (text starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA/EC PRIVATE KEY-----).');
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new LanCertificateError('LAN_KEY_MISMATCH', 'The private key does not belong to this certificate. Choose the key that was created with it.');
  }
  const info: LanCertificateInfo = { ...summarizeCertificate(leaf), source: 'uploaded' };
  if (info.validTo <= now) {
    throw new LanCertificateError('LAN_CERTIFICATE_EXPIRED', `The certificate expired on ${new Date(info.validTo).toISOString().slice(0, 10)}. Upload a current one.`);
  }
  if (info.validFrom > now) {
    throw new LanCertificateError(
      'LAN_CERTIFICATE_NOT_YET_VALID',
      `The certificate is valid only from ${new Date(info.validFrom).toISOString().slice(0, 10)}. Check this machine's date, or upload it from that day on.`,
    );
  }
  try {
    tls.createSecureContext({ cert: certificatePem, key: privateKeyPem });
  } catch (error) {
    throw new LanCertificateError('LAN_CERTIFICATE_INVALID', `The certificate and key cannot be used for HTTPS (${error instanceof Error ? error.message : String(error)}). Use a current RSA (2048 bits or more) or EC certificate.`);
  }
  return { info, leaf };
}

function readKeyFile(file: string): string {
  const stat = fs.statSync(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new LanCertificateError('LAN_KEY_EXPOSED', `The key file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it.`, 500);
  }
  return fs.readFileSync(file, 'utf8');
}

function writeAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content, { mode });
  fs.chmodSync(temporary, mode); // writeFileSync's mode is masked by the umask
  fs.renameSync(temporary, file);
}
