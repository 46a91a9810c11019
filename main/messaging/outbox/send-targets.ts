import type { Knex } from 'knex';
import { AppError } from '../../errors.js';
import type { ModemView } from '../../modem/pool.js';

/** A modem a send can be pinned to, as the send form's "send via" list shows it. */
export interface ModemChoice {
  id: string;
  name: string;
  enabled: boolean;
  /** Ready now: pinned messages go out at once (otherwise they wait until it is). */
  ready: boolean;
}

/** A contact group (会员分组): the members carrying one tag, and how many of them can be texted. */
export interface ContactGroup {
  tag: string;
  /** Members with the tag, not deleted, with a mobile number: the recipients a send to the group has. */
  recipients: number;
}

export class SendTargetError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 400);
  }
}

/** Where the choices come from: the modem pool (its configuration rows, running or not). */
export interface ModemDirectory {
  list(): Promise<ModemView[]>;
}

export async function modemChoices(modems: ModemDirectory): Promise<ModemChoice[]> {
  return (await modems.list()).map((m) => ({
    id: m.config.id,
    name: m.config.name,
    enabled: m.config.enabled,
    ready: m.status?.state === 'ready',
  }));
}

/**
 * The modem a send is pinned to, by id (the API) or by name (the CLI). Unknown
 * or disabled modems are refused before anything is queued: the dispatcher
 * only gives a pinned message to that modem, so it would wait for ever.
 */
export async function pinnedModemOf(modems: ModemDirectory, idOrName: string): Promise<ModemChoice> {
  const wanted = idOrName.trim();
  const choices = await modemChoices(modems);
  const modem = choices.find((m) => m.id === wanted) ?? choices.find((m) => m.name === wanted);
  if (!modem) {
    const known = choices.map((m) => `${m.name} (${m.id})`).join(', ');
    throw new SendTargetError(
      'UNKNOWN_MODEM',
      `There is no modem "${wanted}" to send through. ${known ? `Choose one of: ${known}` : 'No modem is configured'}, or leave the modem on automatic.`,
    );
  }
  if (!modem.enabled) {
    throw new SendTargetError(
      'MODEM_DISABLED',
      `The modem "${modem.name}" is disabled, so messages pinned to it would never go out. Enable it on the Modems page, or leave the modem on automatic.`,
    );
  }
  return modem;
}

/** Members that a send to a tag reaches: not deleted, with a mobile number (the same rows membersAudience streams). */
function groupMembers(db: Knex, tag?: string): Knex.QueryBuilder {
  const q = db('member_tags as t').join('members as m', 'm.id', 't.member_id').whereNotNull('m.mobile').whereNull('m.deleted_at');
  if (tag !== undefined) q.where('t.tag', tag);
  return q;
}

/** Every tag in use as a contact group with its recipient count, largest first. */
export async function contactGroups(db: Knex): Promise<ContactGroup[]> {
  const rows = (await groupMembers(db)
    .select('t.tag')
    .count({ n: '*' })
    .groupBy('t.tag')
    .orderBy([{ column: 'n', order: 'desc' }, { column: 't.tag' }])
    .limit(500)) as Array<{ tag: string; n: number | string }>;
  return rows.map((r) => ({ tag: r.tag, recipients: Number(r.n) }));
}

/** One group by its tag; a tag no member carries is refused with a message saying so. */
export async function contactGroupOf(db: Knex, tag: string): Promise<ContactGroup> {
  const wanted = tag.trim();
  const [row] = (await groupMembers(db, wanted).count({ n: '*' })) as Array<{ n: number | string }>;
  const recipients = Number(row?.n ?? 0);
  if (recipients === 0) {
    const exists = await db('member_tags').where('tag', wanted).first();
    throw new SendTargetError(
      exists ? 'CONTACT_GROUP_EMPTY' : 'UNKNOWN_CONTACT_GROUP',
      exists
        ? `No member tagged "${wanted}" has a mobile number. Add numbers on the Members page, or pick another group.`
        : `No member is tagged "${wanted}". Pick a group from the list, or tag members on the Members page first.`,
    );
  }
  return { tag: wanted, recipients };
}
