import type { Knex } from 'knex';
import type { InboundPart } from '../../modem/inbound.js';

interface PartRow {
  modem_id: string;
  part_key: string;
  sender: string;
  reference: number;
  total: number;
  sequence: number;
  text: string;
  pdu: string;
  sent_at: number | string;
  flash: number | boolean;
  received_at: number | string;
}

/**
 * Parts of long inbound texts waiting for their siblings (inbound_parts): the
 * modem stores each part here before it deletes it from the SIM, and puts the
 * message together from them; once the message is in the inbox its parts go.
 */
export class InboundParts {
  constructor(private readonly db: Knex) {}

  /** One part, committed; storing it again (read twice after a crash) changes nothing. */
  async store(part: InboundPart): Promise<void> {
    await this.db('inbound_parts')
      .insert({
        modem_id: part.modemId,
        part_key: part.key,
        sender: part.sender.slice(0, 32),
        reference: part.reference,
        total: part.total,
        sequence: part.sequence,
        text: part.text,
        pdu: part.pdu,
        sent_at: part.sentAt,
        flash: part.flash,
        received_at: part.receivedAt,
      })
      .onConflict(['modem_id', 'part_key'])
      .ignore();
  }

  /** The parts a modem still holds, oldest first. */
  async waiting(modemId: string): Promise<InboundPart[]> {
    const rows: PartRow[] = await this.db('inbound_parts').where('modem_id', modemId).orderBy('received_at').orderBy('id');
    return rows.map((row) => ({
      modemId: row.modem_id,
      key: row.part_key,
      sender: row.sender,
      reference: Number(row.reference),
      total: Number(row.total),
      sequence: Number(row.sequence),
      text: row.text,
      pdu: row.pdu,
      sentAt: Number(row.sent_at),
      flash: Boolean(row.flash),
      receivedAt: Number(row.received_at),
    }));
  }

  /** The parts of a message that is now in the inbox. */
  async drop(modemId: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      await this.db('inbound_parts').where('modem_id', modemId).whereIn('part_key', keys.slice(i, i + 500)).delete();
    }
  }
}
