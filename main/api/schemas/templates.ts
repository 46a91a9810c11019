import { Type, type Static } from 'typebox';
import { MAX_ID, PageQuery } from './common.js';
import { literalUnion } from './lists.js';

export const TemplateCategorySchema = literalUnion([
  'holiday',
  'birthday',
  'member-offer',
  'non-member-offer',
  'e-coupon',
  'points',
  'survey',
  'notice',
  'auto-reply',
] as const);
export const MessageCategorySchema = literalUnion(
  ['reply', 'care', 'transactional', 'marketing'] as const,
  'marketing gets the opt-out hint, quiet hours and caps; care and transactional reach members without marketing consent',
);

export const TemplateSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  category: TemplateCategorySchema,
  messageCategory: MessageCategorySchema,
  body: Type.String(),
  archived: Type.Boolean(),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
});
export type TemplateDto = Static<typeof TemplateSchema>;

export const TemplateQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64 })),
  category: Type.Optional(TemplateCategorySchema),
  archived: Type.Optional(Type.Boolean({ description: 'true: the archive; default: templates in use' })),
  ...PageQuery,
});

export const TemplatePage = Type.Object({ items: Type.Array(TemplateSchema), total: Type.Integer() });
export type TemplatePageDto = Static<typeof TemplatePage>;

export const CreateTemplateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  category: TemplateCategorySchema,
  messageCategory: Type.Optional(MessageCategorySchema),
  body: Type.String({ maxLength: 1000 }),
});
export type CreateTemplateDto = Static<typeof CreateTemplateBody>;

export const UpdateTemplateBody = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 64 }),
    category: TemplateCategorySchema,
    messageCategory: MessageCategorySchema,
    body: Type.String({ maxLength: 1000 }),
    archived: Type.Boolean(),
  }),
);
export type UpdateTemplateDto = Static<typeof UpdateTemplateBody>;

export const SampleMemberSchema = Type.Object({
  name: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
  gender: Type.Optional(Type.Union([Type.Null(), literalUnion(['M', 'F', 'U'] as const)])),
  points: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })])),
  storeName: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
  cardNo: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 32 })])),
  birthday: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 10 })])),
});
export type SampleMemberDto = Static<typeof SampleMemberSchema>;

export const PreviewBody = Type.Object({
  body: Type.String({ maxLength: 1000 }),
  messageCategory: MessageCategorySchema,
  memberId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'Preview for this member' })),
  sample: Type.Optional(SampleMemberSchema),
});
export type PreviewDto = Static<typeof PreviewBody>;

export const PreviewResponse = Type.Object({
  text: Type.String({ description: 'Exactly what the recipient reads' }),
  characters: Type.Integer(),
  parts: Type.Integer(),
  encoding: Type.String(),
  partLimit: Type.Integer(),
  withinLimit: Type.Boolean(),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  sample: SampleMemberSchema,
});
export type PreviewResultDto = Static<typeof PreviewResponse>;
