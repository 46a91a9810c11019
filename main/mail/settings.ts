import { AppError, ValidationError } from '../errors.js';
import { normalizeTls, type TrustedCertificate } from '../store/tls.js';

/**
 * E-mail (转发至邮箱) settings: the SMTP server StoreMAS sends through and who receives what.
 * Stored as the settings key `mail`; the password is sealed with the appliance's secret box
 * (AES-256-GCM) and never leaves the appliance — the API shows only whether one is set.
 */

/** What a mail is about; each purpose has its own recipients. */
export const MAIL_PURPOSES = ['complaints', 'feedback-digest', 'survey-reports', 'modem-alerts', 'reports', 'test'] as const;
export type MailPurpose = (typeof MAIL_PURPOSES)[number];

/**
 * starttls: plain connection upgraded with STARTTLS, which must succeed (port 587/25);
 * tls: TLS from the first byte (port 465); none: no encryption at all (the mails cross the
 * network in clear) for an internal relay that offers none — the page says so. Over none a
 * password is sent only when the administrator ticked allowPlainLogin (see loginProtection).
 * Encrypted connections always verify the server: against the public authorities and the host
 * name, or against a certificate the administrator checked and trusted. There is no
 * "encrypt but accept any certificate".
 */
export const MAIL_SECURITY = ['starttls', 'tls', 'none'] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

export interface MailSettings {
  /** Off: nothing is sent (mails are recorded as skipped). */
  enabled: boolean;
  host: string;
  port: number;
  security: MailSecurity;
  /** Empty: the server takes mail without a login (an internal relay). */
  username: string;
  /** The password sealed by SecretBox; null: none. */
  passwordSealed: string | null;
  /**
   * Log in even without encryption (security none): the user name and password then cross the
   * network in clear. Off unless the administrator chose it for an internal relay on a trusted network.
   */
  allowPlainLogin: boolean;
  fromAddress: string;
  /** Shown as the sender's name; empty: the store name. */
  fromName: string;
  /** A certificate trusted after checking its fingerprint (self-signed server, or a private CA). */
  trusted: TrustedCertificate | null;
  recipients: Record<MailPurpose, string[]>;
}

export const MAIL_DEFAULTS: MailSettings = {
  enabled: false,
  host: '',
  port: 587,
  security: 'starttls',
  username: '',
  passwordSealed: null,
  allowPlainLogin: false,
  fromAddress: '',
  fromName: '',
  trusted: null,
  recipients: { complaints: [], 'feedback-digest': [], 'survey-reports': [], 'modem-alerts': [], reports: [], test: [] },
};

export const MAX_RECIPIENTS_PER_PURPOSE = 20;

// Deliberately simple: the server decides what it delivers; this catches typing mistakes.
const ADDRESS = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

export function isMailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

const invalid = (message: string, field: string): never => {
  throw new ValidationError(message, { field });
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(name: string, field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') return invalid(`${name} must be text.`, field);
  const trimmed = value.trim();
  if ([...trimmed].length > max) return invalid(`${name} must be at most ${max} characters.`, field);
  return trimmed;
}

/** Addresses as typed (one per line, or separated by commas or semicolons), checked and de-duplicated. */
export function parseAddressList(value: unknown, field: string): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,;，；]+/) : invalid('Recipients must be a list of e-mail addresses.', field);
  const seen = new Set<string>();
  const addresses: string[] = [];
  for (const raw of items) {
    if (typeof raw !== 'string') return invalid('Recipients must be e-mail addresses.', field);
    const address = raw.trim();
    if (!address) continue;
    if (!isMailAddress(address)) return invalid(`"${address.slice(0, 60)}" is not an e-mail address; write it as name@example.com.`, field);
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    addresses.push(address);
  }
  if (addresses.length > MAX_RECIPIENTS_PER_PURPOSE) {
    return invalid(`At most ${MAX_RECIPIENTS_PER_PURPOSE} recipients per purpose; use a group address for more.`, field);
  }
  return addresses;
}

/**
 * Validates a whole or partial mail settings object merged over `base`. Switching mail on
 * needs a server and a sender address; a trusted certificate is re-derived from its PEM.
 */
export function validateMailSettings(value: unknown, base: MailSettings = MAIL_DEFAULTS): MailSettings {
  if (!isObject(value)) return invalid('The mail settings must be an object.', 'mail');
  const known = new Set(Object.keys(MAIL_DEFAULTS));
  for (const key of Object.keys(value)) if (!known.has(key)) invalid(`Unknown mail setting "${key}".`, `mail.${key}`);
  const next: MailSettings = structuredClone(base);
  if (value.enabled !== undefined) {
    if (typeof value.enabled !== 'boolean') invalid('Mail on/off must be true or false.', 'mail.enabled');
    next.enabled = value.enabled as boolean;
  }
  if (value.host !== undefined) {
    next.host = text('The mail server', 'mail.host', value.host, 253);
    if (/[\s/:]/.test(next.host)) invalid('The mail server is a host name or address only, such as smtp.example.com (no port or "smtp://").', 'mail.host');
  }
  if (value.port !== undefined) {
    if (typeof value.port !== 'number' || !Number.isInteger(value.port) || value.port < 1 || value.port > 65_535) {
      invalid('The mail server port must be a whole number from 1 to 65535 (usually 587, or 465 for TLS).', 'mail.port');
    }
    next.port = value.port as number;
  }
  if (value.security !== undefined) {
    if (!(MAIL_SECURITY as readonly unknown[]).includes(value.security)) invalid('Encryption must be starttls, tls or none.', 'mail.security');
    next.security = value.security as MailSecurity;
  }
  if (value.username !== undefined) next.username = text('The mail user name', 'mail.username', value.username, 254);
  if (value.allowPlainLogin !== undefined) {
    if (typeof value.allowPlainLogin !== 'boolean') invalid('Logging in without encryption must be allowed (true) or not (false).', 'mail.allowPlainLogin');
    next.allowPlainLogin = value.allowPlainLogin as boolean;
  }
  if (value.passwordSealed !== undefined) {
    if (value.passwordSealed !== null && (typeof value.passwordSealed !== 'string' || !value.passwordSealed.startsWith('v1:'))) {
      invalid('The mail password is stored sealed; set it through the mail settings.', 'mail.passwordSealed');
    }
    next.passwordSealed = value.passwordSealed as string | null;
  }
  if (value.fromAddress !== undefined) {
    next.fromAddress = text('The sender address', 'mail.fromAddress', value.fromAddress, 254);
    if (next.fromAddress && !isMailAddress(next.fromAddress)) invalid(`"${next.fromAddress}" is not an e-mail address; write it as store@example.com.`, 'mail.fromAddress');
  }
  if (value.fromName !== undefined) next.fromName = text('The sender name', 'mail.fromName', value.fromName, 60);
  if (value.trusted !== undefined) next.trusted = value.trusted === null ? null : trustedCertificate(value.trusted);
  if (value.recipients !== undefined) {
    if (!isObject(value.recipients)) invalid('Recipients must be given per purpose.', 'mail.recipients');
    const recipients = value.recipients as Record<string, unknown>;
    for (const [purpose, list] of Object.entries(recipients)) {
      if (!(MAIL_PURPOSES as readonly string[]).includes(purpose)) invalid(`"${purpose}" is not a mail purpose; use ${MAIL_PURPOSES.join(', ')}.`, 'mail.recipients');
      next.recipients[purpose as MailPurpose] = parseAddressList(list, `mail.recipients.${purpose}`);
    }
  }
  if (next.enabled) {
    if (!next.host) invalid('Give the mail server (such as smtp.exmail.qq.com) before switching e-mail on.', 'mail.host');
    if (!next.fromAddress) invalid('Give the sender address before switching e-mail on: most servers refuse mail without one.', 'mail.fromAddress');
  }
  return next;
}

/**
 * Whether these settings would send the login in clear: a user name with no encryption, and
 * nobody chose to allow that. Saving such settings is refused with this error, and the queue
 * refuses to connect with them (settings saved before the rule existed) — never a silent
 * password on the wire. Not part of validateMailSettings: stored settings that break it must
 * still load (falling back to the defaults would switch a store's mail off without a word).
 */
export function loginProtection(settings: Pick<MailSettings, 'security' | 'username' | 'allowPlainLogin'>): AppError | null {
  if (settings.security !== 'none' || settings.username === '' || settings.allowPlainLogin) return null;
  return new AppError(
    'MAIL_LOGIN_UNENCRYPTED',
    'Without encryption the mail user name and password would cross the network in clear, so StoreMAS does not send them. Choose STARTTLS or TLS; or remove the user name if the server takes mail without a login; or, only for an internal relay on a network you trust, tick “send the password without encryption”.',
    400,
    { field: 'mail.allowPlainLogin' },
  );
}

/** The POS connections' rule for a trusted certificate: its fingerprint, subject and expiry come from the PEM. */
function trustedCertificate(value: unknown): TrustedCertificate {
  try {
    const normalized = normalizeTls({ mode: 'verify', trusted: value });
    return normalized.trusted!;
  } catch (error) {
    if (error instanceof AppError) throw new ValidationError(error.message, { field: 'mail.trusted' });
    throw error;
  }
}

/** The settings as the audit log keeps them: whether a password is set, the trusted certificate's fingerprint. */
export function mailAuditView(settings: MailSettings): Record<string, unknown> {
  const { passwordSealed, trusted, ...rest } = settings;
  return { ...rest, password: passwordSealed ? 'set' : 'none', trusted: trusted ? `${trusted.kind} ${trusted.fingerprint256}` : null };
}
