import { Type, type Static } from 'typebox';
import { PageQuery } from './common.js';
import { ImportModeSchema } from './lists.js';

export const StaffSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  mobile: Type.String({ description: 'E.164' }),
  role: Type.String(),
  allStores: Type.Boolean(),
  storeCodes: Type.Array(Type.String()),
  mayApprove: Type.Boolean(),
  active: Type.Boolean(),
  hasPin: Type.Boolean({ description: 'The PIN itself is stored hashed and never returned' }),
  note: Type.String(),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  deactivatedAt: Type.Union([Type.Null(), Type.Number()]),
});
export type StaffDto = Static<typeof StaffSchema>;

export const StaffQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the name, role or number' })),
  active: Type.Optional(Type.Boolean()),
  ...PageQuery,
});
export const StaffPage = Type.Object({ items: Type.Array(StaffSchema), total: Type.Integer() });
export type StaffPageDto = Static<typeof StaffPage>;

const StaffFields = {
  name: Type.String({ maxLength: 64 }),
  mobile: Type.String({ maxLength: 40 }),
  role: Type.String({ maxLength: 64 }),
  allStores: Type.Boolean(),
  storeCodes: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 500 }),
  mayApprove: Type.Boolean(),
  active: Type.Boolean(),
  pin: Type.String({ maxLength: 12, description: '4–6 digits; empty removes the PIN; omit to keep it' }),
  note: Type.String({ maxLength: 400 }),
};
export const CreateStaffBody = Type.Object({
  name: StaffFields.name,
  mobile: StaffFields.mobile,
  role: Type.Optional(StaffFields.role),
  allStores: Type.Optional(StaffFields.allStores),
  storeCodes: Type.Optional(StaffFields.storeCodes),
  mayApprove: Type.Optional(StaffFields.mayApprove),
  active: Type.Optional(StaffFields.active),
  pin: Type.Optional(StaffFields.pin),
  note: Type.Optional(StaffFields.note),
});
export type CreateStaffDto = Static<typeof CreateStaffBody>;
export const UpdateStaffBody = Type.Partial(Type.Object(StaffFields));
export type UpdateStaffDto = Static<typeof UpdateStaffBody>;

export const ImportStaffBody = Type.Object({
  fileName: Type.String({ minLength: 1, maxLength: 255, description: 'Decides the format: .csv or .xlsx' }),
  contentBase64: Type.String({ minLength: 1 }),
  mode: ImportModeSchema,
  dryRun: Type.Optional(Type.Boolean()),
});

export const StaffImportReportSchema = Type.Object({
  mode: ImportModeSchema,
  dryRun: Type.Boolean(),
  rows: Type.Integer(),
  good: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(
    Type.Object({
      row: Type.Integer(),
      column: Type.String(),
      value: Type.String(),
      code: Type.String(),
      message: Type.String(),
      params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
    }),
  ),
  committed: Type.Boolean(),
});
export type StaffImportReportDto = Static<typeof StaffImportReportSchema>;
