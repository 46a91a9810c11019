import type { Knex } from 'knex';
import { AppError } from '../../errors.js';
import { tryNormalizeMobile } from '../numbers.js';
import { NOT_LISTED, isCommercial, type MessageCategory } from '../policy/policy.js';
import type { PolicySettings } from '../policy/settings.js';
import type { SubmitUserData } from '../../modem/pdu/index.js';
import { RenderError, literalTemplate, renderMessage, type CompiledTemplate, type RenderMember, type RenderOptions } from '../render/render.js';
import { recentCommercialSends, type ListLookup, type SendPolicy } from './policy-inputs.js';
import { priorityOf } from './states.js';

/** One recipient of a send: a number, and the member behind it when known. */
export interface Recipient {
  number: string;
  memberId?: number | null;
  /** Personalisation fields; looked up by number when absent and `matchMembers` is on. */
  member?: (RenderMember & { marketingConsent?: boolean | null }) | null;
  /** Overrides the request's key for this recipient. */
  idempotencyKey?: string;
  /**
   * This recipient's own text, taken literally (no placeholders) instead of
   * the request's template: software sending through the MAS interfaces
   * writes every message itself. Signature and opt-out hint still apply.
   */
  text?: string;
  /** A binary message (MAS SM_TYPE 2): one part, user data sent as given, nothing added; `text` describes it for people. */
  binary?: SubmitUserData;
}

export interface EnqueueOptions {
  category: MessageCategory;
  source: string;
  createdBy: string;
  batchId: string | null;
  notBefore: number | null;
  notAfter: number | null;
  pinnedModem: string | null;
  replyModem: string | null;
  inReplyTo: number | null;
  automatic: boolean;
  /** key = prefix + ':' + (member id or number): the same campaign never texts a member twice. */
  idempotencyPrefix: string | null;
  /** Find members for bare numbers (pasted lists): personalisation and consent. */
  matchMembers: boolean;
  /** The batch is paused: rows that would be queued are written paused, and wait for its resume. */
  hold?: boolean;
}

export interface EnqueueTally {
  total: number;
  queued: number;
  /** Queued but held back (scheduled, or quiet hours for marketing). */
  deferred: number;
  /** Blocked recipients by rule (policy rules, `render` for a text that cannot be personalised). */
  blocked: Record<string, number>;
  /** Recipients skipped because their idempotency key was already used. */
  duplicates: number;
  /** Ids of the rows written (queued and blocked), kept only for the first thousand (the API returns them). */
  messageIds: number[];
  /** SMS parts of the messages that will go out (queued and deferred): what the modems will send. */
  parts: number;
  /** The first few texts as their recipients will read them (the confirmation shows three). */
  samples: Array<{ recipient: string; text: string; parts: number }>;
}

export const emptyTally = (): EnqueueTally => ({ total: 0, queued: 0, deferred: 0, blocked: {}, duplicates: 0, messageIds: [], parts: 0, samples: [] });

const SAMPLES = 3;

/** 138****8000: enough for the person confirming to recognise the list, no more. */
export function maskNumber(number: string): string {
  return number.replace(/^(\+86)?(\d{3})\d{4}(\d{4})$/, '$2****$3');
}

const KEEP_IDS = 1_000;

const COLUMNS = [
  'recipient',
  'text',
  'category',
  'priority',
  'status',
  'blocked_rule',
  'error_code',
  'error_message',
  'idempotency_key',
  'member_id',
  'batch_id',
  'source',
  'pinned_modem',
  'reply_modem',
  'in_reply_to',
  'automatic',
  'part_count',
  'due_at',
  'not_before',
  'not_after',
  'created_at',
  'created_by',
  'updated_at',
  'finished_at',
  'binary_payload',
] as const;
export const OUTBOX_INSERT_COLUMNS: readonly string[] = COLUMNS;
type InsertRow = unknown[];

/** Rows per INSERT statement: 25 columns × 400 rows stays under SQLite's variable limit. */
const ROWS_PER_STATEMENT = 400;
const statements = new Map<number, string>();

/** One multi-row INSERT, the SQL cached per row count (bulk enqueue runs it thousands of times). */
export async function insertOutboxRows(trx: Knex, rows: readonly InsertRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    let sql = statements.get(chunk.length);
    if (!sql) {
      const tuple = `(${COLUMNS.map(() => '?').join(',')})`;
      sql = `insert into outbox_messages (${COLUMNS.join(',')}) values ${new Array(chunk.length).fill(tuple).join(',')}`;
      if (chunk.length === ROWS_PER_STATEMENT || chunk.length < 50) statements.set(chunk.length, sql);
    }
    await trx.raw(sql, chunk.flat() as Knex.RawBinding[]);
  }
}

export interface BatchContext {
  now: number;
  policy: PolicySettings;
  template: CompiledTemplate;
  render: RenderOptions;
  sendPolicy: SendPolicy;
  lookupLists: ListLookup;
}

interface MemberFields {
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

async function membersByNumber(trx: Knex, numbers: readonly string[]): Promise<Map<string, MemberFields>> {
  const found = new Map<string, MemberFields>();
  for (let i = 0; i < numbers.length; i += 500) {
    // {门店} is the member's own store, as the preview shows it: the mirror's name for their store code.
    const rows: MemberFields[] = await trx('members as m')
      .leftJoin('stores as s', 's.code', 'm.store_code')
      .select('m.id', 'm.mobile', 'm.name', 'm.gender', 'm.points', 'm.card_no', 'm.birthday', 'm.marketing_consent', 's.name as store_name')
      .whereIn('m.mobile', numbers.slice(i, i + 500))
      .whereNull('m.deleted_at');
    for (const row of rows) if (!found.has(row.mobile)) found.set(row.mobile, row);
  }
  return found;
}

/**
 * Decides, personalises and inserts one batch in the caller's transaction:
 * every recipient becomes a row — queued, deferred or blocked with its rule —
 * except those whose idempotency key was used before. `dryRun` only counts.
 */
export async function enqueueBatch(
  trx: Knex,
  recipients: readonly Recipient[],
  options: EnqueueOptions,
  context: BatchContext,
  tally: EnqueueTally,
  dryRun: boolean,
): Promise<void> {
  const { now, policy } = context;
  const commercial = isCommercial(options.category);
  const normalised = recipients.map((r) => tryNormalizeMobile(r.number));
  const valid = normalised.filter((n): n is string => n !== undefined);
  const lists = await context.lookupLists(valid, now, trx);
  const recent =
    commercial && policy.frequencyCap.enabled
      ? await recentCommercialSends(trx, valid, now - policy.frequencyCap.windowDays * 86_400_000)
      : new Map<string, number>();
  const needMembers = options.matchMembers ? valid.filter((_, i) => recipients[i]?.member === undefined) : [];
  const members = needMembers.length > 0 ? await membersByNumber(trx, needMembers) : new Map<string, MemberFields>();

  const keys = recipients.map((r, i) =>
    r.idempotencyKey ?? (options.idempotencyPrefix ? `${options.idempotencyPrefix}:${r.memberId ?? normalised[i] ?? r.number}` : null),
  );
  const usedKeys = new Set<string>();
  const wanted = keys.filter((k): k is string => k !== null);
  for (let i = 0; i < wanted.length; i += 500) {
    const rows: Array<{ idempotency_key: string }> = await trx('outbox_messages')
      .select('idempotency_key')
      .whereIn('idempotency_key', wanted.slice(i, i + 500));
    for (const row of rows) usedKeys.add(row.idempotency_key);
  }

  const priority = priorityOf(options.category);
  const due = Math.max(now, options.notBefore ?? now);
  const rows: InsertRow[] = [];
  const block = (rule: string) => {
    tally.blocked[rule] = (tally.blocked[rule] ?? 0) + 1;
  };
  for (let i = 0; i < recipients.length; i += 1) {
    const recipient = recipients[i]!;
    tally.total += 1;
    const key = keys[i] ?? null;
    if (key !== null) {
      if (usedKeys.has(key)) {
        tally.duplicates += 1;
        continue;
      }
      usedKeys.add(key);
    }
    const number = normalised[i];
    const matched = number ? members.get(number) : undefined;
    const member: (RenderMember & { marketingConsent?: boolean | null }) | null =
      recipient.member ??
      (matched
        ? {
            name: matched.name,
            gender: matched.gender,
            points: Number(matched.points),
            cardNo: matched.card_no,
            birthday: matched.birthday,
            storeName: matched.store_name,
            marketingConsent: Boolean(matched.marketing_consent),
          }
        : null);
    const memberId = recipient.memberId ?? matched?.id ?? null;
    const decision = context.sendPolicy(
      { category: options.category, recipient: number ?? recipient.number, marketingConsent: member?.marketingConsent ?? null, automatic: options.automatic },
      { now, settings: policy, lists: (number && lists.get(number)) || NOT_LISTED, recentCommercialSends: (number && recent.get(number)) || 0 },
    );
    let status = 'queued';
    let rule: string | null = null;
    let errorCode: string | null = null;
    let errorMessage: string | null = null;
    let dueAt = due;
    let text = '';
    let parts = 0;
    if (!decision.allowed && decision.deferUntil === undefined) {
      status = 'blocked';
      rule = decision.rule;
      errorCode = 'POLICY_BLOCKED';
      errorMessage = decision.reason;
    } else {
      if (!decision.allowed && decision.deferUntil !== undefined) dueAt = Math.max(dueAt, decision.deferUntil);
      try {
        if (recipient.binary) {
          text = recipient.text ?? '';
          parts = 1;
        } else {
          const template = recipient.text === undefined ? context.template : literalTemplate(recipient.text);
          const rendered = renderMessage(template, member, context.render);
          text = rendered.text;
          parts = rendered.parts;
        }
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
        status = 'blocked';
        rule = 'render';
        errorCode = error.code;
        errorMessage = error.message;
      }
    }
    if (status === 'blocked') block(rule!);
    else {
      if (dueAt > now) tally.deferred += 1;
      else tally.queued += 1;
      tally.parts += parts;
      if (tally.samples.length < SAMPLES) tally.samples.push({ recipient: maskNumber(number ?? recipient.number), text, parts });
      if (options.hold) status = 'paused';
    }
    if (dryRun) continue;
    rows.push([
      number ?? recipient.number.slice(0, 24),
      text || (recipient.text ?? context.template.source),
      options.category,
      priority,
      status,
      rule,
      errorCode,
      errorMessage,
      key,
      memberId,
      options.batchId,
      options.source,
      options.pinnedModem,
      options.replyModem,
      options.inReplyTo,
      options.automatic,
      parts,
      dueAt,
      options.notBefore,
      options.notAfter,
      now,
      options.createdBy,
      now,
      status === 'blocked' ? now : null,
      recipient.binary ? JSON.stringify(recipient.binary) : null,
    ]);
  }
  if (dryRun || rows.length === 0) return;
  const keepIds = tally.messageIds.length < KEEP_IDS;
  const before = keepIds ? Number((await trx('outbox_messages').max<{ id: number | null }>({ id: 'id' }).first())?.id ?? 0) : 0;
  await insertOutboxRows(trx, rows);
  if (keepIds) {
    // Inside this transaction nobody else writes: the rows above the old maximum are the ones just written.
    const ids: Array<{ id: number }> = await trx('outbox_messages').select('id').where('id', '>', before).orderBy('id');
    tally.messageIds.push(...ids.map((r) => Number(r.id)));
  }
}

export class EnqueueError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>, status = 400) {
    super(code, message, status, details);
  }
}
