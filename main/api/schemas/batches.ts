import { Type, type Static } from 'typebox';
import { BATCH_STATES, type BatchState } from '../../messaging/batches/batches.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** Paging for the batch list: page 1..100000, pageSize 1..500 rows (the bounds every list route shares). */
export const BatchListQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })),
});

export const BatchSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: 'What made it: ui, cli, api, campaign …' }),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  state: Type.Unsafe<BatchState>({ type: 'string', enum: [...BATCH_STATES] }),
  stateChangedAt: Nullable(Type.Number()),
  stateChangedBy: Nullable(Type.String()),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'messages per status' }),
  total: Type.Integer(),
  waiting: Type.Integer({ description: 'queued or paused: no modem has them yet' }),
  done: Type.Integer({ description: 'out of the queue: sent, delivered, failed, blocked, cancelled or unknown' }),
  nextDueAt: Nullable(Type.Number()),
});
export type BatchDto = Static<typeof BatchSchema>;

export const BatchListResponse = Type.Object({ items: Type.Array(BatchSchema), total: Type.Integer() });
export type BatchListDto = Static<typeof BatchListResponse>;

export const BatchParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const EstimateQuery = Type.Object({
  parts: Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'SMS parts to send' }),
  modemId: Type.Optional(Type.String({ maxLength: 64, description: 'only this modem (a pinned send)' })),
});

export const EstimateSchema = Type.Object({
  seconds: Nullable(Type.Integer({ description: 'until the last part is out; null: no modem can send, or over a month' })),
  modems: Type.Integer(),
  partsPerHour: Type.Integer(),
});
export type EstimateDto = Static<typeof EstimateSchema>;
