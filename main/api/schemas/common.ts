import { Type, type Static } from 'typebox';

/** The one error shape every route answers with: { error: { code, message } }. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. AUTH_REQUIRED' }),
      message: Type.String({ description: 'What went wrong and what to do, for a person' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const Ok = Type.Object({ ok: Type.Literal(true) });

/** The largest id a path or query accepts (ids are 32-bit integers in every supported database). */
export const MAX_ID = 2_147_483_647;

/** The latest time any request may name: the end of year 9999, in epoch milliseconds. */
export const MAX_EPOCH_MS = 253_402_300_799_999;
/** A point in time in a request (epoch ms), bounded so date arithmetic never overflows. */
export const EpochMs = (options: { description?: string } = {}) => Type.Number({ minimum: 0, maximum: MAX_EPOCH_MS, ...options });
/** Money in a request, in cents: up to 100 billion yuan. */
export const MAX_CENTS = 10_000_000_000_000;

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) });

/** The highest page a list serves: page × pageSize stays far inside SQL's and JavaScript's safe integers. */
export const MAX_PAGE = 100_000;

/** The one pagination schema every list route uses: bounded page and page size. */
export function Pagination(options: { maxPageSize?: number; defaultPageSize?: number; maxPage?: number } = {}) {
  return {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: options.maxPage ?? MAX_PAGE, default: 1 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: options.maxPageSize ?? 500, default: options.defaultPageSize ?? 50 })),
  };
}

export const PageQuery = Pagination();

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const standardErrors = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  500: Type.Ref('ErrorBody'),
};
