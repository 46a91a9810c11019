import { X509Certificate } from 'node:crypto';

/**
 * X.509 certificates as people check them: who it names, who issued it, when
 * it is valid, and its SHA-256 fingerprint in colon-hex, the form browsers and
 * `openssl x509 -fingerprint -sha256` show. Used for the LAN certificate and
 * for the POS database servers' certificates.
 */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Subject alternative names as "DNS:name" / "IP Address:1.2.3.4". */
  names: string[];
  validFrom: number;
  validTo: number;
  /** SHA-256 of the DER certificate, AA:BB:… */
  fingerprint256: string;
  /** Issued by itself (its own key signed it): nobody vouches for it but its fingerprint. */
  selfSigned: boolean;
  /** May sign other certificates (basicConstraints CA:TRUE). */
  ca: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM text, in order; throws on a block that does not parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) => new X509Certificate(block));
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  return {
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    names: certificate.subjectAltName ? certificate.subjectAltName.split(/,\s*/) : [],
    validFrom: Date.parse(certificate.validFrom),
    validTo: Date.parse(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
    selfSigned: certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey),
    ca: certificate.ca,
  };
}

/** A DER certificate (as a TLS peer presents it) as PEM text. */
export function derToPem(der: Buffer): string {
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/** Colon-hex fingerprints compare case- and separator-insensitively. */
export function sameFingerprint(a: string, b: string): boolean {
  const clean = (text: string) => text.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return clean(a) !== '' && clean(a) === clean(b);
}

/** "CN=x\nO=y" (Node's form) as "CN=x, O=y". */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
