import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer } from 'smtp-server';

/** A mail as the test SMTP server received it, decoded enough to check what StoreMAS wrote. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The user the client logged in as (null: no login). */
  user: string | null;
  /** Whether the connection was encrypted when the mail was handed over. */
  secure: boolean;
  subject: string;
  html: string;
  text: string;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
  raw: string;
}

/** A login the server saw (accepted or not), and whether the connection was encrypted when the password crossed it. */
export interface SeenLogin {
  username: string;
  secure: boolean;
  accepted: boolean;
}

export interface TestSmtpServer {
  port: number;
  /** The server's self-signed certificate (PEM), for the mail settings' trusted certificate. */
  certificate: string;
  mails: ReceivedMail[];
  /** Every AUTH attempt, in order. */
  logins: SeenLogin[];
  /** Resolves once `count` mails have arrived in all (fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Refuse logins from now on (a changed password at the provider). */
  refuseLogins(refuse: boolean): void;
  close(): Promise<void>;
}

/**
 * How the server speaks: `starttls` (port 587 style: plain greeting, STARTTLS offered), `tls`
 * (port 465 style: TLS from the first byte) or `none` (an internal relay without encryption:
 * no STARTTLS offered, and — so a test can see a password cross in clear — logins accepted
 * without it).
 */
export type TestSmtpSecurity = 'starttls' | 'tls' | 'none';

/**
 * A real SMTP server on loopback (smtp-server) with a throwaway self-signed certificate, a
 * login (user `store`, password given; optional with `loginRequired: false`), every mail kept
 * decoded in `mails`.
 */
export async function startSmtpServer(options: { password: string; port?: number; security?: TestSmtpSecurity; loginRequired?: boolean }): Promise<TestSmtpServer> {
  const security = options.security ?? 'starttls';
  const pems = await generate([{ name: 'commonName', value: 'mail.test' }], { keyType: 'ec', algorithm: 'sha256' } as Parameters<typeof generate>[1]);
  const mails: ReceivedMail[] = [];
  const logins: SeenLogin[] = [];
  const waiters: Array<() => void> = [];
  let refuse = false;
  const server = new SMTPServer({
    secure: security === 'tls',
    key: pems.private,
    cert: pems.cert,
    logger: false,
    disabledCommands: security === 'none' ? ['STARTTLS'] : [],
    allowInsecureAuth: security === 'none',
    authOptional: options.loginRequired === false,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, session, callback) {
      const accepted = !refuse && auth.username === 'store' && auth.password === options.password;
      logins.push({ username: auth.username ?? '', secure: session.secure, accepted });
      if (accepted) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const user = typeof session.user === 'string' ? session.user : null;
        mails.push({
          ...decodeMail(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user,
          secure: session.secure,
          raw,
        });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // A client that gives up mid-handshake (an untrusted certificate) is the test's point, not a crash.
  server.on('error', () => undefined);
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return {
    port,
    certificate: pems.cert,
    mails,
    logins,
    refuseLogins: (value) => {
      refuse = value;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, the SMTP server received ${mails.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return mails;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) as text. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_all, _charset: string, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    );
}

function decodeQuotedPrintable(value: string): Buffer {
  const bytes: number[] = [];
  const text = value.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

function param(header: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\*?=("([^"]*)"|[^;\\s]+)`, 'i').exec(header);
  return match ? decodeWords(match[2] ?? match[1]!) : undefined;
}

function decodeMail(raw: string): Pick<ReceivedMail, 'subject' | 'html' | 'text' | 'attachments'> {
  const result: Pick<ReceivedMail, 'subject' | 'html' | 'text' | 'attachments'> = { subject: '', html: '', text: '', attachments: [] };
  const top = splitPart(raw);
  result.subject = decodeWords(top.headers.get('subject') ?? '');
  const walk = (part: Part): void => {
    const type = part.headers.get('content-type') ?? 'text/plain';
    const boundary = param(type, 'boundary');
    if (type.toLowerCase().startsWith('multipart/') && boundary) {
      const pieces = part.body.split(`--${boundary}`).slice(1);
      for (const piece of pieces) {
        if (piece.startsWith('--')) break;
        walk(splitPart(piece.replace(/^\r?\n/, '')));
      }
      return;
    }
    const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
    const content = encoding === 'base64' ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(part.body) : Buffer.from(part.body, 'utf8');
    const disposition = part.headers.get('content-disposition') ?? '';
    const filename = param(disposition, 'filename') ?? param(type, 'name');
    if (filename) result.attachments.push({ filename, contentType: type.split(';')[0]!.trim(), content });
    else if (type.toLowerCase().startsWith('text/html')) result.html = content.toString('utf8');
    else if (type.toLowerCase().startsWith('text/plain')) result.text = content.toString('utf8');
  };
  walk(top);
  return result;
}

/**
 * StoreMAS's mail settings for a test SMTP server: STARTTLS, its certificate
 * pinned, logged in as "store"; `overrides` (recipients, fromName …) on top.
 */
export function mailSettingsFor(smtp: Pick<TestSmtpServer, 'port' | 'certificate'>, password: string, overrides: Record<string, unknown> = {}) {
  return {
    enabled: true,
    host: '127.0.0.1',
    port: smtp.port,
    security: 'starttls' as const,
    username: 'store',
    password,
    fromAddress: 'store@example.com',
    trusted: { kind: 'server' as const, pem: smtp.certificate },
    ...overrides,
  };
}
