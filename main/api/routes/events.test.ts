import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../auth/audit.js';
import { createTestAppliance, type TestAppliance } from '../../../tests/support/appliance.js';

interface SseStream {
  events: Array<{ type: string; data: unknown }>;
  ended: Promise<void>;
  status: number;
  close(): void;
}

function openStream(port: number, token: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/api/events', headers: { cookie: `storemas_session=${token}` } },
      (response) => {
        const events: SseStream['events'] = [];
        let buffer = '';
        const ended = new Promise<void>((done) => response.on('end', done).on('close', done));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let index: number;
          while ((index = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, index);
            buffer = buffer.slice(index + 2);
            const type = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (type && data) events.push({ type, data: JSON.parse(data) });
          }
        });
        resolve({ events, ended, status: response.statusCode ?? 0, close: () => request.destroy() });
      },
    );
    request.on('error', reject);
  });
}

const until = async (check: () => boolean, ms = 3000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('live events (SSE)', () => {
  let app: TestAppliance;
  let port: number;
  beforeEach(async () => {
    app = await createTestAppliance();
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.server.address() as { port: number }).port;
  });
  afterEach(() => app.close());

  it('refuses a stream without a session', async () => {
    const stream = await openStream(port, 'nope');
    expect(stream.status).toBe(401);
    stream.close();
  });

  it('delivers typed events, filtered by the permission they need', async () => {
    const admin = await app.client('admin');
    const operator = await app.client('operator');
    // The core's own services (the dispatcher) listen too: count the streams on top of them.
    const baseline = app.services.events.listenerCount;
    const adminStream = await openStream(port, admin.token);
    const operatorStream = await openStream(port, operator.token);
    await until(() => app.services.events.listenerCount === baseline + 2);
    app.services.events.publish('job.progress', {
      jobId: 'j1', kind: 'test', label: '测试', done: 5, total: 10, ratePerSecond: 1, etaSeconds: 5, state: 'running',
    });
    await app.services.users.create(CLI_ACTOR, { username: 'new.one', role: 'operator', password: 'Start2026x' });
    await until(() => adminStream.events.length >= 2);
    expect(adminStream.events.map((e) => e.type)).toEqual(['job.progress', 'user.changed']);
    expect(adminStream.events[0]!.data).toMatchObject({ jobId: 'j1', done: 5, total: 10 });
    await until(() => operatorStream.events.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    // user.changed needs users.manage: the operator never sees it.
    expect(operatorStream.events.map((e) => e.type)).toEqual(['job.progress']);
    adminStream.close();
    operatorStream.close();
  });

  it('closes the stream at once when the user is disabled', async () => {
    await app.client('admin');
    const operator = await app.client('operator');
    const baseline = app.services.events.listenerCount;
    const stream = await openStream(port, operator.token);
    await until(() => app.services.events.listenerCount === baseline + 1);
    const user = (await app.services.users.findByUsername('test-operator'))!;
    await app.services.users.setDisabled(CLI_ACTOR, user.id, true);
    await stream.ended;
    expect(stream.events.at(-1)?.type).toBe('session.ended');
    await until(() => app.services.events.listenerCount === baseline);
  });

  it('ends open streams when the server shuts down, so shutdown never waits on a browser', async () => {
    const admin = await app.client('admin');
    const baseline = app.services.events.listenerCount;
    const stream = await openStream(port, admin.token);
    await until(() => app.services.events.listenerCount === baseline + 1);
    await app.server.close();
    await stream.ended;
    expect(app.services.events.listenerCount).toBe(baseline);
  });
});
