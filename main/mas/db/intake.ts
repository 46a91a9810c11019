import type { Knex } from 'knex';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { AuditActor } from '../../auth/audit.js';
import { isAppError } from '../../errors.js';
import { localDate } from '../../messaging/policy/local-time.js';
import type { Recipient } from '../../messaging/outbox/enqueue.js';
import type { SendRequest } from '../../messaging/outbox/outbox.js';
import { countToday, recordProblems, wallClock, type Problem } from './activity.js';
import type { MasDbCode } from './config.js';
import { inTransaction } from './connection.js';
import { readMtRow, type MtRow } from './mt-rows.js';
import { REJECTIONS } from './report-codes.js';
import { mtTable, quote, rptTable } from './schema.js';

/** What intake needs from the outbox: the ordinary bulk enqueue. */
export interface IntakeOutbox {
  enqueue(recipients: Recipient[], request: SendRequest, actor: AuditActor): Promise<unknown>;
}

export interface IntakeContext {
  pool: Pool;
  db: Knex;
  outbox: IntakeOutbox;
  now: number;
  timeZone: string;
  /** Rows per poll: the poll after a full one follows at once. */
  rowsPerPoll: number;
  /** Where the rows came from, for the audit log. */
  host: string;
}

export interface IntakeResult {
  taken: number;
  queued: number;
  rejected: number;
  /** The poll took a full batch: poll again at once. */
  more: boolean;
}

interface MtPacket extends RowDataPacket {
  AUTO_SN: string;
  SM_ID: string;
  SRC_ID: string;
  MOBILES: Buffer;
  CONTENT: Buffer;
  IS_WAP: number;
  URL: Buffer;
  SEND_TIME: string | null;
  SM_TYPE: number;
  MSG_FMT: number;
  TP_PID: number;
  TP_UDHI: number;
}

/** The outbox key of one recipient of one row: a row read again (after a crash) is never queued twice. */
export const idempotencyKey = (code: string, generation: number, autoSn: string, number: string) => `mas:${code}:${generation}:${autoSn}:${number}`;

/**
 * One poll of api_mt_<code>: rows in AUTO_SN order are read, queued in the
 * outbox (each recipient under a key of code, table generation and AUTO_SN)
 * and linked to their SM_ID; only then, in one MySQL transaction, are the
 * refused rows answered in api_rpt and every row taken deleted. A crash in
 * between leaves the rows in api_mt: the next poll queues nothing twice and
 * deletes them. A table recreated or truncated (AUTO_SN starting again, or a
 * new CREATE_TIME) starts a new generation, so a reused AUTO_SN is new work.
 */
export async function takeRows(ctx: IntakeContext, code: MasDbCode): Promise<IntakeResult> {
  const { pool, db, now, timeZone } = ctx;
  const [packets] = await pool.query<MtPacket[]>(
    `SELECT AUTO_SN, SM_ID, SRC_ID, CAST(MOBILES AS BINARY) AS MOBILES, CAST(CONTENT AS BINARY) AS CONTENT, IS_WAP,
       CAST(URL AS BINARY) AS URL, CAST(SEND_TIME AS CHAR) AS SEND_TIME, SM_TYPE, MSG_FMT, TP_PID, TP_UDHI
     FROM ${quote(mtTable(code.code))} ORDER BY AUTO_SN LIMIT ?`,
    [ctx.rowsPerPoll],
  );
  if (packets.length === 0) return { taken: 0, queued: 0, rejected: 0, more: false };
  const rows: MtRow[] = packets.map((p) => ({
    autoSn: String(p.AUTO_SN),
    smId: String(p.SM_ID),
    srcId: String(p.SRC_ID),
    mobiles: p.MOBILES ?? Buffer.alloc(0),
    content: p.CONTENT ?? Buffer.alloc(0),
    isWap: Number(p.IS_WAP),
    url: p.URL ?? Buffer.alloc(0),
    sendTime: p.SEND_TIME,
    smType: Number(p.SM_TYPE),
    msgFmt: Number(p.MSG_FMT),
    tpPid: Number(p.TP_PID),
    tpUdhi: Number(p.TP_UDHI),
  }));

  const generation = await currentGeneration(ctx, code, Number(rows[0]!.autoSn));
  const groups = new Map<number | null, Recipient[]>();
  const links: Array<{ key: string; autoSn: string; smId: string; srcId: string; number: string; mobile: string }> = [];
  const reports: Array<[smId: string, mobile: string, rptCode: number, rptDesc: string]> = [];
  const problems: Array<Omit<Problem, 'id' | 'at'>> = [];
  let detected = code.detectedEncoding;
  for (const row of rows) {
    const intake = readMtRow(row, now, timeZone);
    const where = { code: code.code, autoSn: Number(row.autoSn), smId: Number(row.smId) };
    if (intake.kind === 'reject') {
      for (const mobile of intake.mobiles) reports.push([row.smId, mobile, intake.rejection.code, intake.rejection.desc]);
      problems.push({ ...where, problem: intake.rejection.desc, detail: intake.detail });
      continue;
    }
    if (intake.encodingCertain) detected = intake.encoding;
    for (const mobile of intake.invalid) {
      reports.push([row.smId, mobile, REJECTIONS.invalidMobile.code, REJECTIONS.invalidMobile.desc]);
      problems.push({ ...where, problem: REJECTIONS.invalidMobile.desc, detail: `"${mobile}" in MOBILES is no mobile number; the others were sent.` });
    }
    const group = groups.get(intake.sendAt) ?? [];
    groups.set(intake.sendAt, group);
    for (const recipient of intake.recipients) {
      const key = idempotencyKey(code.code, generation, row.autoSn, recipient.number);
      group.push({ number: recipient.number, idempotencyKey: key, text: intake.text, ...(intake.binary ? { binary: intake.binary } : {}) });
      links.push({ key, autoSn: row.autoSn, smId: row.smId, srcId: row.srcId, number: recipient.number, mobile: recipient.mobile });
    }
  }

  const actor: AuditActor = { userId: null, username: `mas-db:${code.code}`, ip: ctx.host };
  for (const [sendAt, recipients] of groups) {
    if (recipients.length > 0) await enqueue(ctx, code, recipients, sendAt, actor);
  }
  await linkMessages(db, code, generation, links, now);

  // Persisted in the outbox: now the rows may go, and the refused ones get their answer, in one MySQL transaction.
  await inTransaction(pool, async (connection) => {
    if (reports.length > 0) {
      const time = wallClock(timeZone, now);
      for (let i = 0; i < reports.length; i += 500) {
        const chunk = reports.slice(i, i + 500);
        await connection.query(
          `INSERT INTO ${quote(rptTable(code.code))} (SM_ID, MOBILE, RPT_CODE, RPT_DESC, RPT_TIME) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap(([smId, mobile, rptCode, rptDesc]) => [smId, mobile, rptCode, rptDesc, time]),
        );
      }
    }
    await connection.query(`DELETE FROM ${quote(mtTable(code.code))} WHERE AUTO_SN IN (?)`, [rows.map((r) => r.autoSn)]);
  });

  const lastAutoSn = Math.max(...rows.map((r) => Number(r.autoSn)));
  await db('mas_db_codes')
    .where('code', code.code)
    .update({ last_auto_sn: Math.max(lastAutoSn, code.lastAutoSn), detected_encoding: detected, updated_at: now });
  code.lastAutoSn = Math.max(lastAutoSn, code.lastAutoSn);
  code.detectedEncoding = detected;
  await countToday(db, code.code, timeZone, now, { taken: rows.length, rejected: reports.length });
  await recordProblems(db, now, problems);
  return { taken: rows.length, queued: links.length, rejected: reports.length, more: rows.length >= ctx.rowsPerPoll };
}

/**
 * The table generation these rows belong to. A new one starts when the table
 * was made anew (CREATE_TIME changed: DROP/CREATE, TRUNCATE, a rebuild) or
 * when a row carries an AUTO_SN not above the last one taken (the counter
 * started again: some servers reset it on restart once the table is empty).
 * Rows still waiting from before a crash are above it: the last AUTO_SN is
 * only moved after their delete.
 */
async function currentGeneration(ctx: IntakeContext, code: MasDbCode, firstAutoSn: number): Promise<number> {
  const [info] = await ctx.pool.query<RowDataPacket[]>(
    'SELECT CAST(CREATE_TIME AS CHAR) AS created FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [mtTable(code.code)],
  );
  const created = (info[0]?.['created'] as string | null | undefined) ?? null;
  const recreated = code.tableCreated !== null && created !== null && created !== code.tableCreated;
  const restarted = code.lastAutoSn > 0 && firstAutoSn <= code.lastAutoSn;
  if (!recreated && !restarted) {
    if (code.tableCreated === null && created !== null) {
      await ctx.db('mas_db_codes').where('code', code.code).update({ table_created: created });
      code.tableCreated = created;
    }
    return code.generation;
  }
  const generation = code.generation + 1;
  await ctx.db('mas_db_codes').where('code', code.code).update({ generation, last_auto_sn: 0, table_created: created, updated_at: ctx.now });
  await recordProblems(ctx.db, ctx.now, [
    {
      code: code.code,
      autoSn: firstAutoSn,
      smId: null,
      problem: 'TABLE_GENERATION',
      detail: recreated
        ? `${mtTable(code.code)} was created anew (${code.tableCreated} → ${created}): its AUTO_SN count starts a new generation (${generation}).`
        : `${mtTable(code.code)} numbers rows from ${firstAutoSn} again, at or below the last taken (${code.lastAutoSn}): a new generation (${generation}) keeps them apart.`,
    },
  ]);
  code.generation = generation;
  code.lastAutoSn = 0;
  code.tableCreated = created;
  return generation;
}

/** The day's batch of this code: paused, resumed or cancelled as one on the batches page. */
async function enqueue(ctx: IntakeContext, code: MasDbCode, recipients: Recipient[], sendAt: number | null, actor: AuditActor): Promise<void> {
  const day = localDate(ctx.timeZone, ctx.now);
  const request = (batchId: string): SendRequest => ({
    text: `MAS ${code.code}`,
    category: code.category,
    source: 'mas-db',
    notBefore: sendAt,
    batch: { id: batchId, label: `MAS ${code.code} ${day}${code.label ? ` ${code.label}` : ''}`, kind: 'mas-db' },
  });
  const batchId = `mas-db:${code.code}:${day}`;
  try {
    await ctx.outbox.enqueue(recipients, request(batchId), actor);
  } catch (error) {
    // Someone cancelled today's batch: what arrives later is new work, in a batch of its own.
    if (!isAppError(error) || error.code !== 'BATCH_CANCELLED') throw error;
    await ctx.outbox.enqueue(recipients, request(`${batchId}:${ctx.now}`), actor);
  }
}

/** One mas_db_messages row per queued message: which SM_ID and SRC_ID to answer with, and where replies go. */
async function linkMessages(
  db: Knex,
  code: MasDbCode,
  generation: number,
  links: Array<{ key: string; autoSn: string; smId: string; srcId: string; number: string; mobile: string }>,
  now: number,
): Promise<void> {
  for (let i = 0; i < links.length; i += 500) {
    const chunk = links.slice(i, i + 500);
    const found: Array<{ id: number; idempotency_key: string }> = await db('outbox_messages')
      .select('id', 'idempotency_key')
      .whereIn(
        'idempotency_key',
        chunk.map((l) => l.key),
      );
    const ids = new Map(found.map((r) => [r.idempotency_key, Number(r.id)]));
    const missing = chunk.filter((l) => !ids.has(l.key));
    if (missing.length > 0) {
      // Never delete a row whose messages are not in the outbox.
      throw new Error(`The outbox holds no message for ${missing.length} queued recipients of ${mtTable(code.code)} (e.g. ${missing[0]!.key}); the rows stay in api_mt.`);
    }
    await db('mas_db_messages')
      .insert(
        chunk.map((l) => ({
          message_id: ids.get(l.key)!,
          code: code.code,
          generation,
          auto_sn: Number(l.autoSn),
          sm_id: Number(l.smId),
          src_id: Number(l.srcId),
          recipient: l.number,
          mobile: l.mobile,
          created_at: now,
        })),
      )
      .onConflict('message_id')
      .ignore();
  }
}
