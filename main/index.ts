import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildServer } from './api/server.js';
import { listenCloudMas } from './api/cloud-mas-listener.js';
import { AuditLog } from './auth/audit.js';
import { Users } from './auth/users.js';
import { systemClock, type Clock } from './clock.js';
import { validateConfig, type ApplianceConfig } from './config.js';
import { loadOrCreateSecretBox } from './crypto/secret-box.js';
import { lockDataDir, prepareDataDir } from './data-dir.js';
import { checkDatabaseFile, classifySqliteError, databasePath, openSqlite } from './db/connection.js';
import { startWalCheckpointer } from './db/checkpoint.js';
import { migrateToLatest } from './db/migrate.js';
import { StartupError, isAppError, systemErrorCode } from './errors.js';
import { EventBus } from './events/bus.js';
import { existingInitialPasswordFile, writeInitialPasswordFile } from './first-run.js';
import { isLoopbackAddress, lanUrls } from './lan/addresses.js';
import { LanCertificate } from './lan/certificate.js';
import { serveHttpsAndLocalHttp, type LanListener } from './lan/listener.js';
import { createLogger } from './logging.js';
import { Integrations } from './integrations/service.js';
import { NumberLists } from './messaging/lists/lists.js';
import { Messaging } from './messaging/dispatcher/service.js';
import { defaultOutboundChannel } from './messaging/modem-channel.js';
import { Templates } from './messaging/templates/templates.js';
import { ModemPool } from './modem/pool.js';
import type { ApplianceServices } from './services.js';
import { Settings } from './settings/settings.js';
import { StoreMirror } from './store/service.js';
import { Members } from './members/members.js';
import { Strategies } from './strategy/strategies.js';
import { MasDatabaseInterface } from './mas/db/service.js';
import { ProductSearch } from './sms-services/product-search.js';
import { SmsServices } from './sms-services/service.js';
import { StaffDirectory } from './staff/staff.js';
import { Campaigns } from './campaigns/campaigns.js';
import { Segments } from './campaigns/segments.js';
import { Mail } from './mail/mail.js';
import { watchModemAlerts } from './mail/modem-alerts.js';
import { Feedback } from './feedback/feedback.js';
import { feedbackHandler } from './feedback/inbound.js';
import { Subscriptions } from './subscriptions/subscriptions.js';
import { topicCommandHandler } from './subscriptions/topic-commands.js';
import { Magazine } from './subscriptions/magazine.js';
import { Surveys } from './surveys/surveys.js';
import { DailyRollup } from './reports/rollup.js';
import { Reports } from './reports/reports.js';
import { ReportSchedules } from './reports/schedules.js';
import type { ReportSources } from './reports/sources.js';
import { wiredReportSources } from './reports/wired-sources.js';
import { Care } from './care/care.js';
import { invitationReplies } from './care/rsvp.js';
import { INBOUND_ORDER } from './messaging/inbox/inbox.js';
import { VERSION } from './version.js';
import { limitHeapGrowth } from './runtime/heap-growth.js';

export type { ApplianceConfig } from './config.js';
export type { ApplianceServices } from './services.js';

export interface OpenOptions {
  clock?: Clock;
  /** Take the data-directory lock (the service does; short CLI commands don't). */
  lock?: boolean;
}

export interface OpenedCore {
  services: ApplianceServices;
  migrationsApplied: string[];
  /** Stops everything that was started, in reverse order. */
  close(): Promise<void>;
}

/**
 * Opens the data directory, database and services without serving anything:
 * what `storemas serve` and the desktop app build on, and what CLI commands
 * such as `user add` use directly. Any failure undoes what was opened.
 */
export async function openCore(rawConfig: ApplianceConfig, options: OpenOptions = {}): Promise<OpenedCore> {
  const config = validateConfig(rawConfig);
  limitHeapGrowth();
  const clock = options.clock ?? systemClock;
  const stack: Array<() => Promise<void> | void> = [];
  const close = async () => {
    while (stack.length > 0) {
      const stop = stack.pop()!;
      try {
        await stop();
      } catch {
        // Keep stopping the rest: a failed close must not leave the database open.
      }
    }
  };
  try {
    prepareDataDir(config.dataDir);
    if (options.lock !== false) stack.push(lockDataDir(config.dataDir));
    const databaseFile = databasePath(config.dataDir);
    await checkDatabaseFile(databaseFile);
    const { logger, close: closeLogger } = createLogger(config);
    stack.push(closeLogger);
    const db = openSqlite(databaseFile);
    stack.push(() => db.destroy());
    let migrationsApplied: string[];
    try {
      ({ applied: migrationsApplied } = await migrateToLatest(db));
    } catch (error) {
      throw isAppError(error) ? error : classifySqliteError(error, databaseFile);
    }
    if (migrationsApplied.length > 0) logger.info({ migrations: migrationsApplied }, 'database migrated');
    stack.push(await startWalCheckpointer(databaseFile, db, { onError: (err) => logger.warn({ err }, 'WAL checkpoint failed') }));
    const events = new EventBus(() => clock.now());
    const audit = new AuditLog(db, clock);
    const users = new Users(db, clock, audit, events, config.auth);
    const settings = new Settings(db, clock, audit, events);
    const secrets = loadOrCreateSecretBox(config.dataDir);
    const store = new StoreMirror(db, clock, secrets, events, audit, logger.child({ component: 'store' }));
    const members = new Members(db, clock, audit, secrets);
    stack.push(() => store.stop());
    const lists = new NumberLists(db, clock, audit, async () => (await settings.get('policy')).timeZone, events);
    // The modems stop after the dispatcher (the stack runs backwards); what they receive goes to the inbox.
    const modems = new ModemPool({
      db,
      clock,
      events,
      audit,
      secrets,
      logger: logger.child({ component: 'modems' }),
      sink: {
        storeInbound: (m) => messaging.sink.storeInbound(m),
        storeStatusReport: (r) => messaging.sink.storeStatusReport(r),
        storePart: (p) => messaging.sink.storePart(p),
        waitingParts: (modemId) => messaging.sink.waitingParts(modemId),
        dropParts: (modemId, keys) => messaging.sink.dropParts(modemId, keys),
      },
    });
    stack.push(() => modems.stop());
    const messaging = new Messaging({ db, clock, audit, events, logger: logger.child({ component: 'messaging' }), settings, lists });
    stack.push(() => messaging.stop());
    const strategies = new Strategies({ db, clock, audit, events, logger: logger.child({ component: 'strategies' }), settings, messaging });
    stack.push(() => strategies.stop());
    stack.push(store.onDidFinishSync(() => strategies.recomputeAfterSync()));
    const masDb = new MasDatabaseInterface({
      db,
      clock,
      audit,
      events,
      logger: logger.child({ component: 'mas-db' }),
      secrets,
      settings,
      outbox: messaging.outbox,
      modems,
      onQueued: () => messaging.poke(),
    });
    stack.push(() => masDb.stop());
    const staff = new StaffDirectory(db, clock, audit, events, config.auth.scryptCost);
    const products = new ProductSearch(db, events, logger.child({ component: 'sms-services' }));
    stack.push(() => products.stop());
    // 促销, 策略 and 同意/拒绝 are answered from the strategy engine.
    const smsServices = new SmsServices({ db, clock, audit, events, logger: logger.child({ component: 'sms-services' }), settings, lists, staff, products, strategies });
    smsServices.attach(messaging.inbox); // at the keyword services' place, after opt-out
    // The 库存 product index follows the mirror.
    stack.push(store.onDidFinishSync(() => products.requestRefresh()));
    const integrations = new Integrations({ db, clock, events, audit, secrets, logger, settings, messaging, version: VERSION });
    stack.push(() => integrations.stop());
    const segments = new Segments(db, clock, audit, events);
    const campaigns = new Campaigns({
      db,
      clock,
      audit,
      events,
      logger: logger.child({ component: 'campaigns' }),
      settings,
      messaging,
      modems,
      segments,
      lookupLists: (numbers, now, trx) => lists.lookup(numbers, now, trx),
    });
    stack.push(() => campaigns.stop());
    const mail = new Mail({ db, clock, settings, secrets, audit, events, logger: logger.child({ component: 'mail' }) });
    stack.push(() => mail.stop());
    stack.push(
      watchModemAlerts({ events, mail, settings, clock, logger: logger.child({ component: 'mail' }), limitsOf: async (id) => (await modems.list()).find((m) => m.config.id === id)?.config.limits }),
    );
    const subscriptions = new Subscriptions({ db, clock, audit, events, members });
    const feedback = new Feedback({ db, clock, audit, events, logger: logger.child({ component: 'feedback' }), settings, lists, messaging, mail });
    stack.push(() => feedback.stop());
    const magazine = new Magazine({ db, clock, audit, events, logger: logger.child({ component: 'magazine' }), settings, subscriptions, messaging, promotions: () => strategies.activePromotions() });
    stack.push(() => magazine.stop());
    // Each capability's handler takes its place in the inbound chain (INBOUND_ORDER), after the opt-out.
    for (const { handler, order } of [topicCommandHandler(subscriptions), feedbackHandler(feedback, settings)]) messaging.inbox.use(handler, order);
    const surveys = new Surveys({ db, clock, audit, events, logger: logger.child({ component: 'surveys' }), settings, messaging, members });
    stack.push(() => surveys.stop());
    stack.push(surveys.attach((handler, order) => messaging.inbox.use(handler, order), INBOUND_ORDER));
    const reportRollup = new DailyRollup({ db, clock, logger: logger.child({ component: 'reports' }), events, timeZone: async () => (await settings.get('policy')).timeZone });
    stack.push(() => reportRollup.stop());
    const care = new Care({ db, clock, audit, events, logger: logger.child({ component: 'care' }), settings, messaging, lists });
    await care.load();
    stack.push(() => care.stop());
    // The dashboard and reports read e-mail, feedback tickets, scheduled campaigns and care's next sends through their interfaces.
    const wiredSources = wiredReportSources({ mail, feedback, campaigns, care, clock, events });
    stack.push(wiredSources.stop);
    const reportSources: ReportSources = wiredSources.sources;
    const reports = new Reports({ db, clock, audit, settings, rollup: reportRollup, surveys, feedback: reportSources.feedback });
    const reportSchedules = new ReportSchedules({ db, clock, logger: logger.child({ component: 'report-schedules' }), audit, settings, reports, surveys, mail: reportSources.mail });
    stack.push(() => reportSchedules.stop());
    stack.push(messaging.inbox.use(invitationReplies({ clock, timeZone: async () => (await settings.get('policy')).timeZone, onRsvp: (id) => events.publish('care.changed', { automationId: id, reason: 'rsvp' }, 'campaigns.read') }), INBOUND_ORDER.invitations));
    const services: ApplianceServices = {
      version: VERSION,
      config,
      clock,
      db,
      databaseFile,
      logger,
      events,
      audit,
      users,
      settings,
      secrets,
      store,
      members,
      lists,
      messaging,
      modems,
      masDb,
      templates: new Templates(db, clock, audit),
      strategies,
      segments,
      campaigns,
      // The care automations' occurrences and holidays: empty until the care service is wired here at merge.
      careCalendar: care, // 活动日历: the care automations' occurrences and the year's holidays
      mail,
      feedback,
      subscriptions,
      magazine,
      surveys,
      reports,
      reportRollup,
      reportSchedules,
      reportSources,
      care,
      lanCertificate: new LanCertificate({ dataDir: config.dataDir, clock, audit, events, logger: logger.child({ component: 'lan' }) }),
      staff,
      smsServices,
      integrations,
      startedAt: clock.now(),
    };
    return { services, migrationsApplied, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface StartResult {
  /** Where this machine opens the admin UI (plain HTTP on loopback: the desktop window loads it). */
  url: string;
  host: string;
  port: number;
  /** With LAN access on: the https addresses other machines use and the certificate staff check. */
  lan: { urls: string[]; fingerprint256: string } | undefined;
  /** Set only on the very first start: show it once, it is never logged. */
  initialAdminPassword: string | undefined;
  initialPasswordFile: string | undefined;
}

export interface Appliance {
  start(): Promise<StartResult>;
  /** Stops accepting requests, lets in-flight ones finish, then stops every service. */
  stop(): Promise<void>;
  readonly services: ApplianceServices;
  readonly server: FastifyInstance;
  readonly logger: Logger;
}

/** How often a running appliance checks whether its generated LAN certificate is due for renewal. */
const CERTIFICATE_CHECK_INTERVAL_MS = 12 * 3600_000;

/** The composition root: everything the appliance runs, wired explicitly. */
export function createAppliance(rawConfig: ApplianceConfig, options: OpenOptions = {}): Appliance {
  const config = validateConfig(rawConfig);
  let core: OpenedCore | undefined;
  let server: FastifyInstance | undefined;
  let lanListener: LanListener | undefined;
  const timers: NodeJS.Timeout[] = [];
  let closeCloudMasPort: (() => Promise<void>) | undefined;
  let stopping: Promise<void> | undefined;

  // A stray rejected promise (a timer's callback, a stream's write) is logged, never fatal:
  // nothing a request does may take the store's appliance down.
  const onUnhandledRejection = (reason: unknown) => {
    core?.services.logger.error({ err: reason }, 'unhandled promise rejection (kept running)');
  };
  const stop = async () => {
    stopping ??= (async () => {
      process.off('unhandledRejection', onUnhandledRejection);
      for (const timer of timers) clearInterval(timer);
      lanListener?.close(); // connections not yet handed to HTTP: the graceful close below would wait for them
      await closeCloudMasPort?.();
      if (server) await server.close();
      if (core) {
        core.services.logger.info('StoreMAS stopped');
        await core.close();
      }
    })();
    return stopping;
  };

  return {
    get services() {
      if (!core) throw new Error('The appliance has not been started.');
      return core.services;
    },
    get server() {
      if (!server) throw new Error('The appliance has not been started.');
      return server;
    },
    get logger() {
      if (!core) throw new Error('The appliance has not been started.');
      return core.services.logger;
    },
    async start() {
      core = await openCore(config, { ...options, lock: options.lock ?? true });
      process.on('unhandledRejection', onUnhandledRejection);
      const { services } = core;
      try {
        const initialAdminPassword = await services.users.ensureInitialAdmin();
        // A first run that failed later (say, port in use) left the password file: point to it again.
        const initialPasswordFile = initialAdminPassword
          ? writeInitialPasswordFile(config.dataDir, initialAdminPassword)
          : existingInitialPasswordFile(config.dataDir);
        server = await buildServer(services);
        const lanAccess = config.lanAccessOverride ?? (await services.settings.get('lanAccess'));
        const host = lanAccess ? '0.0.0.0' : config.host;
        // Reachable from other machines (LAN access, or --host set to a LAN address): HTTPS for them.
        const servesLan = !isLoopbackAddress(host);
        if (servesLan) {
          const { lanCertificate } = services;
          await lanCertificate.ensure();
          const listener = serveHttpsAndLocalHttp(server.server, { certificate: lanCertificate.pair(), logger: services.logger.child({ component: 'lan' }) });
          lanListener = listener;
          lanCertificate.onDidChange((pair) => listener.setCertificate(pair));
          timers.push(
            setInterval(() => {
              lanCertificate.ensure().catch((error: unknown) => services.logger.error({ err: error }, 'LAN certificate renewal failed'));
            }, CERTIFICATE_CHECK_INTERVAL_MS),
          );
        }
        try {
          await server.listen({
            host,
            port: config.port,
            // Fastify names every address http://; other machines are served HTTPS only.
            listenTextResolver: (address) => `Server listening at ${isLoopbackAddress(new URL(address).hostname.replace(/^\[|\]$/g, '')) ? address : address.replace(/^http:/, 'https:')}`,
          });
        } catch (error) {
          if (systemErrorCode(error) === 'EADDRINUSE') {
            throw new StartupError(
              'PORT_IN_USE',
              `Port ${config.port} on ${host} is already in use (another StoreMAS or program). ` +
                'Stop it, or start with another --port.',
            );
          }
          if (systemErrorCode(error) === 'EACCES') {
            throw new StartupError('PORT_DENIED', `Not allowed to listen on port ${config.port}; use a port above 1024.`);
          }
          throw error;
        }
        const address = server.server.address();
        const port = address && typeof address === 'object' ? address.port : config.port;
        timers.push(
          setInterval(() => {
            services.users.sweepExpiredSessions().catch((error: unknown) => services.logger.warn({ err: error }, 'session sweep failed'));
          }, 60_000),
        );
        services.store.start(); // scheduled POS syncs; stopped with the core
        services.smsServices.requestProductIndexRefresh(); // catches up with a mirror synced before this version
        await services.integrations.start(); // pushes and webhooks, before the modems report anything; stopped with the core
        closeCloudMasPort = await listenCloudMas(services); // the 云MAS interface on its own port, when one is set
        await services.modems.start(); // opens the configured modems' ports; stopped with the core
        await services.messaging.start(await defaultOutboundChannel(services)); // the dispatcher; stopped with the core
        services.strategies.start(); // the strategies' date sweep; stopped with the core
        await services.masDb.start(); // serves the MAS tables once the outbox sends; stopped with the core
        services.campaigns.start(); // the campaign scheduler; stopped with the core
        services.mail.start(); // the mail queue's worker; stopped with the core
        services.feedback.start(); // auto-close, expired satisfaction questions, the daily digest; stopped with the core
        services.magazine.start(); // the 电子杂志's schedule; stopped with the core
        services.surveys.start(); // the survey sessions' timeout sweep; stopped with the core
        services.reportRollup.start(); // the daily aggregates behind the dashboard and reports; stopped with the core
        services.reportSchedules.start(); // e-mailed reports (the periodic satisfaction report); stopped with the core
        services.care.start(); // member care's daily automations; stopped with the core
        const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
        const url = servesLan && host !== '0.0.0.0' ? `https://${host}:${port}/` : `http://${shownHost}:${port}/`;
        const certificate = servesLan ? services.lanCertificate.info() : undefined;
        const lan = certificate
          ? { urls: host === '0.0.0.0' ? lanUrls(port) : [`https://${host}:${port}/`], fingerprint256: certificate.fingerprint256 }
          : undefined;
        services.logger.info({ url, host, lan, dataDir: config.dataDir, version: services.version }, 'StoreMAS started');
        return { url, host, port, lan, initialAdminPassword, initialPasswordFile };
      } catch (error) {
        await stop();
        throw error;
      }
    },
    stop,
  };
}

/** Where the built admin UI sits relative to the repository (source runs and `npm start`). */
export function defaultRendererDir(repoRoot: string): string {
  return path.join(repoRoot, 'out', 'renderer');
}
