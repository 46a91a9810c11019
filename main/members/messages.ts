import type { Knex } from 'knex';

/** One text in a member's message history, sent or received. */
export interface MemberMessage {
  direction: 'out' | 'in';
  id: number;
  text: string;
  at: number;
  /** Outbound: the outbox status (queued, sent, delivered …); inbound: 'received'. */
  status: string;
  category: string | null;
  modemId: string | null;
  automatic: boolean;
}

export interface MemberMessagesPage {
  items: MemberMessage[];
  page: number;
  /** Whether an older page exists. */
  hasMore: boolean;
}

/**
 * The texts exchanged with a member's mobile number, newest first, both ways.
 * Looked up by number (the outbox recipient index, the conversation per number),
 * so it stays a few index seeks whatever the size of the outbox; a member without
 * a mobile has no messages.
 */
export async function memberMessages(
  db: Knex,
  mobile: string | null,
  options: { page: number; pageSize: number },
): Promise<MemberMessagesPage> {
  if (!mobile) return { items: [], page: options.page, hasMore: false };
  // Each side contributes at most everything up to the end of the asked page, plus one
  // that tells whether an older page exists (the history drawer reads a few pages, not thousands).
  const take = options.page * options.pageSize + 1;
  const outbound: Array<Record<string, unknown>> = await db('outbox_messages')
    .where('recipient', mobile)
    .orderBy('created_at', 'desc')
    .limit(take)
    .select('id', 'text', 'created_at', 'status', 'category', 'modem_id', 'automatic');
  const conversation: { id: number } | undefined = await db('conversations').where('number', mobile).first('id');
  const inbound: Array<Record<string, unknown>> = conversation
    ? await db('inbox_messages')
        .where('conversation_id', conversation.id)
        .orderBy('received_at', 'desc')
        .limit(take)
        .select('id', 'text', 'received_at', 'modem_id')
    : [];
  const merged: MemberMessage[] = [
    ...outbound.map((row) => ({
      direction: 'out' as const,
      id: Number(row.id),
      text: String(row.text),
      at: Number(row.created_at),
      status: String(row.status),
      category: row.category === null ? null : String(row.category),
      modemId: row.modem_id === null ? null : String(row.modem_id),
      automatic: Boolean(row.automatic),
    })),
    ...inbound.map((row) => ({
      direction: 'in' as const,
      id: Number(row.id),
      text: String(row.text),
      at: Number(row.received_at),
      status: 'received',
      category: null,
      modemId: String(row.modem_id),
      automatic: false,
    })),
  ].sort((a, b) => b.at - a.at || (a.direction === b.direction ? b.id - a.id : a.direction === 'in' ? 1 : -1));
  const start = (options.page - 1) * options.pageSize;
  return { items: merged.slice(start, start + options.pageSize), page: options.page, hasMore: merged.length > start + options.pageSize };
}
