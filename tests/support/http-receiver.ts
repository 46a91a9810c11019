import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A program on the other side of a push: a real HTTP server on loopback that records what
 * it is sent and answers with `status` (200 unless told otherwise). It can be stopped and
 * started again on the same port, to be "down" for a while.
 */
export class HttpReceiver {
  readonly received: ReceivedPost[] = [];
  status = 200;
  private server: http.Server | undefined;
  port = 0;

  async start(port = this.port): Promise<this> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(this.status, { 'content-type': 'application/json' });
        response.end(this.status < 300 ? '{"result":"ok"}' : '{"result":"busy"}');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Stops listening (pushes now fail with ECONNREFUSED); the port is kept for start(). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  bodies(path: string): Array<Record<string, unknown>> {
    return this.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Record<string, unknown>);
  }
}

/** Polls until `predicate` holds (real time), for things that happen on other timers. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
