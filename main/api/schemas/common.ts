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

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
};

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const standardErrors = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  500: Type.Ref('ErrorBody'),
};
