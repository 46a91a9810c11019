import net from 'node:net';
import { handshake, type ServerCertificateReport } from '../store/server-certificate.js';
import { classifyMailError, MailError } from './transport.js';

export type MailServerCertificateReport = ServerCertificateReport;

const TIMEOUT_MS = 15_000;

/**
 * 检查证书 for the mail server: the chain it presents, so an administrator can compare the
 * fingerprint with the server's and trust it (like the POS database servers). For STARTTLS
 * only the greeting, EHLO and STARTTLS are spoken; the connection closes after the handshake —
 * no user name or password is sent, no mail.
 */
export async function fetchMailServerCertificate(target: { host: string; port: number; security: 'starttls' | 'tls' }): Promise<MailServerCertificateReport> {
  const socket = net.connect({ host: target.host, port: target.port });
  socket.setTimeout(TIMEOUT_MS, () => socket.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
  const server = `${target.host}:${target.port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    if (target.security === 'starttls') {
      const lines = new SmtpReplies(socket);
      await lines.expect(220, server);
      socket.write('EHLO storemas.local\r\n');
      const ehlo = await lines.expect(250, server);
      if (!ehlo.some((line) => /^STARTTLS\b/i.test(line.slice(4)))) {
        throw new MailError('MAIL_TLS_UNSUPPORTED', `The mail server ${server} does not offer STARTTLS. Choose TLS (port 465) if it offers that, or ask the mail administrator.`, false);
      }
      socket.write('STARTTLS\r\n');
      await lines.expect(220, server);
      lines.detach();
    }
    return await handshake(socket, target.host);
  } catch (error) {
    throw classifyMailError(error, server);
  } finally {
    socket.destroy();
  }
}

/** Reads SMTP replies (possibly multi-line: "250-…" then "250 …") from a socket before TLS takes it over. */
class SmtpReplies {
  private buffer = '';
  private waiting: ((error?: Error) => void) | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer += chunk.toString('latin1');
    this.waiting?.();
  };
  private readonly onError = (error: Error) => {
    this.failure = error;
    this.waiting?.(error);
  };
  private readonly onClose = () => this.onError(Object.assign(new Error('the server closed the connection'), { code: 'ECONNECTION' }));

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** The next complete reply's lines; its code must be `code`. */
  async expect(code: number, server: string): Promise<string[]> {
    for (;;) {
      const reply = this.take();
      if (reply) {
        if (!reply[reply.length - 1]!.startsWith(String(code))) {
          throw Object.assign(new Error(`${server} answered ${reply.join(' | ').slice(0, 200)}`), { code: 'EPROTOCOL' });
        }
        return reply;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve, reject) => {
        this.waiting = (error) => {
          this.waiting = undefined;
          if (error) reject(error);
          else resolve();
        };
      });
    }
  }

  private take(): string[] | undefined {
    const lines: string[] = [];
    let offset = 0;
    for (;;) {
      const end = this.buffer.indexOf('\r\n', offset);
      if (end < 0) return undefined;
      const line = this.buffer.slice(offset, end);
      lines.push(line);
      offset = end + 2;
      if (line.length < 4 || line[3] === ' ') {
        this.buffer = this.buffer.slice(offset);
        return lines;
      }
    }
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.socket.pause();
  }
}
