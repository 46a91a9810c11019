import { Type, type Static } from 'typebox';

export const PolicySchema = Type.Object({
  whitelistMode: Type.Boolean(),
  quietHours: Type.Object({ enabled: Type.Boolean(), start: Type.String(), end: Type.String() }),
  timeZone: Type.String(),
  frequencyCap: Type.Object({ enabled: Type.Boolean(), maxMessages: Type.Integer(), windowDays: Type.Integer() }),
  optOutKeywords: Type.Array(Type.String()),
  optOutHint: Type.String(),
  optOutConfirmation: Type.String(),
  salutationFallback: Type.String(),
  salutationPrefix: Type.String(),
  signaturePosition: Type.Unsafe<'start' | 'end'>({ type: 'string', enum: ['start', 'end'] }),
  partLimit: Type.Integer(),
});

export const PolicyResponse = Type.Object({
  policy: PolicySchema,
  /** The store signature lives in the store settings; shown and edited here too. */
  smsSignature: Type.String(),
});
export type PolicyResponseDto = Static<typeof PolicyResponse>;

export const UpdatePolicyBody = Type.Object({
  policy: Type.Optional(
    Type.Object({
      whitelistMode: Type.Optional(Type.Boolean()),
      quietHours: Type.Optional(
        Type.Object({ enabled: Type.Optional(Type.Boolean()), start: Type.Optional(Type.String()), end: Type.Optional(Type.String()) }),
      ),
      timeZone: Type.Optional(Type.String()),
      frequencyCap: Type.Optional(
        Type.Object({
          enabled: Type.Optional(Type.Boolean()),
          maxMessages: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
        }),
      ),
      optOutKeywords: Type.Optional(Type.Array(Type.String(), { maxItems: 50 })),
      optOutHint: Type.Optional(Type.String()),
      optOutConfirmation: Type.Optional(Type.String()),
      salutationFallback: Type.Optional(Type.String()),
      salutationPrefix: Type.Optional(Type.String()),
      signaturePosition: Type.Optional(Type.Unsafe<'start' | 'end'>({ type: 'string', enum: ['start', 'end'] })),
      partLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    }),
  ),
  smsSignature: Type.Optional(Type.String()),
});
export type UpdatePolicyDto = Static<typeof UpdatePolicyBody>;
