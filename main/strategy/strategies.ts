import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import type { Settings } from '../settings/settings.js';
import { StrategyError } from './errors.js';
import type {
  ApproveOptions,
  ManualPromotionInput,
  Promotion,
  PushAudience,
  PushResult,
  RecomputeOptions,
  RecomputeSummary,
  Strategy,
  StrategyActor,
  StrategyQuery,
} from './types.js';

export interface StrategiesDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
}

const pending = (what: string): never => {
  throw new StrategyError('STRATEGY_NOT_FOUND', `${what}: the strategy engine is being built.`, 501);
};

/**
 * The strategy engine (营销策略): suggestions from stock thresholds, their
 * states (suggested → approved → active → ended, or rejected), the active
 * promotions the 促销 keyword answers with, and the one-click push to members.
 * CONTRACT SKELETON — the implementations follow in the next commits.
 */
export class Strategies {
  constructor(private readonly deps: StrategiesDeps) {}

  async recompute(_options: RecomputeOptions = {}): Promise<RecomputeSummary> {
    return pending('recompute');
  }

  async list(_query: StrategyQuery): Promise<{ items: Strategy[]; total: number }> {
    return pending('list');
  }

  async get(_id: number): Promise<Strategy> {
    return pending('get');
  }

  async activePromotions(_options: { preferStoreCode?: string | null; storeCodes?: string[] | 'all'; now?: number }): Promise<Promotion[]> {
    return pending('activePromotions');
  }

  async approve(_id: number, _by: StrategyActor, _options: ApproveOptions = {}): Promise<Strategy> {
    return pending('approve');
  }

  async reject(_id: number, _by: StrategyActor, _reason?: string): Promise<Strategy> {
    return pending('reject');
  }

  async createManualPromotion(_by: StrategyActor, _input: ManualPromotionInput): Promise<Strategy> {
    return pending('createManualPromotion');
  }

  async pushAudience(_id: number): Promise<PushAudience> {
    return pending('pushAudience');
  }

  async pushToMembers(_id: number, _actor: AuditActor, _text: string): Promise<PushResult> {
    return pending('pushToMembers');
  }
}
