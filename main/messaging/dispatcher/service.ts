import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/bus.js';
import type { Settings } from '../../settings/settings.js';
import type { InboundSink } from '../../modem/inbound.js';
import { withdrawConsentByMobile } from '../../members/consent.js';
import type { OutboundChannel } from '../channel.js';
import { Batches } from '../batches/batches.js';
import { InboundParts } from '../inbox/inbound-parts.js';
import { INBOUND_ORDER, Inbox } from '../inbox/inbox.js';
import { optOutHandler } from '../inbox/opt-out.js';
import type { NumberLists } from '../lists/lists.js';
import type { PolicySettings } from '../policy/settings.js';
import { Outbox, type OutboxOptions } from '../outbox/outbox.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';

/**
 * Where the modem layer hands over what it received (the modem's InboundSink):
 * each call resolves only once the row is committed, so the modem deletes a
 * text from the SIM only after that (persist before delete).
 */
export type { InboundSink } from '../../modem/inbound.js';

export interface MessagingDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  lists: NumberLists;
}

/**
 * The messaging service: outbox and inbox always (the CLI queues into the
 * outbox of a stopped appliance), the dispatcher only once start() is given
 * the modems to send through — the served appliance does that.
 */
export class Messaging {
  readonly outbox: Outbox;
  readonly inbox: Inbox;
  /** Every send is a batch: paused, resumed, cancelled; single messages withdrawn. */
  readonly batches: Batches;
  private dispatcher: Dispatcher | undefined;
  private channelInUse: OutboundChannel | undefined;
  readonly sink: InboundSink;

  constructor(
    private readonly deps: MessagingDeps,
    options: { outbox?: OutboxOptions; dispatcher?: DispatcherOptions } = {},
  ) {
    const { db, clock, audit, events, logger, settings, lists } = deps;
    const lookupLists = (numbers: readonly string[], now: number, trx: Knex) => lists.lookup(numbers, now, trx);
    // Every claim re-checks the policy: read the settings once, again only after they change.
    let policy: Promise<PolicySettings> | undefined;
    let render: Promise<{ smsSignature: string; storeName: string }> | undefined;
    events.onDidPublish((event) => {
      if (event.type === 'settings.changed') {
        policy = undefined;
        render = undefined;
      }
    });
    const cachedPolicy = () => (policy ??= settings.get('policy').catch((error: unknown) => {
      policy = undefined;
      throw error;
    }));
    const cachedRender = () =>
      (render ??= (async () => ({ smsSignature: await settings.get('smsSignature'), storeName: await settings.get('storeName') }))().catch((error: unknown) => {
        render = undefined;
        throw error;
      }));
    this.outbox = new Outbox(
      db,
      clock,
      audit,
      events,
      { policy: cachedPolicy, renderSettings: cachedRender },
      lookupLists,
      options.outbox,
    );
    this.batches = new Batches(db, clock, audit, events);
    this.inbox = new Inbox(db, clock, audit, events, logger, this.outbox, {
      policy: cachedPolicy,
      storeName: async () => (await cachedRender()).storeName,
      lookupLists,
      // The refusal lands on the list and on the member in the one transaction: both show it at once.
      optOut: async (mobile, current, trx, message) => {
        const result = await lists.optOut(mobile, current, trx);
        await withdrawConsentByMobile(trx, mobile, clock.now(), { text: message.text, inboxId: message.id, listChanged: result.change !== 'unchanged' });
        return result;
      },
      onQueued: () => this.poke(),
    });
    this.inbox.use(optOutHandler, INBOUND_ORDER.optOut);
    this.dispatcherOptions = options.dispatcher ?? {};
    const parts = new InboundParts(db);
    this.sink = {
      storePart: (part) => parts.store(part),
      waitingParts: (modemId) => parts.waiting(modemId),
      dropParts: (modemId, keys) => parts.drop(modemId, keys),
      storeInbound: async (m) => {
        await this.inbox.storeInbound({ modemId: m.modemId, sender: m.from, text: m.text, sentAt: m.sentAt, partial: m.partial, key: m.key });
      },
      storeStatusReport: async (r) => {
        await this.outbox.storeStatusReport({
          modemId: r.modemId,
          mr: r.messageReference,
          recipient: r.recipient,
          status: r.status,
          outcome: r.outcome,
          detail: r.reason,
          submittedAt: r.submittedAt,
          dischargeAt: r.dischargedAt,
          sendReference: r.matched?.reference ?? null,
        });
      },
    };
  }

  private readonly dispatcherOptions: DispatcherOptions;

  get channel(): OutboundChannel | undefined {
    return this.channelInUse;
  }

  get running(): boolean {
    return this.dispatcher !== undefined;
  }

  /** Busy time per modem since start, for the status line and the benchmark. */
  busyMs(): Map<string, number> {
    return this.dispatcher?.busyMs ?? new Map();
  }

  /** Starts sending through `channel`; first recovers what a previous run left in flight. */
  async start(channel: OutboundChannel): Promise<{ unknown: number; requeued: number }> {
    if (this.dispatcher) throw new Error('messaging already started');
    this.channelInUse = channel;
    const dispatcher = new Dispatcher(this.outbox, channel, this.deps.clock, this.deps.events, this.deps.logger, this.dispatcherOptions);
    const recovered = await dispatcher.start();
    this.dispatcher = dispatcher;
    const pending = await this.inbox.processPending();
    if (pending > 0) this.deps.logger.info({ pending }, 'inbound texts from before the restart processed');
    return recovered;
  }

  async stop(): Promise<void> {
    const dispatcher = this.dispatcher;
    this.dispatcher = undefined;
    if (dispatcher) await dispatcher.stop();
  }

  /** New work was queued in this process: wake the workers now rather than at their next poll. */
  poke(): void {
    this.dispatcher?.poke();
  }
}
