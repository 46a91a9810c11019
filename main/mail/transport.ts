import net from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppError } from '../errors.js';
import { pinnedIdentity } from '../store/tls.js';
import type { MailSettings } from './settings.js';

/** How long a mail server may take to connect, greet and answer (a shop's line can be slow). */
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };

/**
 * nodemailer's SMTP options for the settings: TLS verified always (the public authorities and
 * the host name, or the trusted certificate: a pinned server certificate by its fingerprint, a
 * CA as the only anchor), STARTTLS required in starttls mode, never attempted in none.
 */
export function smtpOptions(settings: MailSettings, password: string | null): SMTPTransport.Options {
  const tls: Record<string, unknown> = { rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (net.isIP(settings.host) === 0) tls.servername = settings.host;
  if (settings.trusted) {
    tls.ca = settings.trusted.pem;
    if (settings.trusted.kind === 'server') tls.checkServerIdentity = pinnedIdentity(settings.trusted.fingerprint256);
  }
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.username ? { auth: { user: settings.username, pass: password ?? '' } } : {}),
    tls,
    ...TIMEOUTS,
  };
}

/** A failed send as the queue records it: a stable code, a message saying what to do, and whether retrying can help. */
export class MailError extends AppError {
  constructor(
    code: string,
    message: string,
    readonly permanent: boolean,
    details?: Record<string, unknown>,
  ) {
    super(code, message, 502, details);
  }
}

const CERT_UNTRUSTED = /self[- ]signed certificate|unable to (verify|get) (the first|local issuer|issuer)|certificate (chain|signature failure)|CERT_UNTRUSTED|certificate not trusted/i;
const CERT_EXPIRED = /certificate has expired|certificate is not yet valid/i;
const CERT_NAME = /Hostname\/IP does not match|altnames|ERR_TLS_CERT_ALTNAME_INVALID/i;
const PIN_MISMATCH = /not the trusted one/i;
const NO_STARTTLS = /STARTTLS|does not support (STARTTLS|TLS)/i;
const WRONG_TLS = /wrong version number|packet length too long|unknown protocol/i;

/**
 * What went wrong, in the words the UI shows (codes are worded in zh-CN and en there). The
 * message keeps the server's own answer as the technical detail.
 */
export function classifyMailError(error: unknown, server: string): MailError {
  if (error instanceof MailError) return error;
  const err = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown; response?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const responseCode = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const detail = String(err.message ?? error).slice(0, 300);
  const where = `The mail server ${server}`;
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new MailError('MAIL_AUTH_FAILED', `${where} refused the user name or password (${detail}). Check them in 设置 › 邮件; some providers (QQ, 163) want an authorisation code instead of the password.`, false, { responseCode });
  }
  // 530 before any mail is taken: the server wants a login (or encryption) first — the settings, not this mail, are wrong.
  if (responseCode === 530) {
    if (NO_STARTTLS.test(detail)) {
      return new MailError('MAIL_TLS_MODE_WRONG', `${where} takes mail only over an encrypted connection (${detail}). Choose STARTTLS (ports 587 and 25) or TLS (port 465).`, false, { responseCode });
    }
    return new MailError('MAIL_AUTH_REQUIRED', `${where} takes mail only after a login (${detail}). Give the user name and password in 设置 › 邮件; StoreMAS keeps the mail and tries again.`, false, { responseCode });
  }
  if (PIN_MISMATCH.test(detail)) {
    return new MailError('MAIL_TLS_PIN_MISMATCH', `${where} presented a certificate other than the one you trusted (${detail}). If its certificate was renewed, check it again and trust the new one; otherwise someone may be intercepting the connection.`, false);
  }
  if (CERT_EXPIRED.test(detail)) {
    return new MailError('MAIL_TLS_EXPIRED', `${where} presented a certificate that has expired or is not valid yet (${detail}). Renew it at the server, or check the clocks.`, false);
  }
  if (CERT_NAME.test(detail)) {
    return new MailError('MAIL_TLS_HOST_MISMATCH', `${where} presented a certificate for another name (${detail}). Use the name the certificate shows, or check and trust the server's certificate.`, false);
  }
  if (CERT_UNTRUSTED.test(detail)) {
    return new MailError('MAIL_TLS_UNTRUSTED', `${where} presented a certificate StoreMAS cannot verify (${detail}), e.g. a self-signed one. Use “Check certificate”, compare its fingerprint with the server's, and trust it.`, false);
  }
  if (WRONG_TLS.test(detail)) {
    return new MailError('MAIL_TLS_MODE_WRONG', `${where} does not speak the encryption chosen on this port (${detail}). Port 465 usually needs TLS, ports 587 and 25 STARTTLS.`, false);
  }
  if (code === 'ETLS' || (code === 'EPROTOCOL' && NO_STARTTLS.test(detail))) {
    return new MailError('MAIL_TLS_UNSUPPORTED', `${where} does not offer STARTTLS (${detail}). Choose TLS (port 465) if it offers that, or ask the mail administrator.`, false);
  }
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'ETIMEDOUT' || code === 'EDNS' || code === 'ECONNREFUSED') {
    return new MailError('MAIL_CONNECT_FAILED', `${where} cannot be reached (${detail}). Check the server name, the port and the network; StoreMAS keeps trying.`, false);
  }
  if ((code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== undefined && responseCode >= 500 && responseCode !== 503) {
    return new MailError('MAIL_REFUSED', `${where} refused this mail for good (${detail}). Check the recipients and the sender address.`, true, { responseCode });
  }
  return new MailError('MAIL_SEND_FAILED', `${where} did not take the mail (${detail}). StoreMAS tries again.`, false, responseCode === undefined ? undefined : { responseCode });
}
