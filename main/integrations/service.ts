import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { EventBus } from '../events/bus.js';
import type { CloudMasListenerStatus } from '../mas/cloud/listener-settings.js';
import { CloudMas } from '../mas/cloud/service.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import type { Settings } from '../settings/settings.js';
import { ApiKeys } from './api-keys.js';
import { Deliveries, type DeliveryPolicy } from './deliveries.js';
import { Webhooks } from './webhooks.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** Keys, 云MAS accounts or webhooks changed: the integrations page reloads that tab. */
    'integrations.changed': { area: 'api-keys' | 'cloud-mas' | 'webhooks' };
  }
}

export interface IntegrationsDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  secrets: SecretBox;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
  version: string;
}

/** A 云MAS submit log older than this is dropped (the outbox keeps the messages). */
const REQUEST_LOG_RETENTION_MS = 30 * 86_400_000;
/** At start, reports and inbound texts this recent that never got queued are queued now. */
const CATCH_UP_WINDOW_MS = 6 * 3_600_000;

/**
 * Programs that talk to StoreMAS and that StoreMAS talks to: API keys, the 云MAS HTTP
 * interface, webhooks, and the one delivery queue behind every push.
 */
export class Integrations {
  readonly deliveries: Deliveries;
  readonly apiKeys: ApiKeys;
  readonly webhooks: Webhooks;
  readonly cloudMas: CloudMas;
  /** The 云MAS port of its own, as opened (or not) at this start. */
  readonly listener: CloudMasListenerStatus = { state: 'off', host: null, port: null, error: null };
  private started = false;

  constructor(
    private readonly deps: IntegrationsDeps,
    options: { deliveryPolicy?: Partial<DeliveryPolicy> } = {},
  ) {
    const { db, clock, events, audit, secrets, logger, version } = deps;
    const log = logger.child({ component: 'integrations' });
    this.deliveries = new Deliveries(db, clock, events, audit, log, `StoreMAS/${version}`, options.deliveryPolicy);
    this.apiKeys = new ApiKeys(db, clock, audit, events);
    this.webhooks = new Webhooks(db, clock, audit, secrets, events, this.deliveries, log);
    this.cloudMas = new CloudMas({ ...deps, logger: log, deliveries: this.deliveries });
  }

  /**
   * Listens for what to push and starts the delivery worker. Called before the modems start,
   * so no status report or inbound text of this run is missed.
   */
  async start(options: { worker?: boolean } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cloudMas.pushes.start();
    this.webhooks.start();
    try {
      await this.cloudMas.pushes.catchUp(CATCH_UP_WINDOW_MS);
      await this.cloudMas.submits.purge(REQUEST_LOG_RETENTION_MS);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'integrations catch-up failed');
    }
    if (options.worker !== false) this.deliveries.start();
  }

  async stop(): Promise<void> {
    await this.cloudMas.pushes.stop();
    await this.webhooks.stop();
    await this.deliveries.stop();
    this.started = false;
  }

  /** Resolves when every event heard so far has become a delivery row (tests wait on it). */
  async settled(): Promise<void> {
    await Promise.all([this.cloudMas.pushes.settled(), this.webhooks.settled()]);
  }
}
