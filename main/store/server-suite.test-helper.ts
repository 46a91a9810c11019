import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { createTestAppliance, tempDir, type TestAppliance } from '../../tests/support/appliance.js';
import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import type { DbServer, ServerTls } from '../../tests/support/dbservers.js';
import { openSource, type ConnectionSettings, type SourceClient, type SourceRow } from './connectors.js';
import { fetchServerCertificate } from './server-certificate.js';
import { writeDemoDump, writeDemoSqlite } from './demo/sinks.js';
import { StoreMirror } from './service.js';
import { runSync } from './sync.js';
import { validateMapping } from './mapping.js';
import { PRESETS } from './presets.js';

/**
 * The integration suite every POS server engine runs: the same demo data in
 * SQLite and in the server, both synced, the mirrors compared; the sync runs
 * as a SELECT-only user; writes are refused by the guard and by the session;
 * faults (malformed values, a server that stalls or drops the connection)
 * end with a clear reason and a consistent mirror. One server per test file.
 */
export const DEMO = { members: 400, products: 150, stores: 3, receipts: 6000, days: 60, until: Date.UTC(2026, 10, 21, 14) };

const MIRROR_TABLES: Record<string, { order: string[]; drop: string[] }> = {
  stores: { order: ['code'], drop: ['id', 'connection_id', 'created_at', 'updated_at'] },
  products: { order: ['code'], drop: ['id', 'connection_id', 'created_at', 'updated_at'] },
  inventory: { order: ['store_code', 'product_code'], drop: ['id', 'connection_id', 'updated_at'] },
  inventory_history: { order: ['store_code', 'product_code', 'at', 'quantity'], drop: ['id'] },
  sales: { order: ['receipt_no'], drop: ['id', 'connection_id', 'member_id', 'updated_at'] },
  sale_lines: { order: ['receipt_no', 'line_no'], drop: ['id', 'connection_id', 'updated_at'] },
  members: { order: ['source_key'], drop: ['id', 'created_at', 'updated_at', 'id_number_enc'] },
};

export async function mirrorSnapshot(db: Knex): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, spec] of Object.entries(MIRROR_TABLES)) {
    const rows = (await db(table).orderBy(spec.order)) as Array<Record<string, unknown>>;
    snapshot[table] = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !spec.drop.includes(k))));
  }
  return snapshot;
}

/** A throwaway self-signed server certificate, as a POS server set up by hand would have. */
async function selfSignedServerTls(): Promise<ServerTls> {
  const pems = await generate([{ name: 'commonName', value: 'pos-server.local' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'pos-server.local' }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

export function defineServerSuite(kind: 'mysql' | 'pg', start: (options: { tls: ServerTls }) => Promise<DbServer>): void {
  const client: SourceClient = kind;
  const temp = tempDir(`storemas-${kind}-suite-`);
  let server: DbServer;
  let reference: TestAppliance;
  let app: TestAppliance;
  let clock: ManualClock;
  let connectionId: number;
  let admin: Knex;
  let serverTls: ServerTls;
  let trusted: NonNullable<ConnectionSettings['tls']>;
  // The sync runs over TLS, verified against the server's own certificate, trusted as an administrator would.
  const readerSettings = (): ConnectionSettings => ({ host: server.host, port: server.port, database: 'pos', user: 'reader', idleTimeoutMs: 20_000, tls: trusted });

  const sync = async (mode: 'incremental' | 'full' = 'incremental') => {
    clock.advance(60_000);
    return (await app.services.store.startSync(CLI_ACTOR, connectionId, { mode })).done;
  };

  beforeAll(async () => {
    serverTls = await selfSignedServerTls();
    server = await start({ tls: serverTls });
    const presented = await fetchServerCertificate(kind, client, { host: server.host, port: server.port });
    trusted = { mode: 'verify', trusted: { kind: 'server', pem: presented.chain[0]!.pem, fingerprint256: presented.chain[0]!.fingerprint256 } };
    const sqliteFile = path.join(temp.dir, 'pos.sqlite');
    const dump = path.join(temp.dir, `pos.${kind}.sql`);
    await Promise.all([writeDemoSqlite(sqliteFile, DEMO), writeDemoDump(dump, kind, DEMO)]);
    await server.createDatabase('pos');
    await server.loadFile(dump, 'pos');
    await server.createReadOnlyUser('reader', 'reader-pw', 'pos');
    admin = knexFactory({
      client: kind === 'mysql' ? 'mysql2' : 'pg',
      connection: { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: 'pos', ...(kind === 'mysql' ? { dateStrings: true } : {}) },
      pool: { min: 0, max: 3 },
    });

    reference = await createTestAppliance();
    const ref = await reference.services.store.createConnection(CLI_ACTOR, { name: 'sqlite', client: 'sqlite', settings: { file: sqliteFile } });
    await reference.services.store.applyPreset(CLI_ACTOR, ref.id, 'demo-pos');
    expect((await (await reference.services.store.startSync(CLI_ACTOR, ref.id)).done).state).toBe('finished');

    clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    app = await createTestAppliance({ clock });
    const connection = await app.services.store.createConnection(CLI_ACTOR, { name: kind, client, settings: readerSettings(), password: 'reader-pw' });
    connectionId = connection.id;
    await app.services.store.applyPreset(CLI_ACTOR, connectionId, 'demo-pos');
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await reference?.close();
    await admin?.destroy();
    await server?.stop();
    temp.remove();
  });

  it('syncs as a SELECT-only user into exactly the mirror the same data gives from SQLite', async () => {
    const info = await app.services.store.testConnection(connectionId);
    expect(info.readOnlySession).toBe(true);
    expect(info.tables).toEqual(expect.arrayContaining(['t_member', 't_sale_detail']));
    const run = await sync();
    expect(run.state).toBe('finished');
    expect(run.rowsRejected).toBe(0);
    const [mine, theirs] = await Promise.all([mirrorSnapshot(app.services.db), mirrorSnapshot(reference.services.db)]);
    for (const table of Object.keys(MIRROR_TABLES)) {
      expect(mine[table]!.length, table).toBe(theirs[table]!.length);
      expect(mine[table], table).toEqual(theirs[table]);
    }
    expect(mine['members']!.length).toBe(DEMO.members);
    expect(mine['sales']!.length).toBe(DEMO.receipts);
  });

  it('verifies the server certificate: refused by default, 检查证书 shows it, trusting it connects, another one is refused', async () => {
    const expected = new X509Certificate(serverTls.cert);
    const base = { host: server.host, port: server.port, database: 'pos', user: 'reader' };
    /** Whether the server itself reports this session as encrypted. */
    const encryptedSession = async (settings: ConnectionSettings) => {
      const source = openSource('tls', client, settings, 'reader-pw');
      const sql =
        kind === 'pg'
          ? 'SELECT ssl::text AS encrypted FROM pg_stat_ssl WHERE pid = pg_backend_pid()'
          : "SELECT VARIABLE_VALUE <> '' AS encrypted FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'";
      try {
        const rows: SourceRow[] = [];
        for await (const chunk of source.stream(sql)) rows.push(...chunk);
        return ['true', '1'].includes(String(rows[0]?.['encrypted']));
      } finally {
        await source.close();
      }
    };
    const attempt = async (settings: ConnectionSettings) => {
      const source = openSource('tls', client, settings, 'reader-pw');
      try {
        return await source.info();
      } finally {
        await source.close();
      }
    };
    // Verified TLS is the default: a self-signed server is refused, saying what to do.
    await expect(attempt(base)).rejects.toMatchObject({ code: 'SOURCE_TLS_UNTRUSTED', message: expect.stringMatching(/Check certificate/) });

    const report = await fetchServerCertificate('tls', client, { host: server.host, port: server.port });
    expect(report).toMatchObject({ verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(report.chain).toHaveLength(1);
    expect(report.chain[0]).toMatchObject({ fingerprint256: expected.fingerprint256, subject: 'CN=pos-server.local', selfSigned: true, names: ['DNS:pos-server.local'] });

    // Trusting it connects (though the certificate names another host), and the session is encrypted.
    expect((await attempt({ ...base, tls: trusted })).readOnlySession).toBe(true);
    expect(await encryptedSession({ ...base, tls: trusted })).toBe(true);

    // Trusted as an authority instead, the host name must match: it does not (127.0.0.1 vs pos-server.local).
    await expect(attempt({ ...base, tls: { mode: 'verify', trusted: { kind: 'ca', pem: report.chain[0]!.pem } } })).rejects.toMatchObject({ code: 'SOURCE_TLS_HOST_MISMATCH' });
    // A different certificate pinned (the server's was replaced, or someone is in between): refused.
    const other = await selfSignedServerTls();
    await expect(attempt({ ...base, tls: { mode: 'verify', trusted: { kind: 'server', pem: other.cert } } })).rejects.toMatchObject({ code: 'SOURCE_TLS_PIN_MISMATCH' });
    // Off is an explicit choice: no TLS at all.
    expect(await encryptedSession({ ...base, tls: { mode: 'off' } })).toBe(false);
  });

  it('is read-only three times over: the guard, the read-only session, and the SELECT-only user', async () => {
    // 1. The guard refuses before connecting: this connection points at a closed port, yet the answer is the guard's.
    const nowhere = openSource('nowhere', client, { host: '127.0.0.1', port: 9, database: 'pos', user: 'reader' }, 'x');
    expect(() => nowhere.stream('DELETE FROM t_member')).toThrow(expect.objectContaining({ code: 'SQL_NOT_READ_ONLY' }));
    expect(() => nowhere.stream('SELECT 1; UPDATE t_member SET vip_name = 1')).toThrow(expect.objectContaining({ code: 'SQL_NOT_READ_ONLY' }));
    await nowhere.close();
    await expect(
      app.services.store.setMapping(CLI_ACTOR, connectionId, 'members', { source: { kind: 'query', sql: 'SELECT * FROM t_member FOR UPDATE' }, fields: { source_key: { column: 'card_id' } }, detectDeletes: false }),
    ).rejects.toMatchObject({ code: 'SQL_NOT_READ_ONLY' });

    // 2. Even a privileged user gets a session that refuses writes (reached past the guard on purpose).
    const privileged = openSource('privileged', client, { host: server.host, port: server.port, database: 'pos', user: server.adminUser, tls: trusted }, server.adminPassword);
    const internal = (privileged as unknown as { knex: Knex }).knex;
    await expect(internal.raw("UPDATE t_member SET vip_name = 'x'")).rejects.toThrow(/read.only/i);
    expect((await privileged.info()).readOnlySession).toBe(true);
    await privileged.close();

    // 3. The reader user has no write privilege at all, whatever the session.
    const reader = knexFactory({ client: kind === 'mysql' ? 'mysql2' : 'pg', connection: { host: server.host, port: server.port, user: 'reader', password: 'reader-pw', database: 'pos' }, pool: { min: 0, max: 1 } });
    await expect(reader.raw("UPDATE t_member SET vip_name = 'x'")).rejects.toThrow(/denied/i);
    await reader.destroy();
    const [{ n }] = (await admin('t_member').where('vip_name', 'x').count({ n: '*' })) as [{ n: number | string }];
    expect(Number(n)).toBe(0);
  });

  it('incremental sync picks up new sales and changed members; malformed values are reported per field', async () => {
    await admin('t_member').where('card_id', 'V00000001').update({ vip_name: '上官婉儿', mobile: 'not-a-phone', vip_sex: 'X', birthday: '2001-02-30', modify_time: '2026-11-22 08:00:00' });
    await admin('t_sale_master').insert({ flow_no: 'NEW-1', branch_no: '0001', card_id: 'V00000001', sale_time: '2026-11-22 08:00:00', sale_amount: '12.34', points: 12, modify_time: '2026-11-22 08:00:00' });
    const [{ m }] = (await admin('t_sale_detail').max({ m: 'flow_id' })) as [{ m: number | string }];
    await admin('t_sale_detail').insert({ flow_id: Number(m) + 1, flow_no: 'NEW-1', line_no: 1, item_no: '10000001', sale_qty: '1.000', sale_price: '12.34', sale_money: '12.34' });
    const run = await sync();
    expect(run.state).toBe('finished');
    expect(run.rowsRead).toBeLessThan(20);
    const member = await app.services.db('members').where({ source: 'pos', source_key: 'V00000001' }).first();
    expect(member).toMatchObject({ name: '上官婉儿', mobile: null, gender: 'U', birthday: null });
    const fields = run.detail!.fieldErrors.flatMap((f) => (f as { errors: Array<{ field: string }> }).errors.map((e) => e.field));
    expect(fields).toEqual(expect.arrayContaining(['mobile', 'gender', 'birthday']));
    const sale = await app.services.db('sales').where('receipt_no', 'NEW-1').first();
    expect(sale).toMatchObject({ total_cents: 1234, member_id: member.id });
    expect(await app.services.db('sale_lines').where('receipt_no', 'NEW-1')).toHaveLength(1);
  });

  it('a server that stalls ends the sync with SOURCE_TIMEOUT and leaves the mirror unchanged', async () => {
    await app.services.store.updateConnection(CLI_ACTOR, connectionId, { name: kind, client, settings: { ...readerSettings(), idleTimeoutMs: 1_500 } });
    await admin('t_member').where('card_id', 'V00000002').update({ vip_name: '诸葛亮', modify_time: '2026-11-22 09:00:00' });
    const before = await mirrorSnapshot(app.services.db);
    const locker = await admin.client.acquireConnection();
    try {
      if (kind === 'mysql') await admin.raw('LOCK TABLES t_member WRITE').connection(locker);
      else await admin.raw('BEGIN; LOCK TABLE t_member IN ACCESS EXCLUSIVE MODE').connection(locker);
      const run = await sync();
      expect(run).toMatchObject({ state: 'failed', errorCode: 'SOURCE_TIMEOUT' });
      expect(run.errorMessage).toMatch(/sent nothing for 2 s|sent nothing for 1 s/);
      expect(await mirrorSnapshot(app.services.db)).toEqual(before);
    } finally {
      await admin.raw(kind === 'mysql' ? 'UNLOCK TABLES' : 'COMMIT').connection(locker);
      await admin.client.releaseConnection(locker);
      await app.services.store.updateConnection(CLI_ACTOR, connectionId, { name: kind, client, settings: readerSettings() });
    }
    const recovered = await sync();
    expect(recovered.state).toBe('finished');
    expect((await app.services.db('members').where({ source: 'pos', source_key: 'V00000002' }).first()).name).toBe('诸葛亮');
  });

  it('a connection dropped mid-sync keeps the committed batches; the next sync completes the mirror', async () => {
    // A fresh mirror on the same server, read in small batches; the server drops the session after the first batch of lines.
    const side = await createTestAppliance();
    try {
      const store = new StoreMirror(side.services.db, side.services.clock, side.services.secrets, side.services.events, side.services.audit, side.services.logger);
      const { id, keyPrefix, name } = await store.createConnection(CLI_ACTOR, { name: 'drop', client, settings: readerSettings(), password: 'reader-pw' });
      const source = openSource(name, client, readerSettings(), 'reader-pw');
      const plans = [{ entity: 'sale_lines' as const, mappingId: 0, mapping: validateMapping('sale_lines', PRESETS['demo-pos'].mappings.sale_lines), watermark: null }];
      let killed = false;
      const outcome = await runSync({ db: side.services.db, clock: side.services.clock, secrets: side.services.secrets, batchSize: 200 }, { id, keyPrefix, name }, source, plans, {
        mode: 'incremental',
        signal: new AbortController().signal,
        onBatchCommitted: async () => {
          if (killed) return;
          killed = true;
          if (kind === 'mysql') {
            const [rows] = (await admin.raw("SELECT id FROM information_schema.processlist WHERE user = 'reader'")) as unknown as [Array<{ id: number }>];
            for (const row of rows) await admin.raw(`KILL ${Number(row.id)}`);
          } else {
            await admin.raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'reader'");
          }
        },
      });
      await source.close();
      expect(killed).toBe(true);
      expect(outcome.state).toBe('failed');
      expect(outcome.errorCode).toMatch(/SOURCE_CONNECTION_LOST|SOURCE_QUERY_FAILED/);
      expect(outcome.errorMessage).toMatch(/mirror keeps its last good state|failed/);
      const [{ n }] = (await side.services.db('sale_lines').count({ n: '*' })) as [{ n: number }];
      expect(Number(n)).toBe(outcome.rowsWritten);
      expect(Number(n) % 200).toBe(0);
      const [{ total }] = (await admin('t_sale_detail').count({ total: '*' })) as [{ total: number | string }];
      expect(Number(n)).toBeLessThan(Number(total));

      await store.applyPreset(CLI_ACTOR, id, 'demo-pos');
      const run = await (await store.startSync(CLI_ACTOR, id)).done;
      expect(run.state).toBe('finished');
      const [{ n: after }] = (await side.services.db('sale_lines').count({ n: '*' })) as [{ n: number }];
      expect(Number(after)).toBe(Number(total));
    } finally {
      await side.close();
    }
  });
}

