import type { Knex } from 'knex';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { isGsm7 } from '../../modem/pdu/index.js';
import { countToday, wallClock } from './activity.js';
import { inTransaction } from './connection.js';
import { replyEncodingOf, type MasDbCode } from './config.js';
import { encodeForClient, replyEncodingFor } from './encoding.js';
import { NO_REPORT_AFTER_MS, reportFor } from './report-codes.js';
import { moTable, quote, rptTable } from './schema.js';

/**
 * What flows back to the store's software: a status report per recipient per
 * message into api_rpt_<code>, and customers' texts into api_mo_<code>. Both
 * are driven from StoreMAS's own tables (messages not yet reported, inbound
 * texts past a cursor), so nothing depends on an event being heard; each
 * MySQL write records itself in storemas_written in the same transaction, so
 * a write repeated after a crash is skipped, and StoreMAS marks its side
 * after the commit.
 */
export interface WriteBackContext {
  pool: Pool;
  db: Knex;
  now: number;
  timeZone: string;
  codes: ReadonlyMap<string, MasDbCode>;
}

const BATCH = 500;
const FINAL_OR_SENT = ['delivered', 'failed', 'expired', 'blocked', 'cancelled', 'sent'];

interface PendingReport {
  message_id: number;
  code: string;
  sm_id: number | string;
  mobile: string;
  status: string;
  blocked_rule: string | null;
  error_code: string | null;
  sent_at: number | string | null;
  finished_at: number | string | null;
  resent_as: number | null;
}

/** Writes the api_rpt rows messages have earned; returns how many. */
export async function writeReports(ctx: WriteBackContext): Promise<number> {
  const { db, now } = ctx;
  const pending: PendingReport[] = await db('mas_db_messages as l')
    .join('outbox_messages as m', 'm.id', 'l.message_id')
    .select('l.message_id', 'l.code', 'l.sm_id', 'l.mobile', 'm.status', 'm.blocked_rule', 'm.error_code', 'm.sent_at', 'm.finished_at', 'm.resent_as')
    .whereNull('l.reported_at')
    .whereIn('m.status', FINAL_OR_SENT)
    .andWhere((w) => w.whereNot('m.status', 'sent').orWhere('m.sent_at', '<=', now - NO_REPORT_AFTER_MS))
    .orderBy('l.message_id')
    .limit(BATCH);
  if (pending.length === 0) return 0;

  const byCode = new Map<string, Array<{ messageId: number; smId: string; mobile: string; code: number; desc: string; at: number }>>();
  const orphans: number[] = [];
  for (const row of pending) {
    if (row.resent_as !== null) {
      // An operator sent it again: the new message answers for it.
      await db('mas_db_messages').where('message_id', row.message_id).update({ message_id: row.resent_as });
      continue;
    }
    const report = reportFor(
      { status: row.status, blockedRule: row.blocked_rule, errorCode: row.error_code, sentAt: row.sent_at === null ? null : Number(row.sent_at) },
      now,
    );
    if (!report) continue;
    if (!ctx.codes.has(row.code)) {
      orphans.push(row.message_id); // the code was removed: nobody reads its table
      continue;
    }
    const list = byCode.get(row.code) ?? [];
    byCode.set(row.code, list);
    list.push({ messageId: Number(row.message_id), smId: String(row.sm_id), mobile: row.mobile, ...report, at: row.finished_at === null ? now : Number(row.finished_at) });
  }
  if (orphans.length > 0) await db('mas_db_messages').whereIn('message_id', orphans).update({ reported_at: now });

  let written = 0;
  for (const [code, reports] of byCode) {
    await inTransaction(ctx.pool, async (connection) => {
      const fresh = await notWrittenYet(connection, 'rpt', reports.map((r) => r.messageId));
      const rows = reports.filter((r) => fresh.has(r.messageId));
      if (rows.length === 0) return;
      await connection.query(
        `INSERT INTO ${quote(rptTable(code))} (SM_ID, MOBILE, RPT_CODE, RPT_DESC, RPT_TIME) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        rows.flatMap((r) => [r.smId, r.mobile, r.code, r.desc, wallClock(ctx.timeZone, r.at)]),
      );
      await markWritten(connection, 'rpt', code, rows.map((r) => r.messageId), now);
    });
    for (const rptCode of new Set(reports.map((r) => r.code))) {
      await db('mas_db_messages')
        .whereIn(
          'message_id',
          reports.filter((r) => r.code === rptCode).map((r) => r.messageId),
        )
        .update({ reported_at: now, rpt_code: rptCode });
    }
    await countToday(db, code, ctx.timeZone, now, { reports: reports.length });
    written += reports.length;
  }
  return written;
}

/** Forwards customers' texts past the cursor to the code that last texted the number (else the default code). */
export async function writeReplies(ctx: WriteBackContext, cursor: number): Promise<{ cursor: number; written: number }> {
  const { db, now } = ctx;
  const texts: Array<{ id: number; sender: string; text: string; received_at: number | string }> = await db('inbox_messages')
    .select('id', 'sender', 'text', 'received_at')
    .where('id', '>', cursor)
    .orderBy('id')
    .limit(BATCH);
  if (texts.length === 0) return { cursor, written: 0 };
  const fallback = [...ctx.codes.values()].find((c) => c.isDefault);
  const byCode = new Map<string, Array<{ inboxId: number; smId: string; mobile: string; text: string; at: number }>>();
  for (const text of texts) {
    // Only people's numbers: a service number's notice (10086) is nobody's reply.
    if (!text.sender.startsWith('+')) continue;
    const last: { code: string; src_id: number | string } | undefined = await db('mas_db_messages')
      .select('code', 'src_id')
      .where('recipient', text.sender)
      .orderBy('created_at', 'desc')
      .orderBy('message_id', 'desc')
      .first();
    const code = last && ctx.codes.has(last.code) ? last.code : fallback?.code;
    if (code === undefined) continue;
    const list = byCode.get(code) ?? [];
    byCode.set(code, list);
    list.push({
      inboxId: Number(text.id),
      smId: last && last.code === code ? String(last.src_id) : '0',
      mobile: text.sender.startsWith('+86') ? text.sender.slice(3) : text.sender.slice(1),
      text: text.text,
      at: Number(text.received_at),
    });
  }
  let written = 0;
  for (const [code, replies] of byCode) {
    const encoding = replyEncodingOf(ctx.codes.get(code)!, replyEncodingFor);
    await inTransaction(ctx.pool, async (connection) => {
      const fresh = await notWrittenYet(connection, 'mo', replies.map((r) => r.inboxId));
      const rows = replies.filter((r) => fresh.has(r.inboxId));
      if (rows.length === 0) return;
      const values: unknown[] = [];
      for (const r of rows) {
        const content = encodeForClient(r.text, encoding);
        values.push(r.smId, r.mobile, content.bytes, wallClock(ctx.timeZone, r.at), isGsm7(r.text) ? 0 : 8);
      }
      const charset = encodeForClient('', encoding).charset;
      await connection.query(
        `INSERT INTO ${quote(moTable(code))} (SM_ID, MOBILE, CONTENT, MO_TIME, MSG_FMT) VALUES ${rows.map(() => `(?, ?, CONVERT(? USING ${charset}), ?, ?)`).join(', ')}`,
        values,
      );
      await markWritten(connection, 'mo', code, rows.map((r) => r.inboxId), now);
    });
    await countToday(db, code, ctx.timeZone, now, { replies: replies.length });
    written += replies.length;
  }
  return { cursor: Number(texts[texts.length - 1]!.id), written };
}

/** The refs of `kind` not written before (locked, so two StoreMAS never write one twice). */
async function notWrittenYet(connection: PoolConnection, kind: 'rpt' | 'mo', refs: number[]): Promise<Set<number>> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT ref FROM storemas_written WHERE kind = ? AND ref IN (?) FOR UPDATE', [kind, refs]);
  const done = new Set(rows.map((r) => Number(r['ref'])));
  return new Set(refs.filter((ref) => !done.has(ref)));
}

async function markWritten(connection: PoolConnection, kind: 'rpt' | 'mo', code: string, refs: number[], now: number): Promise<void> {
  await connection.query(`INSERT INTO storemas_written (kind, ref, code, written_at) VALUES ${refs.map(() => '(?, ?, ?, ?)').join(', ')}`, refs.flatMap((ref) => [kind, ref, code, now]));
}

/** Forgets the write records of long ago: a crash is repeated within seconds, not weeks. */
export async function pruneWritten(pool: Pool, now: number): Promise<void> {
  await pool.query('DELETE FROM storemas_written WHERE written_at < ?', [now - 30 * 86_400_000]);
}
