import path from 'node:path';
import fc from 'fast-check';
import type sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { decryptIdNumber } from '../members/id-number.js';
import { createTestAppliance, tempDir, type TestAppliance } from '../../tests/support/appliance.js';
import { Random } from './demo/generator.js';
import { addLiveSale } from './demo/live.js';
import { closeSqliteFile, openSqliteFile, writeDemoSqlite } from './demo/sinks.js';
import { StoreMirror } from './service.js';

const SMALL = { members: 400, products: 150, stores: 3, receipts: 1200, days: 60, until: Date.UTC(2026, 10, 21, 14) };

function all<T = Record<string, unknown>>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
}
function exec(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));
}

describe('store sync from a SQLite POS (the demo schema)', () => {
  const temp = tempDir('storemas-sync-');
  const file = path.join(temp.dir, 'pos.sqlite');
  let app: TestAppliance;
  let clock: ManualClock;
  let pos: sqlite3.Database;
  let connectionId: number;

  beforeAll(async () => {
    await writeDemoSqlite(file, SMALL);
    clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    app = await createTestAppliance({ clock });
    const connection = await app.services.store.createConnection(CLI_ACTOR, { name: 'pos', client: 'sqlite', settings: { file } });
    connectionId = connection.id;
    await app.services.store.applyPreset(CLI_ACTOR, connectionId, 'demo-pos');
    pos = await openSqliteFile(file);
  });

  afterAll(async () => {
    await closeSqliteFile(pos);
    await app.close();
    temp.remove();
  });

  async function sync(mode: 'incremental' | 'full' = 'incremental') {
    clock.advance(60_000);
    const { done } = await app.services.store.startSync(CLI_ACTOR, connectionId, { mode });
    return done;
  }

  it('first sync mirrors every entity with transforms applied', async () => {
    const run = await sync();
    expect(run.state).toBe('finished');
    const counts = await app.services.store.counts();
    const [source] = await all<Record<string, number>>(
      pos,
      'SELECT (SELECT COUNT(*) FROM t_member) AS members, (SELECT COUNT(*) FROM t_goods) AS products, (SELECT COUNT(*) FROM t_stock) AS inventory, (SELECT COUNT(*) FROM t_sale_master) AS sales, (SELECT COUNT(*) FROM t_sale_detail) AS sale_lines, (SELECT COUNT(*) FROM t_branch) AS stores',
    );
    expect(counts).toEqual(source);
    expect(run.rowsRead).toBe(Object.values(source!).reduce((a, b) => a + b, 0));

    // A member, field by field against the POS row.
    const [raw] = await all(pos, "SELECT * FROM t_member WHERE id_card IS NOT NULL AND birthday IS NOT NULL AND birthday_type = '1' AND vip_sex = '2' AND length(mobile) = 11 LIMIT 1");
    const member = await app.services.db('members').where({ source: 'pos', source_key: raw!['card_id'] }).first();
    expect(member).toMatchObject({
      name: raw!['vip_name'],
      gender: 'F',
      birthday: raw!['birthday'],
      birthday_lunar: 1,
      birth_month: Number(String(raw!['birthday']).slice(5, 7)),
      mobile: `+86${String(raw!['mobile'])}`,
      store_code: raw!['branch_no'],
      total_spent_cents: Math.round(Number(raw!['acc_amount']) * 100),
      points: raw!['acc_points'],
      id_number_last4: String(raw!['id_card']).slice(-4),
    });
    expect(member.id_number_enc).not.toContain(String(raw!['id_card']));
    expect(decryptIdNumber(app.services.secrets, member.id_number_enc as string)).toBe(raw!['id_card']);

    // Broken mobiles in the POS are reported per field and kept empty, the member is kept.
    const [{ n: badMobiles }] = (await all<{ n: number }>(pos, 'SELECT COUNT(*) AS n FROM t_member WHERE mobile IS NOT NULL AND length(mobile) < 11')) as [{ n: number }];
    expect(run.detail!.counts['members']!.fieldErrors).toBe(badMobiles);
    if (badMobiles > 0) expect(run.detail!.fieldErrors[0]).toMatchObject({ entity: 'members', errors: [expect.objectContaining({ field: 'mobile' })] });
    // Landlines are no error but no mobile either: counted, and kept as the phone.
    const [{ n: landlines }] = (await all<{ n: number }>(pos, "SELECT COUNT(*) AS n FROM t_member WHERE mobile LIKE '0755-%'")) as [{ n: number }];
    expect(run.rowsNotMobile).toBe(landlines);
    expect(run.detail!.counts['members']!.notMobile).toBe(landlines);
    const [{ n: phones }] = (await app.services.db('members').whereNotNull('phone').whereNull('mobile').count({ n: '*' })) as [{ n: number }];
    expect(Number(phones)).toBe(landlines);
    const [{ n: mirroredMobiles }] = (await app.services.db('members').where('mobile', 'not like', '+861%').count({ n: '*' })) as [{ n: number }];
    expect(Number(mirroredMobiles)).toBe(0);

    // The demo's members total what their receipts list (会员 › 消费记录 shows the same sums).
    const incoherent = await app.services.db.raw(
      `SELECT m.id FROM members m LEFT JOIN (SELECT member_id, SUM(total_cents) AS spent, MAX(sold_at) AS last FROM sales WHERE member_id IS NOT NULL GROUP BY member_id) s ON s.member_id = m.id
       WHERE m.source = 'pos' AND (m.total_spent_cents <> COALESCE(s.spent, 0) OR COALESCE(m.last_purchase_at, 0) <> COALESCE(s.last, 0))`,
    );
    expect(incoherent).toEqual([]);

    // Receipts are linked to mirrored members; lines sum to the receipt.
    const linked = await app.services.db('sales').whereNotNull('member_key').whereNull('member_id').count({ n: '*' });
    expect(Number(linked[0]!['n'])).toBe(0);
    const [sale] = await app.services.db('sales').orderBy('receipt_no').limit(1);
    const [{ s }] = (await app.services.db('sale_lines').where('receipt_no', sale.receipt_no).sum({ s: 'amount_cents' })) as [{ s: number }];
    expect(Math.abs(Number(s) - Number(sale.total_cents))).toBeLessThanOrEqual(2);

    // Every stock row has a first history point.
    const [{ h }] = (await app.services.db('inventory_history').count({ h: '*' })) as [{ h: number }];
    expect(Number(h)).toBe(counts['inventory']);
  });

  it('incremental sync reads only what changed, keeps StoreMAS-only member fields and records stock changes', async () => {
    const [first] = await all<{ card_id: string }>(pos, 'SELECT card_id FROM t_member ORDER BY card_id LIMIT 1');
    const key = first!.card_id;
    // As the member editor does it: a person's consent decision is StoreMAS's (marketing_consent_source), the POS's flag no longer changes it.
    await app.services.db('members').where({ source: 'pos', source_key: key }).update({ notes: '爱买水果', marketing_consent: false, marketing_consent_source: 'staff' });
    const memberId = (await app.services.db('members').where({ source: 'pos', source_key: key }).first()).id as number;
    await app.services.db('member_tags').insert({ member_id: memberId, tag: 'VIP' });
    await exec(pos, "UPDATE t_member SET vip_name = '欧阳娜娜', modify_time = '2026-11-22 09:00:00' WHERE card_id = ?", [key]);
    const random = new Random(99);
    for (let i = 0; i < 4; i++) await addLiveSale(pos, random, Date.UTC(2026, 10, 22, 1, i));

    const run = await sync();
    expect(run.state).toBe('finished');
    // Only the changed member, the new receipts and lines, and the touched stock (plus rows sharing the last watermark) are read.
    expect(run.rowsRead).toBeLessThan(80);
    const member = await app.services.db('members').where('id', memberId).first();
    expect(member).toMatchObject({ name: '欧阳娜娜', notes: '爱买水果', marketing_consent: 0 });
    expect(await app.services.db('member_tags').where('member_id', memberId)).toHaveLength(1);

    const [{ n: sales }] = (await all<{ n: number }>(pos, 'SELECT COUNT(*) AS n FROM t_sale_master')) as [{ n: number }];
    expect((await app.services.store.counts())['sales']).toBe(sales);
    const changed = await all<{ branch_no: string; item_no: string; stock_qty: number }>(pos, "SELECT branch_no, item_no, stock_qty FROM t_stock WHERE modify_time >= '2026-11-22'");
    expect(changed.length).toBeGreaterThan(0);
    for (const row of changed) {
      const history = await app.services.store.stockHistory({ product: row.item_no, store: row.branch_no });
      expect(history.points.at(-1)!.quantity).toBe(Number(row.stock_qty));
      expect(history.current[0]!.quantity).toBe(Number(row.stock_qty));
    }
  });

  it('keeps a landline from the POS as the phone, with no mobile, and counts it; older mirrors are fixed on the next sync', async () => {
    const picked = await all<{ card_id: string }>(pos, "SELECT card_id FROM t_member WHERE length(mobile) = 11 ORDER BY card_id LIMIT 3 OFFSET 20");
    const [landline, short, older] = picked.map((p) => p.card_id) as [string, string, string];
    await exec(pos, "UPDATE t_member SET mobile = '0755-83021449', modify_time = '2026-11-22 08:00:00' WHERE card_id = ?", [landline]);
    await exec(pos, "UPDATE t_member SET mobile = '83021449', modify_time = '2026-11-22 08:00:00' WHERE card_id = ?", [short]);
    // What an older StoreMAS left: the landline synced as a mobile, the POS row unchanged since.
    await exec(pos, "UPDATE t_member SET mobile = '(0755) 8302 1450' WHERE card_id = ?", [older]);
    await app.services.db('members').where({ source: 'pos', source_key: older }).update({ mobile: '+8675583021450' });
    // The upgrade's migration (20261206_0400) makes the next sync read every member again.
    await app.services.db('store_mappings').where({ connection_id: connectionId, entity: 'members' }).update({ watermark: null });

    const run = await sync();
    expect(run.state).toBe('finished');
    const member = (key: string) => app.services.db('members').where({ source: 'pos', source_key: key }).first('mobile', 'phone');
    expect(await member(landline)).toEqual({ mobile: null, phone: '+8675583021449' });
    expect(await member(older)).toEqual({ mobile: null, phone: '+8675583021450' });
    expect(await member(short)).toEqual({ mobile: null, phone: null });
    const [{ n: landlines }] = (await all<{ n: number }>(pos, "SELECT COUNT(*) AS n FROM t_member WHERE mobile LIKE '0755-%' OR mobile LIKE '(0755)%'")) as [{ n: number }];
    expect(run.rowsNotMobile).toBe(landlines);
    expect(run.detail!.notMobile).toContainEqual({ entity: 'members', key: landline, errors: [expect.objectContaining({ field: 'mobile', value: '0755-83021449', problem: expect.stringContaining('landline') })] });
    expect(run.detail!.fieldErrors).toContainEqual({ entity: 'members', key: short, errors: [expect.objectContaining({ field: 'mobile', problem: expect.stringContaining('8 digits') })] });
  });

  it('takes marketing consent from the POS, but an opt-out in StoreMAS and a person’s decision always win', async () => {
    const picked = await all<{ card_id: string; mobile: string }>(pos, 'SELECT card_id, mobile FROM t_member WHERE length(mobile) = 11 ORDER BY card_id LIMIT 5 OFFSET 40');
    const [refused, textedTd, reConsented, optedOutHere, unknown] = picked as [typeof picked[0], typeof picked[0], typeof picked[0], typeof picked[0], typeof picked[0]];
    const setFlag = async (cardId: string, flag: string | null, at: string) => exec(pos, 'UPDATE t_member SET sms_flag = ?, modify_time = ? WHERE card_id = ?', [flag, at, cardId]);
    const member = (cardId: string) => app.services.db('members').where({ source: 'pos', source_key: cardId }).first();
    const consent = async (cardId: string) => {
      const row = await member(cardId);
      return { consent: Boolean(row.marketing_consent), pos: row.pos_marketing_consent === null ? null : Boolean(row.pos_marketing_consent) };
    };

    for (const m of [refused, reConsented]) await setFlag(m.card_id, '0', '2026-11-22 09:10:00');
    for (const m of [textedTd, optedOutHere]) await setFlag(m.card_id, '1', '2026-11-22 09:10:00');
    await setFlag(unknown.card_id, null, '2026-11-22 09:10:00');
    expect((await sync()).state).toBe('finished');
    expect(await consent(refused.card_id)).toEqual({ consent: false, pos: false });
    expect(await consent(textedTd.card_id)).toEqual({ consent: true, pos: true });
    // Empty at the POS: StoreMAS's default stays.
    expect(await consent(unknown.card_id)).toEqual({ consent: true, pos: null });

    // The customer texts TD; a person changes two members' consent in StoreMAS.
    const inbox = app.services.messaging.inbox;
    const td = await inbox.write({ modemId: 'sim', sender: textedTd.mobile, text: 'TD', key: 'td-sync' });
    expect(await inbox.processStored(td.stored)).toBe('opt-out');
    await app.services.members.update(CLI_ACTOR, (await member(reConsented.card_id)).id as number, { marketingConsent: true });
    await app.services.members.update(CLI_ACTOR, (await member(optedOutHere.card_id)).id as number, { marketingConsent: false });
    // The POS still says what it said, and the rows change for another reason (times stay before the later tests' edits).
    for (const m of [refused, textedTd, reConsented, optedOutHere]) await exec(pos, "UPDATE t_member SET vip_name = vip_name || '', modify_time = '2026-11-22 09:20:00' WHERE card_id = ?", [m.card_id]);
    expect((await sync()).state).toBe('finished');
    expect(await consent(textedTd.card_id)).toEqual({ consent: false, pos: true });
    expect(await consent(reConsented.card_id)).toEqual({ consent: true, pos: false });
    expect(await consent(optedOutHere.card_id)).toEqual({ consent: false, pos: true });
    expect(await consent(refused.card_id)).toEqual({ consent: false, pos: false });

    // A new POS member with a number that opted out earlier starts without consent, whatever the POS says.
    await exec(
      pos,
      "INSERT INTO t_member (card_id, card_no, vip_name, vip_sex, birthday_type, mobile, sms_flag, branch_no, acc_amount, acc_points, reg_date, modify_time) VALUES ('V99000001', '8899000001', '新会员', '2', '0', ?, '1', '0001', 0, 0, '2026-11-22 09:30:00', '2026-11-22 09:30:00')",
      [textedTd.mobile],
    );
    expect((await sync()).state).toBe('finished');
    expect(await consent('V99000001')).toEqual({ consent: false, pos: true });
  });

  it('mirrors the POS’s own points expiry date and amount when the mapping reads them (积分有效期)', async () => {
    await exec(pos, 'ALTER TABLE t_member ADD COLUMN jf_expire TEXT');
    await exec(pos, 'ALTER TABLE t_member ADD COLUMN jf_due INTEGER');
    const [picked] = await all<{ card_id: string }>(pos, 'SELECT card_id FROM t_member ORDER BY card_id LIMIT 1 OFFSET 60');
    await exec(pos, "UPDATE t_member SET jf_expire = '2027-03-31', jf_due = 420, modify_time = '2026-11-22 09:30:00' WHERE card_id = ?", [picked!.card_id]);
    const [members] = (await app.services.store.getMappings(connectionId)).filter((m) => m.entity === 'members');
    const fields = { ...members!.definition.fields, points_expire_on: { column: 'jf_expire', format: 'YYYY-MM-DD' }, points_expiring: { column: 'jf_due' } };
    await app.services.store.setMapping(CLI_ACTOR, connectionId, 'members', { ...members!.definition, fields });
    expect((await sync()).state).toBe('finished');
    expect(await app.services.db('members').where({ source: 'pos', source_key: picked!.card_id }).first('points_expire_on', 'points_expiring')).toEqual({ points_expire_on: '2027-03-31', points_expiring: 420 });
    expect(await app.services.db('members').whereNotNull('points_expire_on').count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('a full comparison marks rows deleted at the source, and only those', async () => {
    const [gone] = await all<{ card_id: string }>(pos, 'SELECT card_id FROM t_member ORDER BY card_id DESC LIMIT 1');
    const [stock] = await all<{ branch_no: string; item_no: string }>(pos, 'SELECT branch_no, item_no FROM t_stock WHERE stock_qty > 0 LIMIT 1');
    const [product] = await all<{ item_no: string }>(pos, 'SELECT item_no FROM t_goods ORDER BY item_no DESC LIMIT 1');
    const productsBefore = (await app.services.store.counts())['products']!;
    await exec(pos, 'DELETE FROM t_member WHERE card_id = ?', [gone!.card_id]);
    await exec(pos, 'DELETE FROM t_goods WHERE item_no = ?', [product!.item_no]);
    await exec(pos, 'DELETE FROM t_stock WHERE branch_no = ? AND item_no = ?', [stock!.branch_no, stock!.item_no]);
    await app.services.db('members').insert({ source: 'manual', name: '手工会员', created_at: clock.now(), updated_at: clock.now() });

    const incremental = await sync();
    expect(incremental.rowsDeleted).toBe(0);
    const full = await sync('full');
    expect(full.state).toBe('finished');
    expect(full.rowsDeleted).toBe(3);
    expect((await app.services.db('members').where({ source: 'pos', source_key: gone!.card_id }).first()).deleted_at).toBe(clock.now());
    // The product stays in the mirror (old receipts name it) but is no longer counted.
    expect((await app.services.db('products').where('code', product!.item_no).first()).deleted_at).toBe(clock.now());
    expect((await app.services.store.counts())['products']).toBe(productsBefore - 1);
    expect(await app.services.db('members').where('source', 'manual').whereNull('deleted_at')).toHaveLength(1);
    expect(await app.services.db('inventory').where({ store_code: stock!.branch_no, product_code: stock!.item_no })).toHaveLength(0);
    const history = await app.services.store.stockHistory({ product: stock!.item_no, store: stock!.branch_no });
    expect(history.points.at(-1)!.quantity).toBe(0);
    expect((await app.services.store.getConnection(connectionId)).lastFullAt).toBe(clock.now());
    // A second full pass finds nothing more.
    expect((await sync('full')).rowsDeleted).toBe(0);
  });

  it('skips rows with malformed required values with a clear reason and keeps the rest', async () => {
    await exec(pos, "UPDATE t_sale_master SET sale_amount = 'abc', modify_time = '2026-11-22 10:00:00' WHERE flow_no = (SELECT MIN(flow_no) FROM t_sale_master)");
    await exec(pos, "UPDATE t_member SET vip_sex = '7', birthday = '1990-02-31', birthday_type = '0', modify_time = '2026-11-22 10:00:00' WHERE card_id = (SELECT MIN(card_id) FROM t_member)");
    const run = await sync();
    expect(run.state).toBe('finished');
    expect(run.rowsRejected).toBe(1);
    expect(run.errorCode).toBe('ROWS_REJECTED');
    expect(run.detail!.rejected[0]).toMatchObject({ entity: 'sales', errors: [expect.objectContaining({ field: 'total_cents', value: 'abc', problem: expect.stringContaining('not an amount') })] });
    const problems = run.detail!.fieldErrors.flatMap((f) => (f as { errors: Array<{ field: string }> }).errors.map((e) => e.field));
    expect(problems).toEqual(expect.arrayContaining(['gender', 'birthday']));
  });

  it('a missing POS file fails the run with a clear reason and leaves the mirror as it was', async () => {
    const before = await app.services.store.counts();
    const other = await app.services.store.createConnection(CLI_ACTOR, { name: 'gone', client: 'sqlite', settings: { file: path.join(temp.dir, 'missing.sqlite') } });
    expect(other.keyPrefix).toBe(`${other.id}:`);
    await app.services.store.applyPreset(CLI_ACTOR, other.id, 'demo-pos');
    const { done } = await app.services.store.startSync(CLI_ACTOR, other.id);
    const run = await done;
    expect(run).toMatchObject({ state: 'failed', errorCode: 'SOURCE_UNREACHABLE' });
    expect(run.errorMessage).toMatch(/does not exist/);
    expect(await app.services.store.counts()).toEqual(before);
    await app.services.store.deleteConnection(CLI_ACTOR, other.id);
  });

  it('refuses a mapping that tries to write, before anything is stored or sent', async () => {
    const before = await app.services.store.getMappings(connectionId);
    await expect(
      app.services.store.setMapping(CLI_ACTOR, connectionId, 'members', {
        source: { kind: 'query', sql: 'SELECT * FROM t_member; DELETE FROM t_member' },
        fields: { source_key: { column: 'card_id' } },
        detectDeletes: false,
      }),
    ).rejects.toMatchObject({ code: 'SQL_NOT_READ_ONLY' });
    await expect(
      app.services.store.preview(connectionId, 'members', { source: { kind: 'query', sql: 'WITH x AS (DELETE FROM t_member RETURNING *) SELECT * FROM x' }, fields: { source_key: { column: 'card_id' } }, detectDeletes: false }),
    ).rejects.toMatchObject({ code: 'SQL_NOT_READ_ONLY' });
    expect(await app.services.store.getMappings(connectionId)).toEqual(before);
    const [{ n }] = (await all<{ n: number }>(pos, 'SELECT COUNT(*) AS n FROM t_member')) as [{ n: number }];
    expect(n).toBeGreaterThan(0);
  });

  it('previews a mapping as a dry run with per-field errors and masked ID numbers', async () => {
    const preview = await app.services.store.preview(connectionId, 'members', undefined, 5);
    expect(preview.rows).toHaveLength(5);
    expect(preview.columns).toContain('vip_sex');
    const bad = preview.rows.find((r) => r.errors.length > 0);
    expect(bad?.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['gender']));
    for (const row of preview.rows) {
      if (row.values['id_number']) expect(row.values['id_number']).toMatch(/^\*{4}…/);
    }
  });
});

describe('sync runs: cancel, schedule, and incremental correctness', () => {
  it('a cancelled run keeps its committed batches and the next run completes the mirror', async () => {
    const temp = tempDir('storemas-cancel-');
    const file = path.join(temp.dir, 'pos.sqlite');
    await writeDemoSqlite(file, SMALL);
    const app = await createTestAppliance();
    try {
      const store = new StoreMirror(app.services.db, app.services.clock, app.services.secrets, app.services.events, app.services.audit, app.services.logger, { batchSize: 50 });
      const { id } = await store.createConnection(CLI_ACTOR, { name: 'pos', client: 'sqlite', settings: { file } });
      await store.applyPreset(CLI_ACTOR, id, 'demo-pos');
      const progress: number[] = [];
      const unsubscribe = app.services.events.onDidPublish((event) => {
        if (event.type === 'job.progress') progress.push((event.data as { done: number }).done);
      });
      const { runId, done } = await store.startSync(CLI_ACTOR, id);
      await expect(store.startSync(CLI_ACTOR, id)).rejects.toMatchObject({ code: 'SYNC_BUSY' });
      while ((await app.services.db('members').count({ n: '*' }))[0]!['n'] === 0) await new Promise((r) => setTimeout(r, 5));
      await store.cancel(CLI_ACTOR, runId);
      const run = await done;
      unsubscribe();
      expect(run.state).toBe('cancelled');
      expect(run.errorCode).toBe('SYNC_CANCELLED');
      expect(run.rowsWritten).toBeLessThan(SMALL.members + SMALL.receipts);
      expect(progress.length).toBeGreaterThan(0);
      const again = await (await store.startSync(CLI_ACTOR, id)).done;
      expect(again.state).toBe('finished');
      const counts = await store.counts();
      expect(counts['members']).toBe(SMALL.members);
      expect(counts['sales']).toBe(SMALL.receipts);
    } finally {
      await app.close();
      temp.remove();
    }
  });

  it('a batch the mirror cannot write is rolled back whole; the batches before it stay', async () => {
    const temp = tempDir('storemas-rollback-');
    const file = path.join(temp.dir, 'pos.sqlite');
    await writeDemoSqlite(file, { ...SMALL, members: 20, receipts: 200 });
    const app = await createTestAppliance();
    const pos = await openSqliteFile(file);
    try {
      const store = new StoreMirror(app.services.db, app.services.clock, app.services.secrets, app.services.events, app.services.audit, app.services.logger, { batchSize: 100 });
      const { id } = await store.createConnection(CLI_ACTOR, { name: 'pos', client: 'sqlite', settings: { file } });
      await store.applyPreset(CLI_ACTOR, id, 'demo-pos');
      const [bad] = await all<{ flow_no: string; line_no: number }>(pos, 'SELECT flow_no, line_no FROM t_sale_detail WHERE flow_id = 250');
      // The mirror refuses one line of the third batch, as a full disk would.
      await app.services.db.raw(
        `CREATE TRIGGER refuse_line BEFORE INSERT ON sale_lines WHEN NEW.receipt_no = '${bad!.flow_no}' AND NEW.line_no = ${bad!.line_no} BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END`,
      );
      const run = await (await store.startSync(CLI_ACTOR, id)).done;
      expect(run).toMatchObject({ state: 'failed', errorCode: 'MIRROR_WRITE_FAILED' });
      expect(run.errorMessage).toMatch(/disk full \(simulated\).*rolled back/);
      const [{ n }] = (await app.services.db('sale_lines').count({ n: '*' })) as [{ n: number }];
      expect(Number(n)).toBe(200);
      const mapping = (await store.getMappings(id)).find((m) => m.entity === 'sale_lines')!;
      expect(mapping.watermark).toBe('200');

      await app.services.db.raw('DROP TRIGGER refuse_line');
      const again = await (await store.startSync(CLI_ACTOR, id)).done;
      expect(again.state).toBe('finished');
      const [{ total }] = (await all<{ total: number }>(pos, 'SELECT COUNT(*) AS total FROM t_sale_detail')) as [{ total: number }];
      const [{ n: after }] = (await app.services.db('sale_lines').count({ n: '*' })) as [{ n: number }];
      expect(Number(after)).toBe(total);
    } finally {
      await closeSqliteFile(pos);
      await app.close();
      temp.remove();
    }
  });

  it('the schedule starts incremental syncs every N minutes and a full comparison every N hours', async () => {
    const temp = tempDir('storemas-schedule-');
    const file = path.join(temp.dir, 'pos.sqlite');
    await writeDemoSqlite(file, { ...SMALL, members: 50, receipts: 100 });
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    const app = await createTestAppliance({ clock });
    try {
      const store = app.services.store;
      const { id } = await store.createConnection(CLI_ACTOR, { name: 'pos', client: 'sqlite', settings: { file } });
      await store.applyPreset(CLI_ACTOR, id, 'demo-pos');
      await store.setSchedule(CLI_ACTOR, id, { scheduleMinutes: 10, fullCompareHours: 24 });
      const first = await store.tick();
      expect((await store.getRun(first!)).mode).toBe('incremental'); // the first sync is a plain first sync
      await waitIdle(store);
      clock.advance(5 * 60_000);
      expect(await store.tick()).toBeUndefined();
      clock.advance(5 * 60_000);
      const second = await store.tick();
      expect(second).toBeDefined();
      expect((await store.getRun(second!)).trigger).toBe('schedule');
      await waitIdle(store);
      clock.advance(24 * 3_600_000);
      const third = await store.tick();
      expect((await store.getRun(third!)).mode).toBe('full');
      await waitIdle(store);
      expect((await store.listRuns({ connectionId: id, page: 1, pageSize: 10 })).total).toBe(3);
    } finally {
      await app.close();
      temp.remove();
    }
  });

  it('property: after random inserts, updates and deletes at the source, sync makes the mirror equal the source', async () => {
    const temp = tempDir('storemas-prop-');
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    const app = await createTestAppliance({ clock });
    const file = path.join(temp.dir, 'pos.sqlite');
    const db = await openSqliteFile(file);
    await exec(db, 'CREATE TABLE vip (id TEXT PRIMARY KEY, name TEXT, sex TEXT, mobile TEXT, points INTEGER, changed TEXT NOT NULL)');
    const store = app.services.store;
    const { id } = await store.createConnection(CLI_ACTOR, { name: 'prop', client: 'sqlite', settings: { file } });
    await store.setMapping(CLI_ACTOR, id, 'members', {
      source: { kind: 'query', sql: 'SELECT id, name, sex, mobile, points, changed FROM vip' },
      fields: { source_key: { column: 'id' }, name: { column: 'name' }, gender: { column: 'sex' }, mobile: { column: 'mobile' }, points: { column: 'points' } },
      watermark: { column: 'changed', kind: 'timestamp' },
      detectDeletes: true,
    });
    let second = 0;
    const stamp = () => new Date(Date.UTC(2026, 0, 1) + Math.floor(second++ / 2) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 1, max: 30 }), name: fc.constantFrom('张伟', '王芳', '欧阳修', '李娜'), sex: fc.constantFrom('1', '2', '0'), points: fc.integer({ min: 0, max: 5000 }), mobile: fc.integer({ min: 0, max: 99_999_999 }) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 30 }) }),
    );
    const mirror = async () =>
      (await app.services.db('members').where('source', 'pos').whereNull('deleted_at').orderBy('source_key').select('source_key', 'name', 'gender', 'mobile', 'points')) as unknown[];
    const source = async () =>
      (await all<{ id: string; name: string; sex: string; mobile: string; points: number }>(db, 'SELECT * FROM vip ORDER BY id')).map((r) => ({
        source_key: r.id,
        name: r.name,
        gender: r.sex === '1' ? 'M' : r.sex === '2' ? 'F' : 'U',
        mobile: `+86${r.mobile}`,
        points: r.points,
      }));
    const run = async (mode: 'incremental' | 'full') => {
      clock.advance(1_000);
      const result = await (await store.startSync(CLI_ACTOR, id, { mode })).done;
      expect(result.state).toBe('finished');
    };
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 4 }), async (ops, syncEvery) => {
          let deleted = false;
          for (const [i, o] of ops.entries()) {
            const key = `M${String(o.id).padStart(3, '0')}`;
            if (o.kind === 'delete') {
              await exec(db, 'DELETE FROM vip WHERE id = ?', [key]);
              deleted = true;
            } else {
              await exec(db, 'INSERT INTO vip (id, name, sex, mobile, points, changed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, sex = excluded.sex, mobile = excluded.mobile, points = excluded.points, changed = excluded.changed', [key, o.name, o.sex, `139${String(o.mobile).padStart(8, '0')}`, o.points, stamp()]);
            }
            if (i % syncEvery === 0) await run('incremental');
          }
          await run('incremental');
          // Without deletes, incremental alone is exact; deletes need the full comparison.
          const expected = await source();
          if (!deleted) expect(await mirror()).toEqual(expected);
          await run('full');
          expect(await mirror()).toEqual(expected);
        }),
        { numRuns: 25 },
      );
    } finally {
      await closeSqliteFile(db);
      await app.close();
      temp.remove();
    }
  });
});

async function waitIdle(store: StoreMirror): Promise<void> {
  while (store.running) await new Promise((r) => setTimeout(r, 5));
}

