/**
 * The MAS database interface against a real MariaDB, with clients written the
 * way the public MAS clients are (tests/support/mas-clients.ts) and texts
 * going out through the modem simulator on a PTY. One server for the file.
 */
import net from 'node:net';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { openSqlite } from '../../main/db/connection.js';
import { openCore, type OpenedCore } from '../../main/index.js';
import { decodePdu, type DecodedSubmit } from '../../main/modem/pdu/index.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../../main/modem/sim/standalone.js';
import { startMariaDb, type DbServer } from '../support/dbservers.js';
import { tempDir, testConfig } from '../support/appliance.js';
import { startServe } from '../support/cli.js';
import { tempPtyDir } from '../support/pty.js';
import { connectPlain, IMAPI_GATEWAY_CONN_ERR, IMAPI_IFSTATUS_INVALID, plainInsert, plainReceive, StockMasClient, type MasLogin } from '../support/mas-clients.js';

let server: DbServer;
const STOREMAS_USER = { user: 'storemas', password: 'storemas-pw' };

beforeAll(async () => {
  server = await startMariaDb();
  // What an installer grants StoreMAS: everything on the MAS database (created by StoreMAS), and making logins.
  await server.exec(
    `CREATE USER '${STOREMAS_USER.user}'@'%' IDENTIFIED BY '${STOREMAS_USER.password}';` +
      `GRANT ALL ON \`mas\`.* TO '${STOREMAS_USER.user}'@'%' WITH GRANT OPTION; GRANT CREATE USER ON *.* TO '${STOREMAS_USER.user}'@'%';` +
      ['mas2', 'mas3', 'mas4', 'mas5'].map((db) => `GRANT ALL ON \`${db}\`.* TO '${STOREMAS_USER.user}'@'%' WITH GRANT OPTION;`).join(''),
  );
}, 120_000);
afterAll(async () => server?.stop());

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Rig {
  core: OpenedCore;
  sim: StandaloneSimulator;
  admin: MasLogin;
  close(): Promise<void>;
}

/** A core with one serial modem on a PTY simulator, sending fast, and the MAS interface on `database`. */
async function rig(database: string, options: { port?: number; statusReports?: Record<string, 'delivered' | 'failed'>; modem?: boolean } = {}): Promise<Rig> {
  const data = tempDir('storemas-masdb-');
  const pty = await tempPtyDir();
  const sim = await startStandaloneSimulator({
    link: path.join(pty.dir, 'ttySIM0'),
    modem: { latency: 'zero', statusReports: { delayMs: [50, 50], byRecipient: options.statusReports ?? {} } },
  });
  const core = await openCore(testConfig(data.dir), { lock: false });
  const { services } = core;
  if (options.modem !== false) await services.modems.add({ name: 'SIM-0', kind: 'serial', portPath: sim.link, limits: { minGapMs: 5, perHour: 100_000, perDay: 100_000 } }, SYSTEM_ACTOR);
  await services.modems.start();
  await services.messaging.start(services.modems);
  await services.masDb.start();
  await services.masDb.saveConnection(SYSTEM_ACTOR, { host: server.host, port: options.port ?? server.port, user: STOREMAS_USER.user, password: STOREMAS_USER.password, database, tls: { mode: 'off' } });
  return {
    core,
    sim,
    admin: { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database },
    close: async () => {
      await core.close();
      await sim.stop();
      await pty.dispose();
      data.remove();
    },
  };
}

/** What the simulator accepted, per recipient: the witness that nothing went out twice. */
function sentTo(sim: StandaloneSimulator): Map<string, DecodedSubmit[]> {
  const out = new Map<string, DecodedSubmit[]>();
  for (const entry of sim.modem.acceptedLog()) {
    const pdu = decodePdu(entry.pdu) as DecodedSubmit;
    out.set(pdu.recipient.number, [...(out.get(pdu.recipient.number) ?? []), pdu]);
  }
  return out;
}

describe('MAS database interface against MariaDB', () => {
  it('stock, utf8mb4 and gbk clients send through the modem; reports and replies come back where they look', async () => {
    const r = await rig('mas', { statusReports: { '+8613900139002': 'failed' } });
    const { masDb } = r.core.services;
    let stock: StockMasClient | undefined;
    let stockUtf8: StockMasClient | undefined;
    let plain: Connection | undefined;
    let gbk: Connection | undefined;
    try {
      await masDb.createCode(SYSTEM_ACTOR, { code: '003', label: 'ERP 订单' });
      await masDb.createCode(SYSTEM_ACTOR, { code: 'erp01', isDefault: true });
      // StoreMAS made the database and the tables; each code gets its own login, with rights on its tables only.
      const login003 = await masDb.resetLogin(SYSTEM_ACTOR, '003');
      const loginErp = await masDb.resetLogin(SYSTEM_ACTOR, 'erp01');
      expect(login003).toMatchObject({ user: 'mas_003', database: 'mas' });
      stock = await StockMasClient.init(login003, '003');
      stockUtf8 = await StockMasClient.init(login003, '003', { connection: 'utf8' });
      plain = await connectPlain(loginErp, 'utf8mb4');
      gbk = await connectPlain(loginErp, 'gbk');
      await expect(plain.query('SELECT * FROM api_mt_003 LIMIT 1')).rejects.toThrow(/denied/);

      // conn_succ_status follows the modem: the stock client may send once the modem is ready.
      await until('conn_succ_status 1', async () => (await stock!.checkGatConn()) === 1);

      expect(await stock.sendSM(['13900139001', '13900139002'], "尊敬的会员：您的订单'A-1'已发货", 101, 7)).toBe(0);
      // 凘 is 84 40 in GBK: a byte the two stock connections store differently. The last to write sets how replies are written.
      expect(await stockUtf8.sendSM(['13900139004'], '凘：积分到账', 103, 9)).toBe(0);
      // Every byte 0x80–0x9F as a GBK trail byte (丂 … 乣): MySQL's latin1 maps them to €‚ƒ„… and five gaps.
      const everyHighByte = iconv.decode(Buffer.from(Array.from({ length: 32 }, (_, i) => [0x81, 0x80 + i]).flat()), 'gbk');
      expect(await stock.sendSM(['13900139011'], everyHighByte, 110, 8)).toBe(0);
      expect(await stock.sendSM(['13900139003'], '凘：积分到账', 102, 8)).toBe(0);
      const ucs2 = Buffer.from('0500033F0201', 'hex');
      expect(await stock.sendPDU(['13900139005'], Buffer.concat([ucs2, Buffer.from('长短信第一段', 'utf16le').swap16()]), 104, 9, 8, 0, 1)).toBe(0);
      await plainInsert(plain, 'erp01', { mobiles: '13900139006，13900139007', content: '您好，会员日{全场}八折' });
      await plainInsert(gbk, 'erp01', { mobiles: '13900139008', content: '新品到店', isWap: 0 });
      await plainInsert(plain, 'erp01', { mobiles: '', content: '没有号码', smId: 205, srcId: 0 });
      await plainInsert(plain, 'erp01', { mobiles: '13900139009,12345', content: '有一个坏号码', smId: 206, srcId: 0 });

      const recipients = ['01', '02', '03', '04', '05', '06', '07', '08', '09'].map((n) => `+86139001390${n}`);
      await until('every text at the modem', async () => recipients.every((n) => sentTo(r.sim).has(n)));
      const sent = sentTo(r.sim);
      for (const n of recipients) expect(sent.get(n), n).toHaveLength(1);
      expect(sent.get('+8613900139001')![0]!.text.startsWith("尊敬的会员：您的订单'A-1'已发货")).toBe(true);
      expect(sent.get('+8613900139003')![0]!.text.startsWith('凘：积分到账')).toBe(true);
      expect(sent.get('+8613900139004')![0]!.text.startsWith('凘：积分到账')).toBe(true);
      await until('the text with every high byte', async () => sentTo(r.sim).has('+8613900139011'));
      expect(sentTo(r.sim).get('+8613900139011')!.map((p) => p.text).join('').startsWith(everyHighByte)).toBe(true);
      expect(sent.get('+8613900139006')![0]!.text.startsWith('您好，会员日{全场}八折')).toBe(true);
      expect(sent.get('+8613900139008')![0]!.text.startsWith('新品到店')).toBe(true);
      const pdu = sent.get('+8613900139005')![0]!;
      expect(pdu.text).toBe('长短信第一段');
      expect(pdu.concat).toMatchObject({ reference: 0x3f, total: 2, sequence: 1 });

      // Reports: one per recipient, read and deleted as the stock client does.
      const reports003 = await until('api_rpt_003 rows', async () => {
        const items = await stock!.receiveRPT();
        return items.length > 0 ? items : undefined;
      });
      const all003 = [...reports003];
      await until('all six reports of 003', async () => {
        all003.push(...(await stock!.receiveRPT()));
        return all003.length >= 6 ? true : undefined;
      });
      const byMobile = new Map(all003.map((x) => [x.mobile, x]));
      expect(byMobile.get('13900139001')).toMatchObject({ smId: 101, code: 0, desc: 'DELIVRD' });
      expect(byMobile.get('13900139002')).toMatchObject({ smId: 101, code: 1, desc: 'UNDELIV' });
      expect(byMobile.get('13900139005')).toMatchObject({ smId: 104, code: 0 });
      expect(all003.every((x) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(x.rptTime))).toBe(true);
      expect(await stock.receiveRPT()).toEqual([]); // deleted: never twice

      const erpReports: Array<Record<string, unknown>> = [];
      await until('erp01 reports', async () => {
        erpReports.push(...(await plainReceive(plain!, 'api_rpt_erp01')));
        return erpReports.length >= 6 ? true : undefined;
      });
      const erp = erpReports.map((x) => `${String(x['SM_ID'])}|${String(x['MOBILE'])}|${String(x['RPT_CODE'])}|${String(x['RPT_DESC'])}`).sort();
      expect(erp).toEqual(
        ['0|13900139006|0|DELIVRD', '0|13900139007|0|DELIVRD', '0|13900139008|0|DELIVRD', '205||11|EMPTY_MOBILES', '206|12345|10|INVALID_MOBILE', '206|13900139009|0|DELIVRD'].sort(),
      );

      // Replies: to the code that last texted the number, SM_ID = its SRC_ID; else the default code.
      r.sim.modem.injectInbound({ from: '+8613900139001', text: '收到，谢谢！凘' });
      r.sim.modem.injectInbound({ from: '+8613900139004', text: 'TD' });
      r.sim.modem.injectInbound({ from: '+8613700137000', text: '请问几点开门？' });
      const mo003 = await until('replies in api_mo_003', async () => {
        const items = await stock!.receiveSM();
        return items.length >= 2 ? items : undefined;
      });
      expect(mo003.map((m) => [m.smId, m.mobile, m.content]).sort()).toEqual([
        [7, '13900139001', '收到，谢谢！凘'],
        [9, '13900139004', 'TD'],
      ]);
      expect(mo003[0]!.moTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const moErp = await until('the default code’s reply', async () => {
        const rows = await plainReceive(plain!, 'api_mo_erp01');
        return rows.length > 0 ? rows : undefined;
      });
      expect(moErp.map((m) => [Number(m['SM_ID']), m['MOBILE'], m['CONTENT']])).toEqual([[0, '13700137000', '请问几点开门？']]);
      // The StoreMAS inbox still has every text, and TD still opted the number out.
      expect(await r.core.services.db('inbox_messages').count({ n: '*' })).toEqual([{ n: 3 }]);
      expect((await r.core.services.lists.statusOf('+8613900139004')).blacklist).toMatchObject({ source: 'opt-out' });

      // Replies are written the way each code's client wrote: the utf8 stock connection reads its own convention too.
      await masDb.updateCode(SYSTEM_ACTOR, '003', { replyEncoding: 'gbk-iso8859' });
      r.sim.modem.injectInbound({ from: '+8613900139004', text: '凘好' });
      const isoReply = await until('a reply for the utf8 stock connection', async () => {
        const items = await stockUtf8!.receiveSM();
        return items.length > 0 ? items : undefined;
      });
      expect(isoReply.map((m) => m.content)).toEqual(['凘好']);

      const status = await masDb.status();
      expect(status).toMatchObject({ state: 'connected', modemsReady: true });
      expect(status.codes.find((c) => c.code === '003')).toMatchObject({ today: { taken: 5, rejected: 0 }, detectedEncoding: expect.stringMatching(/gbk/) });
      expect(status.codes.find((c) => c.code === 'erp01')).toMatchObject({ today: { taken: 4, rejected: 2 }, detectedEncoding: 'utf8' });
      const problems = await masDb.problems('erp01', 10);
      expect(problems.map((p) => p.problem).sort()).toEqual(['EMPTY_MOBILES', 'INVALID_MOBILE']);

      // Pausing tells the stock client to stop (-10); rows inserted anyway wait until resumed.
      await masDb.setPaused(SYSTEM_ACTOR, '003', true);
      await until('if_status 2', async () => (await stock!.checkGatConn()) === IMAPI_IFSTATUS_INVALID);
      await plain.end();
      const admin = await connectPlain(r.admin);
      await plainInsert(admin, '003', { mobiles: '13900139010', content: '暂停时插入' });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(sentTo(r.sim).has('+8613900139010')).toBe(false);
      await masDb.setPaused(SYSTEM_ACTOR, '003', false);
      await until('the waiting row sent after resume', async () => sentTo(r.sim).has('+8613900139010'));
      await admin.end();

      // No modem ready: clients are told the gateway is down (-11).
      await r.core.services.modems.stop();
      await until('conn_succ_status 0', async () => (await stock!.checkGatConn()) === IMAPI_GATEWAY_CONN_ERR);
    } finally {
      await stock?.release();
      await stockUtf8?.release();
      await gbk?.end();
      await plain?.end().catch(() => undefined);
      await r.close();
    }
  }, 90_000);

  it('a MySQL server that goes away: polling resumes, nothing lost; a recreated table is never skipped nor resent', async () => {
    const proxy = await tcpProxy(server.port);
    const r = await rig('mas2', { port: proxy.port });
    const { masDb } = r.core.services;
    const admin = { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: 'mas2' };
    let direct: Connection | undefined;
    try {
      await masDb.createCode(SYSTEM_ACTOR, { code: 'pos' });
      await until('connected, the table made', async () => (await masDb.status()).codes[0]?.waiting === 0);
      direct = await connectPlain(admin);
      await plainInsert(direct, 'pos', { mobiles: '13800138001', content: '第一条' });
      await until('the first text sent', async () => sentTo(r.sim).has('+8613800138001'));

      proxy.cut();
      await until('disconnected', async () => (await masDb.status()).state === 'disconnected');
      const down = await masDb.status();
      expect(down.lastError?.code).toMatch(/MAS_DB_(UNREACHABLE|CONNECTION_LOST)/);
      for (let i = 2; i <= 4; i += 1) await plainInsert(direct, 'pos', { mobiles: `1380013800${i}`, content: `断线时第${i}条` });
      await proxy.restore();
      await until('all three sent after the server came back', async () => ['2', '3', '4'].every((i) => sentTo(r.sim).has(`+861380013800${i}`)), 40_000);

      // The table is recreated: AUTO_SN 1 again. Those rows are new work (a new generation), sent once each.
      await until('api_mt_pos emptied', async () => {
        const [rows] = await direct!.query('SELECT COUNT(*) AS n FROM api_mt_pos');
        return Number((rows as Array<{ n: number }>)[0]!.n) === 0;
      });
      const [[ddl]] = (await direct.query('SHOW CREATE TABLE api_mt_pos')) as unknown as [[{ 'Create Table': string }]];
      await direct.query('DROP TABLE api_mt_pos');
      await direct.query(ddl['Create Table']);
      await plainInsert(direct, 'pos', { mobiles: '13800138005', content: '重建后第一条' });
      await until('the row of the recreated table sent', async () => sentTo(r.sim).has('+8613800138005'));
      // TRUNCATE keeps CREATE_TIME on some servers but restarts AUTO_SN: caught by the AUTO_SN going back.
      await direct.query('TRUNCATE TABLE api_mt_pos');
      await plainInsert(direct, 'pos', { mobiles: '13800138006', content: '清空后第一条' });
      await until('the row after TRUNCATE sent', async () => sentTo(r.sim).has('+8613800138006'));
      const sent = sentTo(r.sim);
      for (let i = 1; i <= 6; i += 1) expect(sent.get(`+861380013800${i}`), `number ${i}`).toHaveLength(1);
      const code = (await masDb.codes())[0]!;
      expect(code.generation).toBeGreaterThanOrEqual(3);
    } finally {
      await direct?.end();
      await r.close();
      await proxy.close();
    }
  }, 90_000);

  it('bad rows: each refused into api_rpt with its code, the good ones queued; 20,000 numbers in one row; SEND_TIME honoured', async () => {
    const r = await rig('mas5', { modem: false });
    const { masDb, db } = r.core.services;
    await masDb.createCode(SYSTEM_ACTOR, { code: 'bad', category: 'marketing' });
    await until('tables', async () => (await masDb.status()).codes[0]?.waiting === 0);
    const admin = await connectPlain(r.admin);
    try {
      const many = Array.from({ length: 20_000 }, (_, i) => `137${String(i).padStart(8, '0')}`).join(',');
      const insert = (columns: string, values: unknown[]) =>
        admin.query(`INSERT INTO api_mt_bad (${columns}) VALUES (${values.map(() => '?').join(', ')})`, values);
      await insert('SM_ID, MOBILES, CONTENT', [1, many, '会员日全场八折']);
      await insert('SM_ID, MOBILES, CONTENT', [2, '13800138000', '长'.repeat(2_001)]);
      await insert('SM_ID, MOBILES, CONTENT, SEND_TIME', [3, '13800138000', '定时', '0000-00-00 00:00:00']);
      await insert('SM_ID, MOBILES, CONTENT, SEND_TIME', [4, '13800138000', '过去的时间', '2020-01-01 08:00:00']);
      await insert('SM_ID, MOBILES, CONTENT, SEND_TIME', [5, '13800138001', '明年的时间', '2099-01-01 08:00:00']);
      await insert('SM_ID, MOBILES, CONTENT, SM_TYPE, MSG_FMT', [6, '13800138000', '0605040B8423F', 2, 4]);
      await insert('SM_ID, MOBILES, CONTENT', [7, ' ', '没有号码']);
      await r.core.services.lists.add(SYSTEM_ACTOR, 'black', { mobile: '13800138002', scope: 'all', reason: '投诉' });
      await insert('SM_ID, MOBILES, CONTENT', [8, '13800138002', '黑名单']);
      const rpt = await until('the refusals and the blocked number in api_rpt_bad', async () => {
        const [rows] = await admin.query('SELECT SM_ID, MOBILE, RPT_CODE, RPT_DESC FROM api_rpt_bad ORDER BY SM_ID');
        return (rows as unknown[]).length >= 5 ? (rows as Array<{ SM_ID: number; MOBILE: string; RPT_CODE: number; RPT_DESC: string }>) : undefined; // four refusals and the blocked number
      }, 60_000);
      expect(rpt.map((x) => `${x.SM_ID}|${x.MOBILE}|${x.RPT_CODE}|${x.RPT_DESC}`)).toEqual([
        '2|13800138000|13|CONTENT_TOO_LONG',
        '3|13800138000|14|BAD_SEND_TIME',
        '6|13800138000|15|BAD_PDU',
        '7||11|EMPTY_MOBILES',
        '8|13800138002|5|BLACKLIST',
      ]);
      const queued: Array<{ n: number }> = await db('outbox_messages').where('source', 'mas-db').whereNot('status', 'blocked').count({ n: '*' });
      expect(Number(queued[0]!.n)).toBe(20_002);
      const scheduled: { due_at: number } = await db('outbox_messages').where('recipient', '+8613800138001').first();
      expect(Number(scheduled.due_at)).toBe(Date.UTC(2099, 0, 1, 0, 0, 0));
      const now: { due_at: number; created_at: number } = await db('outbox_messages').where({ recipient: '+8613800138000', category: 'marketing' }).whereNot('status', 'blocked').first();
      expect(Number(now.due_at)).toBeGreaterThanOrEqual(Number(now.created_at)); // a past SEND_TIME sends now (or after quiet hours)
      const batch: { id: string; kind: string } = await db('outbox_batches').where('kind', 'mas-db').first();
      expect(batch.id).toMatch(/^mas-db:bad:\d{4}-\d\d-\d\d$/);
      const [left] = await admin.query('SELECT COUNT(*) AS n FROM api_mt_bad');
      expect(Number((left as Array<{ n: number }>)[0]!.n)).toBe(0);

      // A message left unknown by a crash and sent again by an operator: the new message answers for it, the old one never reports.
      const old: { id: number } = await db('outbox_messages').where('recipient', '+8613800138001').first();
      await db('outbox_messages').where('id', old.id).update({ status: 'unknown' });
      const resent = await r.core.services.messaging.outbox.resolveUnknown(SYSTEM_ACTOR, old.id, 'resend');
      expect(resent.status).toBe('failed');
      await until('the link moved to the new message', async () => (await db('mas_db_messages').where('message_id', resent.resentAs!).first()) !== undefined);
      expect(await db('mas_db_messages').where('message_id', old.id).first()).toBeUndefined();
      const [forOld] = await admin.query('SELECT COUNT(*) AS n FROM api_rpt_bad WHERE SM_ID = 5');
      expect(Number((forOld as Array<{ n: number }>)[0]!.n)).toBe(0);
    } finally {
      await admin.end();
      await r.close();
    }
  }, 90_000);

  it('refuses to connect unencrypted when TLS is required, saying what to do', async () => {
    const data = tempDir('storemas-masdb-tls-');
    const core = await openCore(testConfig(data.dir), { lock: false });
    try {
      await expect(
        core.services.masDb.testConnection({ host: server.host, port: server.port, user: STOREMAS_USER.user, password: STOREMAS_USER.password, database: 'mas3' }),
      ).rejects.toMatchObject({ code: 'MAS_DB_TLS_UNSUPPORTED', message: expect.stringMatching(/MAS database server/) });
      const plainTest = await core.services.masDb.testConnection({ host: server.host, port: server.port, user: STOREMAS_USER.user, password: STOREMAS_USER.password, database: 'mas3', tls: { mode: 'off' } });
      expect(plainTest).toMatchObject({ encrypted: false, databaseExists: false, mayCreateTables: true, mayCreateUsers: true });
      await expect(
        core.services.masDb.testConnection({ host: server.host, port: server.port, user: STOREMAS_USER.user, password: 'wrong', database: 'mas3', tls: { mode: 'off' } }),
      ).rejects.toMatchObject({ code: 'MAS_DB_LOGIN_REFUSED' });
    } finally {
      await core.close();
      data.remove();
    }
  });

  it('a login made right after the connection is saved works, before the runner has made the database', async () => {
    const data = tempDir('storemas-masdb-login-');
    const core = await openCore(testConfig(data.dir), { lock: false });
    try {
      // The runner is not started here: nothing else creates mas3 (testConnection above only looked).
      await core.services.masDb.saveConnection(SYSTEM_ACTOR, { host: server.host, port: server.port, user: STOREMAS_USER.user, password: STOREMAS_USER.password, database: 'mas3', tls: { mode: 'off' } });
      await core.services.masDb.createCode(SYSTEM_ACTOR, { code: 'oa' });
      const login = await core.services.masDb.resetLogin(SYSTEM_ACTOR, 'oa');
      expect(login).toMatchObject({ user: 'mas_oa', database: 'mas3' });
      const client = await connectPlain(login);
      try {
        await plainInsert(client, 'oa', { mobiles: '13600130000', content: '会议改到下午三点', smId: 1, srcId: 0 });
        const [rows] = await client.query('SELECT MOBILES FROM api_mt_oa');
        expect(rows).toEqual([{ MOBILES: '13600130000' }]);
      } finally {
        await client.end();
      }
    } finally {
      await core.close();
      data.remove();
    }
  });
});

describe('a crash between queueing and deleting', () => {
  it('StoreMAS killed after the rows are queued but before api_mt is emptied: after the restart nothing is lost and nothing sent twice', async () => {
    const data = tempDir('storemas-masdb-crash-');
    const pty = await tempPtyDir();
    const sim = await startStandaloneSimulator({ link: path.join(pty.dir, 'ttySIM0'), modem: { latency: 'zero', statusReports: { delayMs: [20, 20] } } });
    const admin = await connectPlain({ host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: 'mysql' });
    const served: Array<{ stop(signal?: NodeJS.Signals): Promise<number | null> }> = [];
    let restarted: OpenedCore | undefined;
    try {
      // Set up as an installer would: the modem, the connection, the code (its tables made at once).
      const setup = await openCore(testConfig(data.dir), { lock: false });
      await setup.services.modems.add({ name: 'SIM-0', kind: 'serial', portPath: sim.link, limits: { minGapMs: 5, perHour: 100_000, perDay: 100_000 } }, SYSTEM_ACTOR);
      await setup.services.masDb.start();
      await setup.services.masDb.saveConnection(SYSTEM_ACTOR, { host: server.host, port: server.port, user: STOREMAS_USER.user, password: STOREMAS_USER.password, database: 'mas4', tls: { mode: 'off' } });
      await setup.services.masDb.createCode(SYSTEM_ACTOR, { code: 'pos' });
      const login = await setup.services.masDb.resetLogin(SYSTEM_ACTOR, 'pos');
      await setup.close();

      const client = await connectPlain(login);
      const numbers = Array.from({ length: 30 }, (_, i) => `1360013${String(i).padStart(4, '0')}`);
      for (const [i, mobile] of numbers.entries()) await plainInsert(client, 'pos', { mobiles: mobile, content: `订单${i}已发货`, smId: 1000 + i, srcId: 0 });

      // The delete is refused: StoreMAS queues the rows, then cannot remove them — the moment to die.
      await admin.query("REVOKE DELETE ON `mas4`.* FROM 'storemas'@'%'");
      const spawned = Date.now();
      const first = await startServe(['--data-dir', data.dir, '--no-demo'], { STOREMAS_LOG_LEVEL: 'error' });
      served.push(first);
      console.log(`mas-db crash: storemas serve up in ${Date.now() - spawned} ms`);
      const db = openSqlite(path.join(data.dir, 'storemas.sqlite'));
      try {
        await until('all 30 queued and sent', async () => sentTo(sim).size === 30, 60_000);
        console.log(`mas-db crash: all sent ${Date.now() - spawned} ms after spawn`);
        expect(Number((await db('outbox_messages').count({ n: '*' }))[0]!.n)).toBe(30);
        // The kill comes once every text is settled by its status report (the delete stays refused
        // meanwhile): a kill before a report is handled leaves that text unknown, which is another test.
        await until('all 30 delivered', async () => Number((await db('outbox_messages').where('status', 'delivered').count({ n: '*' }))[0]!.n) === 30, 60_000);
        await first.stop('SIGKILL');
        const [waiting] = await client.query('SELECT COUNT(*) AS n FROM api_mt_pos');
        expect(Number((waiting as Array<{ n: number }>)[0]!.n)).toBe(30);

        await admin.query("GRANT DELETE ON `mas4`.* TO 'storemas'@'%'");
        // Restarted in this process (what matters is what the killed one left behind).
        const second = await openCore(testConfig(data.dir), { lock: false });
        restarted = second;
        await second.services.modems.start();
        await second.services.messaging.start(second.services.modems);
        await second.services.masDb.start();
        await until('api_mt_pos emptied', async () => {
          const [rows] = await client.query('SELECT COUNT(*) AS n FROM api_mt_pos');
          return Number((rows as Array<{ n: number }>)[0]!.n) === 0;
        }, 60_000);
        const reports = await until('one report per message', async () => {
          const [rows] = await client.query('SELECT SM_ID, MOBILE, RPT_CODE FROM api_rpt_pos ORDER BY SM_ID');
          return (rows as unknown[]).length >= 30 ? (rows as Array<{ SM_ID: number; MOBILE: string; RPT_CODE: number }>) : undefined;
        }, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 1_500)); // anything sent twice would show by now
        await second.close();
        restarted = undefined;
        expect(reports.map((r) => `${r.SM_ID}:${r.MOBILE}:${r.RPT_CODE}`)).toEqual(numbers.map((m, i) => `${1000 + i}:${m}:0`));
        expect(Number((await db('outbox_messages').count({ n: '*' }))[0]!.n)).toBe(30);
        const sent = sentTo(sim);
        expect([...sent.values()].filter((list) => list.length !== 1)).toEqual([]);
        expect([...sent.keys()].sort()).toEqual(numbers.map((m) => `+86${m}`).sort());
      } finally {
        await db.destroy();
        await client.end();
      }
    } finally {
      for (const s of served) await s.stop('SIGKILL').catch(() => undefined);
      await restarted?.close();
      await admin.end();
      await sim.stop();
      await pty.dispose();
      data.remove();
    }
  }, 150_000);
});

/** A TCP proxy to the server that the test can cut (every connection reset, none accepted) and restore. */
async function tcpProxy(target: number): Promise<{ port: number; cut(): void; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  let listener = make();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      listener.close();
      for (const s of sockets) s.destroy();
    },
    async restore() {
      listener = make();
      await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

