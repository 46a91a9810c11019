import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { EventBus } from '../../events/bus.js';
import type { Deliveries } from '../../integrations/deliveries.js';
import type { Messaging } from '../../messaging/dispatcher/service.js';
import type { Settings } from '../../settings/settings.js';
import { CloudMasAccounts } from './accounts.js';
import { CloudMasPushes } from './pushes.js';
import { CloudMasSubmits } from './submit.js';

export interface CloudMasDeps {
  db: Knex;
  clock: Clock;
  events: EventBus;
  audit: AuditLog;
  secrets: SecretBox;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
  deliveries: Deliveries;
}

/** The 云MAS HTTP interface: accounts, submits into the outbox, and the pushes back. */
export class CloudMas {
  readonly accounts: CloudMasAccounts;
  readonly submits: CloudMasSubmits;
  readonly pushes: CloudMasPushes;

  constructor(deps: CloudMasDeps) {
    const { db, clock, events, audit, secrets, logger, settings, messaging, deliveries } = deps;
    const policy = () => settings.get('policy');
    this.accounts = new CloudMasAccounts(db, clock, audit, secrets, events);
    this.pushes = new CloudMasPushes({ db, clock, events, audit, logger, accounts: this.accounts, deliveries, timeZone: async () => (await policy()).timeZone });
    this.submits = new CloudMasSubmits({
      db,
      clock,
      events,
      logger,
      accounts: this.accounts,
      outbox: messaging.outbox,
      policy,
      poke: () => messaging.poke(),
      onQueued: async (msgGroup) => void (await this.pushes.reportBlocked(msgGroup)),
    });
  }
}
