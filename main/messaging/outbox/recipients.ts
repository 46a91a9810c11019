import type { Knex } from 'knex';
import { readTable } from '../lists/tabular.js';
import { parseNumberList, tryNormalizeMobile, type NumberListError } from '../numbers.js';
import type { Recipient } from './enqueue.js';

/** Where the recipients of a send come from, and what was wrong with the input. */
export interface RecipientSource {
  recipients: Iterable<Recipient> | AsyncIterable<Recipient>;
  problems: NumberListError[];
}

/**
 * Pasted numbers. Repeats are dropped (and reported); entries that are not
 * numbers are still handed to the outbox so they show as blocked by the
 * invalid-number rule, named, in the confirmation and the sent log.
 */
export function recipientsFromText(text: string): RecipientSource {
  const parsed = parseNumberList(text);
  const invalid = parsed.errors.filter((e) => e.code === 'INVALID_NUMBER').map((e) => ({ number: e.input }));
  return {
    recipients: [...parsed.numbers.map((number) => ({ number })), ...invalid],
    problems: parsed.errors,
  };
}

/** A CSV/XLSX upload: the first cell of each row that holds a mobile number; a header row is skipped. */
export async function recipientsFromFile(fileName: string, content: Buffer): Promise<RecipientSource> {
  const table = await readTable(fileName, content);
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  const problems: NumberListError[] = [];
  table.forEach((row, index) => {
    const cells = row.map((c) => String(c ?? '').trim()).filter((c) => c.length > 0);
    if (cells.length === 0) return;
    const number = cells.map((c) => tryNormalizeMobile(c)).find((n) => n !== undefined);
    if (!number) {
      if (index === 0) return; // a header such as 手机号 / mobile
      problems.push({ line: index + 1, input: cells.join(', ').slice(0, 60), code: 'INVALID_NUMBER', message: `Row ${index + 1} has no mobile number.` });
      recipients.push({ number: cells[0]! });
      return;
    }
    if (seen.has(number)) {
      problems.push({ line: index + 1, input: number, code: 'DUPLICATE_NUMBER', message: `${number} appears more than once; it is sent one message.` });
      return;
    }
    seen.add(number);
    recipients.push({ number });
  });
  return { recipients, problems };
}

export interface AudienceRow {
  id: number;
  mobile: string;
  name: string;
  gender: string;
  points: number;
  card_no: string | null;
  birthday: string | null;
  marketing_consent: number | boolean;
  store_name: string | null;
}

/**
 * Members as recipients, read in id order a page at a time (keyset, not
 * offset), so a million-member audience streams in constant memory. `tag`
 * narrows it to a contact group.
 */
export async function* membersAudience(db: Knex, options: { tag?: string; pageSize?: number } = {}): AsyncGenerator<Recipient> {
  const pageSize = options.pageSize ?? 2_000;
  let lastId = 0;
  for (;;) {
    const q = db('members as m')
      .leftJoin('stores as s', 's.code', 'm.store_code')
      .select(...recipientColumns('m'), 's.name as store_name')
      .whereNotNull('m.mobile')
      .whereNull('m.deleted_at')
      .andWhere('m.id', '>', lastId)
      .orderBy('m.id')
      .limit(pageSize);
    if (options.tag) q.whereIn('m.id', (sub) => void sub.select('member_id').from('member_tags').where('tag', options.tag!));
    const rows: AudienceRow[] = await q;
    if (rows.length === 0) return;
    for (const row of rows) yield memberRecipient(row);
    lastId = Number(rows[rows.length - 1]!.id);
  }
}

/**
 * The members a query selects (`as`: the members table's name or alias in it),
 * streamed as recipients the same way: keyset pages in id order.
 */
export async function* queriedMembers(db: Knex, base: Knex.QueryBuilder, as = 'members', pageSize = 2_000): AsyncGenerator<Recipient> {
  let lastId = 0;
  for (;;) {
    const rows: AudienceRow[] = await base
      .clone()
      .where(`${as}.id`, '>', lastId)
      .orderBy(`${as}.id`)
      .limit(pageSize)
      .select(...recipientColumns(as), db.raw(`(SELECT name FROM stores WHERE stores.code = ${as}.store_code) AS store_name`));
    for (const row of rows) yield memberRecipient(row);
    if (rows.length < pageSize) return;
    lastId = Number(rows[rows.length - 1]!.id);
  }
}

/** The members columns a recipient is made of (`as`: the members table's name or alias); store_name comes beside them. */
export function recipientColumns(as: string): string[] {
  return ['id', 'mobile', 'name', 'gender', 'points', 'card_no', 'birthday', 'marketing_consent'].map((column) => `${as}.${column}`);
}

/** A member row (the columns the audiences select) as a recipient with what personalisation needs. */
export function memberRecipient(row: AudienceRow): Recipient {
  return {
    number: row.mobile,
    memberId: Number(row.id),
    member: {
      name: row.name,
      gender: row.gender,
      points: Number(row.points),
      cardNo: row.card_no,
      birthday: row.birthday,
      storeName: row.store_name,
      marketingConsent: Boolean(row.marketing_consent),
    },
  };
}
