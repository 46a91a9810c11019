import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../auth/audit.js';
import { ManualClock } from '../../clock.js';
import { EventBus } from '../../events/bus.js';
import { Settings } from '../../settings/settings.js';
import { startMigratedPostgres, type DbServer } from '../../../tests/support/dbservers.js';
import { Messaging } from '../dispatcher/service.js';
import { NumberLists } from '../lists/lists.js';

const NOW = Date.parse('2026-11-22T10:00:00+08:00');

/** The inbound path's upserts (conversation, opt-out entry) and the one-transaction chain on PostgreSQL. */
describe('inbox on PostgreSQL (a real server on 127.0.0.1)', () => {
  let server: DbServer;
  let db: Knex;
  let messaging: Messaging;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    const audit = new AuditLog(db, clock);
    const events = new EventBus(() => clock.now());
    const settings = new Settings(db, clock, audit, events);
    const lists = new NumberLists(db, clock, audit, async () => 'Asia/Shanghai', events);
    messaging = new Messaging({ db, clock, audit, events, logger: pino({ level: 'silent' }), settings, lists });
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('groups texts per number, opts the sender out once and queues one confirmation through the receiving modem', async () => {
    const { inbox } = messaging;
    for (const [i, text] of ['TD', '退订'].entries()) {
      clock.advance(1_000);
      const stored = await inbox.write({ modemId: '7', sender: '13900139301', text, key: `pg${i}` });
      expect(await inbox.processStored(stored.stored)).toBe('opt-out');
    }
    const { items } = await inbox.conversations({ page: 1, pageSize: 10 });
    expect(items).toEqual([expect.objectContaining({ number: '+8613900139301', unhandled: 2, lastText: '退订', lastAt: clock.now() })]);
    expect(await db('number_lists').select('list', 'scope', 'source')).toEqual([{ list: 'black', scope: 'marketing', source: 'opt-out' }]);
    expect(await db('outbox_messages').select('recipient', 'status', 'reply_modem', 'automatic')).toEqual([
      { recipient: '+8613900139301', status: 'queued', reply_modem: '7', automatic: true },
    ]);
    expect(await db('inbox_messages').whereNull('processed_at').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('withdraws the member’s consent with the opt-out; batches pause and cancel with their messages and parts', async () => {
    await db('members').insert({ source: 'manual', name: '钱多多', mobile: '+8613900139302', created_at: NOW, updated_at: NOW });
    const stored = await messaging.inbox.write({ modemId: '7', sender: '13900139302', text: 'TD', key: 'pg-consent' });
    await messaging.inbox.processStored(stored.stored);
    expect(await db('members').where('mobile', '+8613900139302').first('marketing_consent', 'marketing_consent_source')).toEqual({
      marketing_consent: false,
      marketing_consent_source: 'sms-opt-out',
    });

    const actor = { userId: null, username: 'pg-test', ip: 'local' };
    const sent = await messaging.outbox.enqueue(
      ['13900139311', '13900139312', '13900139313'].map((number) => ({ number })),
      { text: '到货通知', category: 'transactional', source: 'test' },
      actor,
    );
    await messaging.batches.pause(actor, sent.batchId!);
    await messaging.batches.resume(actor, sent.batchId!);
    let claimed = await messaging.outbox.claim('7', ['7']);
    while (claimed && claimed.batchId !== sent.batchId) claimed = await messaging.outbox.claim('7', ['7']); // the confirmations go first
    const cancelled = await messaging.batches.cancel(actor, sent.batchId!);
    expect(cancelled).toMatchObject({ state: 'cancelled', counts: { cancelled: 3 } });
    expect(await messaging.outbox.beginPart(claimed!.parts[0]!.id, '7')).toBe(false);
    expect(await db('outbox_parts').where('message_id', claimed!.id).select('status')).toEqual([{ status: 'cancelled' }]);
  });
});
