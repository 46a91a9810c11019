import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { isLoopbackAddress } from './addresses.js';

/**
 * One port, two protocols: with LAN access on, the appliance's HTTP server
 * (Fastify's own) listens on all interfaces, and each new connection is
 * sorted by its first byte: a TLS handshake (0x16) is decrypted with the LAN
 * certificate and served as HTTPS; plain HTTP is served only to this machine
 * (the desktop window loads http://127.0.0.1:<port>); plain HTTP from any
 * other machine gets a redirect to https (GET/HEAD) or a refusal, and never
 * reaches the application, so no password crosses the LAN in clear.
 *
 * Why one port sorted by its first byte rather than two listeners: the desktop
 * window and the bookmarks staff keep use one port, and 0.0.0.0:<port> cannot
 * be bound next to 127.0.0.1:<port>. Why the server's own connection handler
 * rather than a separate https.Server: Fastify keeps one http.Server (its
 * timeouts, connection tracking and graceful close) for both kinds of
 * connection, exactly as https.Server hands decrypted sockets to the same
 * handler.
 */
export interface LanListenerOptions {
  /** The certificate and key to serve; swap them later with setCertificate(). */
  certificate: { cert: string; key: string };
  /** Which peers may use plain HTTP; loopback only, injectable for tests. */
  isLocalPeer?: (remoteAddress: string | undefined) => boolean;
  logger: Logger;
  /** A connection that sends nothing for this long is closed before it is sorted. */
  firstByteTimeoutMs?: number;
}

export interface LanListener {
  /** Serves a new certificate to new connections from now on. */
  setCertificate(certificate: { cert: string; key: string }): void;
  /**
   * Closes the connections the HTTP server does not know yet (silent, mid-handshake, being
   * refused) and every new one: call before closing the server, whose graceful close would
   * otherwise wait for them.
   */
  close(): void;
}

const TLS_HANDSHAKE = 0x16;
const REFUSAL_TIMEOUT_MS = 10_000;

export function serveHttpsAndLocalHttp(server: http.Server, options: LanListenerOptions): LanListener {
  const isLocalPeer = options.isLocalPeer ?? isLoopbackAddress;
  const firstByteTimeoutMs = options.firstByteTimeoutMs ?? 30_000;
  const logger = options.logger;
  // The HTTP server's own handler (what http.createServer registered), called for the sockets we accept.
  const handlers = server.listeners('connection') as Array<(socket: net.Socket) => void>;
  server.removeAllListeners('connection');
  const serveHttp = (socket: net.Socket) => {
    for (const handler of handlers) handler.call(server, socket);
  };

  const tlsServer = tls.createServer({ ...options.certificate, ALPNProtocols: ['http/1.1'], handshakeTimeout: 15_000 });
  tlsServer.on('secureConnection', (socket: tls.TLSSocket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    unsorted.delete(peerKey(socket)); // the same TCP connection as its raw socket: same peer address and port
    serveHttp(socket);
  });
  tlsServer.on('tlsClientError', (error: Error & { code?: string }, socket: tls.TLSSocket) => {
    // A browser that has not accepted the certificate yet closes the handshake: routine, not an error.
    logger.debug({ err: error, remoteAddress: socket.remoteAddress }, 'TLS handshake not completed');
    socket.destroy();
  });

  const refusals = http.createServer({ requestTimeout: REFUSAL_TIMEOUT_MS }, refusePlainHttp);
  // Raw sockets until the HTTP server has them (directly, or decrypted), by peer: its graceful close does not know them.
  const unsorted = new Map<string, net.Socket>();
  let closing = false;

  server.on('connection', (socket: net.Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    const key = peerKey(socket);
    unsorted.set(key, socket);
    socket.once('close', () => {
      if (unsorted.get(key) === socket) unsorted.delete(key);
    });
    socket.setTimeout(firstByteTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) {
        tlsServer.emit('connection', socket); // TLSSocket reads what was unshifted first
        return;
      }
      if (isLocalPeer(socket.remoteAddress)) {
        unsorted.delete(key);
        serveHttp(socket);
      } else {
        logger.debug({ remoteAddress: socket.remoteAddress }, 'plain HTTP from another machine refused');
        socket.setTimeout(REFUSAL_TIMEOUT_MS, () => socket.destroy());
        refusals.emit('connection', socket);
      }
      // The handler consumes the socket from here; resume delivers the unshifted bytes before any new ones.
      socket.resume();
    });
  });

  return {
    setCertificate: (certificate) => tlsServer.setSecureContext({ ...certificate }),
    close: () => {
      closing = true;
      for (const socket of unsorted.values()) socket.destroy();
      unsorted.clear();
    },
  };
}

function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}

/** Plain HTTP from another machine: a browser is sent to the https address; anything else is refused. */
function refusePlainHttp(request: http.IncomingMessage, response: http.ServerResponse): void {
  const port = request.socket.localPort;
  const host = hostnameOf(request.headers.host);
  response.setHeader('connection', 'close');
  if ((request.method === 'GET' || request.method === 'HEAD') && host && port) {
    const location = `https://${host.includes(':') ? `[${host}]` : host}:${port}${request.url ?? '/'}`;
    response.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8' });
    response.end(`StoreMAS accepts other computers over HTTPS only: ${location}\n`);
    return;
  }
  response.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
  response.end(
    JSON.stringify({
      error: {
        code: 'HTTPS_REQUIRED',
        message: 'StoreMAS accepts other computers over HTTPS only, so that passwords never cross the network in clear. Use https:// with the same address and port.',
      },
    }),
  );
}

/** The host name of a Host header, without its port; undefined if it is not a plain name or address. */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1];
  const plain = /^([A-Za-z0-9.-]+)(?::\d+)?$/.exec(hostHeader);
  return plain?.[1];
}
