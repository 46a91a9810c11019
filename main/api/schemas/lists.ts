import { Type, type Static } from 'typebox';
import { EpochMs, PageQuery } from './common.js';

// Nullable request fields list Type.Null() first: with coerceTypes ajv would turn null into 0 or ''
// if the number/string branch were tried first.

/** A string enum with its TypeScript literal type (TypeBox's Union of Literals is heavier in OpenAPI). */
export const literalUnion = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const ListKindSchema = literalUnion(['black', 'white'] as const, 'black: 黑名单, white: 白名单');
export const ScopeSchema = literalUnion(
  ['all', 'marketing', 'inbound'] as const,
  'all: nothing at all; marketing: no marketing; inbound: no automatic answers to their texts',
);
export const SourceSchema = literalUnion(['manual', 'opt-out', 'complaint', 'import', 'lockout'] as const);

export const ListParams = Type.Object({ list: ListKindSchema });

export const ListEntrySchema = Type.Object({
  id: Type.Integer(),
  list: ListKindSchema,
  mobile: Type.String({ description: 'E.164, e.g. +8613800138000' }),
  scope: ScopeSchema,
  reason: Type.String(),
  source: SourceSchema,
  expiresAt: Type.Union([Type.Null(), Type.Number()]),
  expired: Type.Boolean(),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
});
export type ListEntryDto = Static<typeof ListEntrySchema>;

export const ListQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the number or the reason' })),
  includeExpired: Type.Optional(Type.Boolean()),
  ...PageQuery,
});

export const ListPage = Type.Object({ items: Type.Array(ListEntrySchema), total: Type.Integer() });
export type ListPageDto = Static<typeof ListPage>;

export const AddListEntryBody = Type.Object({
  mobile: Type.String({ minLength: 1, maxLength: 40 }),
  scope: Type.Optional(ScopeSchema),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
  source: Type.Optional(SourceSchema),
  expiresAt: Type.Optional(Type.Union([Type.Null(), EpochMs()], { description: 'Epoch ms; null: never expires' })),
});
export type AddListEntryDto = Static<typeof AddListEntryBody>;

export const UpdateListEntryBody = Type.Object({
  scope: Type.Optional(ScopeSchema),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
  expiresAt: Type.Optional(Type.Union([Type.Null(), EpochMs()])),
});
export type UpdateListEntryDto = Static<typeof UpdateListEntryBody>;

export const ImportModeSchema = literalUnion(
  ['keep-good', 'all-or-nothing'] as const,
  'keep-good: write the good rows and report the bad; all-or-nothing: any bad row means nothing is written',
);

export const ImportListBody = Type.Object({
  fileName: Type.String({ minLength: 1, maxLength: 255, description: 'Decides the format: .csv or .xlsx' }),
  contentBase64: Type.String({ minLength: 1 }),
  mode: ImportModeSchema,
  dryRun: Type.Optional(Type.Boolean({ description: 'Only check the file and report; write nothing' })),
});
export type ImportListDto = Static<typeof ImportListBody>;

export const ImportReportSchema = Type.Object({
  list: ListKindSchema,
  mode: ImportModeSchema,
  dryRun: Type.Boolean(),
  rows: Type.Integer(),
  good: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer(),
      input: Type.String(),
      code: Type.String(),
      message: Type.String({ description: 'The problem in English' }),
      params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'Values for a localized text of the code' })),
    }),
  ),
  committed: Type.Boolean(),
});
export type ImportReportDto = Static<typeof ImportReportSchema>;

export const ExportQuery = Type.Object({ format: Type.Optional(literalUnion(['csv', 'xlsx'] as const)) });

export const StatusQuery = Type.Object({ number: Type.String({ minLength: 1, maxLength: 40 }) });

export const ListStatusSchema = Type.Object({
  mobile: Type.String(),
  blacklist: Type.Union([
    Type.Object({ scope: ScopeSchema, source: SourceSchema, reason: Type.String(), expiresAt: Type.Union([Type.Null(), Type.Number()]) }),
    Type.Null(),
  ]),
  whitelist: Type.Union([Type.Object({ expiresAt: Type.Union([Type.Null(), Type.Number()]) }), Type.Null()]),
});
export type ListStatusDto = Static<typeof ListStatusSchema>;
