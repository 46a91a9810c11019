import { EpochMs, MAX_CENTS, Pagination } from './common.js';
import { Type, type Static } from 'typebox';
import { CONSENT_SOURCES, type ConsentSource } from '../../members/consent.js';
import { MEMBER_GENDERS, MEMBER_SOURCES, MemberFilterSchema, MemberSortSchema, type MemberGender, type MemberSource } from '../../members/filter.js';

export { MemberFilterSchema, MemberSortSchema };

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const GenderSchema = Type.Unsafe<MemberGender>({ type: 'string', enum: [...MEMBER_GENDERS] });
export const SourceSchema = Type.Unsafe<MemberSource>({ type: 'string', enum: [...MEMBER_SOURCES] });

export const MemberSummarySchema = Type.Object({
  id: Type.Integer(),
  source: SourceSchema,
  storeCode: Nullable(Type.String()),
  cardNo: Nullable(Type.String()),
  name: Type.String(),
  gender: GenderSchema,
  birthday: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  birthdayLunar: Type.Boolean(),
  age: Nullable(Type.Integer()),
  mobile: Nullable(Type.String({ description: 'E.164, e.g. +8613800138000' })),
  idNumberMasked: Nullable(Type.String({ description: '****…1234' })),
  points: Type.Integer(),
  totalSpentCents: Type.Integer(),
  lastPurchaseAt: Nullable(Type.Number()),
  lastPurchaseCents: Nullable(Type.Integer()),
  marketingConsent: Type.Boolean(),
  tags: Type.Array(Type.String()),
});
export type MemberSummary = Static<typeof MemberSummarySchema>;

export const MemberDetailSchema = Type.Intersect([
  MemberSummarySchema,
  Type.Object({
    sourceKey: Nullable(Type.String()),
    phone: Nullable(Type.String({ description: 'A landline or service number from the POS (E.164); it cannot receive SMS' })),
    storeName: Nullable(Type.String()),
    /** Where the marketing consent last came from (sms-opt-out: the customer texted TD) and when; null: as created. */
    marketingConsentSource: Nullable(Type.Unsafe<ConsentSource>({ type: 'string', enum: [...CONSENT_SOURCES] })),
    marketingConsentAt: Nullable(Type.Number()),
    idNumber: Nullable(Type.String({ description: 'Full ID number: only for roles with members.viewIdNumber, else null' })),
    notes: Type.String(),
    profileEditable: Type.Boolean({ description: 'false for POS members: their profile comes from the POS' }),
    createdAt: Type.Number(),
    updatedAt: Type.Number(),
    sourceUpdatedAt: Nullable(Type.Number()),
  }),
]);
export type MemberDetail = Static<typeof MemberDetailSchema>;

export const MemberSearchBody = Type.Object(
  {
    filter: Type.Optional(MemberFilterSchema),
    sort: Type.Optional(MemberSortSchema),
    ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
  },
  { additionalProperties: false },
);
export type MemberSearchRequest = Static<typeof MemberSearchBody>;

export const MemberSearchResponse = Type.Object({
  items: Type.Array(MemberSummarySchema),
  total: Type.Integer({ description: 'members matching, counted up to 10,000' }),
  totalExact: Type.Boolean({ description: 'false: at least `total` members match (the list shows 10,000+)' }),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type MemberSearchResult = Static<typeof MemberSearchResponse>;

/** The GET form of a search: the filter flattened into query parameters (also the CLI's export options). */
export const MemberSearchQuery = Type.Object({
  filter: Type.Optional(
    Type.String({ maxLength: 8000, description: 'The whole MemberFilter as JSON (what the UI sends); the other filter parameters are ignored with it' }),
  ),
  keyword: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 64 })),
  nameMatch: Type.Optional(Type.Union([Type.Literal('prefix'), Type.Literal('contains')])),
  mobile: Type.Optional(Type.String({ maxLength: 20 })),
  cardNo: Type.Optional(Type.String({ maxLength: 32 })),
  store: Type.Optional(Type.String({ maxLength: 2000, description: 'store codes, comma-separated' })),
  gender: Type.Optional(Type.String({ maxLength: 8, description: 'M, F, U, comma-separated' })),
  source: Type.Optional(Type.String({ maxLength: 32, description: 'pos, manual, import, comma-separated' })),
  ageMin: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
  ageMax: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
  birthdayFrom: Type.Optional(Type.String({ pattern: '^\\d{2}-\\d{2}$', description: 'MM-DD' })),
  birthdayTo: Type.Optional(Type.String({ pattern: '^\\d{2}-\\d{2}$', description: 'MM-DD' })),
  pointsMin: Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })),
  pointsMax: Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })),
  spentMinCents: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CENTS })),
  spentMaxCents: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CENTS })),
  lastPurchaseFrom: Type.Optional(EpochMs({ description: 'epoch ms' })),
  lastPurchaseTo: Type.Optional(EpochMs({ description: 'epoch ms' })),
  neverPurchased: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated' })),
  tagMatch: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('all')])),
  consent: Type.Optional(Type.Boolean()),
  sort: Type.Optional(Type.String({ maxLength: 32 })),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
});
export type MemberSearchQuery = Static<typeof MemberSearchQuery>;

const ProfileFields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  gender: GenderSchema,
  birthday: Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  birthdayLunar: Type.Boolean(),
  mobile: Nullable(Type.String({ maxLength: 32 })),
  cardNo: Nullable(Type.String({ minLength: 1, maxLength: 32 })),
  storeCode: Nullable(Type.String({ minLength: 1, maxLength: 32 })),
  idNumber: Nullable(Type.String({ maxLength: 32 })),
  points: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
};
const OwnFields = {
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 50 }),
  marketingConsent: Type.Boolean(),
  notes: Type.String({ maxLength: 2000 }),
};

export const MemberCreateBody = Type.Object(
  {
    name: ProfileFields.name,
    gender: Type.Optional(ProfileFields.gender),
    birthday: Type.Optional(ProfileFields.birthday),
    birthdayLunar: Type.Optional(ProfileFields.birthdayLunar),
    mobile: Type.Optional(ProfileFields.mobile),
    cardNo: Type.Optional(ProfileFields.cardNo),
    storeCode: Type.Optional(ProfileFields.storeCode),
    idNumber: Type.Optional(ProfileFields.idNumber),
    points: Type.Optional(ProfileFields.points),
    tags: Type.Optional(OwnFields.tags),
    marketingConsent: Type.Optional(OwnFields.marketingConsent),
    notes: Type.Optional(OwnFields.notes),
  },
  { additionalProperties: false },
);
export type MemberCreateInput = Static<typeof MemberCreateBody>;

export const MemberUpdateBody = Type.Partial(Type.Object({ ...ProfileFields, ...OwnFields }, { additionalProperties: false }));
export type MemberUpdateInput = Static<typeof MemberUpdateBody>;

export const PurchaseLineSchema = Type.Object({
  lineNo: Type.Integer(),
  productCode: Type.String(),
  productName: Nullable(Type.String()),
  quantity: Type.Number(),
  unitPriceCents: Nullable(Type.Integer()),
  amountCents: Type.Integer(),
});

export const PurchaseSchema = Type.Object({
  receiptNo: Type.String(),
  storeCode: Nullable(Type.String()),
  storeName: Nullable(Type.String()),
  soldAt: Type.Number(),
  totalCents: Type.Integer(),
  points: Nullable(Type.Integer()),
  lines: Type.Array(PurchaseLineSchema),
});
export type Purchase = Static<typeof PurchaseSchema>;

export const PurchasesResponse = Type.Object({
  items: Type.Array(PurchaseSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  mirrorAvailable: Type.Boolean({ description: 'false while no store mirror (sales tables) exists' }),
});
export type PurchasesResult = Static<typeof PurchasesResponse>;

export const MemberMessageSchema = Type.Object({
  direction: Type.Union([Type.Literal('out'), Type.Literal('in')]),
  id: Type.Integer({ description: 'outbox message id (out) or inbox message id (in)' }),
  text: Type.String(),
  at: Type.Number({ description: 'queued (out) or received (in), epoch ms' }),
  status: Type.String({ description: "outbox status, or 'received'" }),
  category: Nullable(Type.String()),
  modemId: Nullable(Type.String()),
  automatic: Type.Boolean({ description: 'an automatic reply rather than a person or a campaign' }),
});
export type MemberMessageDto = Static<typeof MemberMessageSchema>;

export const MemberMessagesResponse = Type.Object({
  items: Type.Array(MemberMessageSchema),
  page: Type.Integer(),
  hasMore: Type.Boolean(),
});
export type MemberMessagesResult = Static<typeof MemberMessagesResponse>;

export const ImportModeSchema = Type.Union([Type.Literal('all-or-nothing'), Type.Literal('keep-good')]);

export const MemberImportBody = Type.Object(
  {
    fileName: Type.String({ minLength: 1, maxLength: 255, description: 'ends in .xlsx or .csv' }),
    contentBase64: Type.String({ minLength: 1 }),
    mode: ImportModeSchema,
    dryRun: Type.Optional(Type.Boolean({ description: 'validate only, change nothing' })),
  },
  { additionalProperties: false },
);

export const ImportRowErrorSchema = Type.Object({
  row: Type.Integer({ description: 'row number in the file (the header is row 1)' }),
  column: Type.String(),
  value: Type.String(),
  code: Type.String({ description: 'stable code of the problem, e.g. MOBILE_INVALID (the UI translates it)' }),
  message: Type.String({ description: 'what is wrong and what to do' }),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]), { description: 'values for the translated text' })),
});
export type ImportRowError = Static<typeof ImportRowErrorSchema>;

export const MemberImportResponse = Type.Object({
  rowsRead: Type.Integer(),
  rowsValid: Type.Integer(),
  imported: Type.Integer(),
  rejected: Type.Integer(),
  committed: Type.Boolean({ description: 'false on a dry run, or when all-or-nothing met a bad row' }),
  errors: Type.Array(ImportRowErrorSchema),
  errorsTruncated: Type.Boolean(),
});
export type ImportResult = Static<typeof MemberImportResponse>;

export const TagsResponse = Type.Object({ items: Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() })) });

export const ExportQuery = Type.Intersect([
  MemberSearchQuery,
  Type.Object({ format: Type.Optional(Type.Union([Type.Literal('xlsx'), Type.Literal('csv')])) }),
]);
