import { isSupportedCountry } from 'libphonenumber-js/max';
import { idNumberProblem, normaliseIdNumber } from '../members/id-number.js';
import { StoreError } from './errors.js';
import { assertIdentifier, assertSingleSelect } from './sql-guard.js';
import {
  DATE_FORMATS,
  FieldProblem,
  TIMESTAMP_FORMATS,
  isEmpty,
  toBoolean,
  toCents,
  toCode,
  toDate,
  toGender,
  toInteger,
  toMobile,
  toNumber,
  toPhone,
  toText,
  toTimestamp,
  type FieldOptions,
  type FieldType,
} from './transforms.js';

/**
 * Mappings: how one POS table (or SELECT) becomes one kind of mirror row.
 * A mapping is data (JSON in store_mappings), edited in the UI and checked
 * here; the sync and the dry-run preview both read rows through `convertRow`.
 */
export const ENTITIES = ['stores', 'members', 'products', 'inventory', 'sales', 'sale_lines'] as const;
export type Entity = (typeof ENTITIES)[number];

export interface TargetField {
  type: FieldType;
  required?: boolean;
  max?: number;
  /** Codes that identify a POS row: prefixed with the connection's key prefix. */
  key?: boolean;
  label: string;
}

/** What StoreMAS keeps of each entity. Order = sync order (members before sales, receipts before lines). */
export const TARGETS: Record<Entity, { label: string; key: readonly string[]; fields: Record<string, TargetField> }> = {
  stores: {
    label: '门店 stores',
    key: ['code'],
    fields: {
      code: { type: 'code', required: true, max: 32, key: true, label: 'store code' },
      name: { type: 'text', max: 64, label: 'name' },
      address: { type: 'text', max: 255, label: 'address' },
      phone: { type: 'text', max: 32, label: 'phone' },
      source_updated_at: { type: 'timestamp', label: 'changed at (source)' },
    },
  },
  members: {
    label: '会员 members',
    key: ['source_key'],
    fields: {
      source_key: { type: 'code', required: true, max: 64, key: true, label: 'POS member id' },
      card_no: { type: 'code', max: 32, label: 'card number' },
      name: { type: 'text', max: 64, label: 'name' },
      gender: { type: 'gender', label: 'gender' },
      birthday: { type: 'date', label: 'birthday' },
      birthday_lunar: { type: 'boolean', label: 'birthday is lunar' },
      mobile: { type: 'mobile', label: 'mobile' },
      phone: { type: 'phone', max: 20, label: 'landline' },
      marketing_consent: { type: 'boolean', label: 'accepts marketing SMS' },
      id_number: { type: 'idNumber', label: 'ID number' },
      store_code: { type: 'code', max: 32, key: true, label: 'home store' },
      last_purchase_at: { type: 'timestamp', label: 'last purchase time' },
      last_purchase_cents: { type: 'money', label: 'last purchase amount' },
      total_spent_cents: { type: 'money', label: 'total spent' },
      points: { type: 'integer', label: 'points' },
      points_expire_on: { type: 'date', label: 'points expire on (the POS’s own date)' },
      points_expiring: { type: 'integer', label: 'points expiring on that date' },
      source_updated_at: { type: 'timestamp', label: 'changed at (source)' },
    },
  },
  products: {
    label: '商品 products',
    key: ['code'],
    fields: {
      code: { type: 'code', required: true, max: 64, key: true, label: 'product code' },
      barcode: { type: 'code', max: 64, label: 'barcode' },
      name: { type: 'text', max: 128, label: 'name' },
      category: { type: 'text', max: 64, label: 'category' },
      unit: { type: 'text', max: 16, label: 'unit' },
      price_cents: { type: 'money', label: 'price' },
      source_updated_at: { type: 'timestamp', label: 'changed at (source)' },
    },
  },
  inventory: {
    label: '库存 inventory',
    key: ['store_code', 'product_code'],
    fields: {
      store_code: { type: 'code', required: true, max: 32, key: true, label: 'store code' },
      product_code: { type: 'code', required: true, max: 64, key: true, label: 'product code' },
      quantity: { type: 'number', required: true, label: 'quantity' },
      source_updated_at: { type: 'timestamp', label: 'changed at (source)' },
    },
  },
  sales: {
    label: '销售单 sales',
    key: ['receipt_no'],
    fields: {
      receipt_no: { type: 'code', required: true, max: 64, key: true, label: 'receipt number' },
      store_code: { type: 'code', max: 32, key: true, label: 'store code' },
      member_key: { type: 'code', max: 64, key: true, label: 'POS member id' },
      sold_at: { type: 'timestamp', required: true, label: 'sale time' },
      total_cents: { type: 'money', required: true, label: 'total' },
      points: { type: 'integer', label: 'points earned' },
      source_updated_at: { type: 'timestamp', label: 'changed at (source)' },
    },
  },
  sale_lines: {
    label: '销售明细 sale lines',
    key: ['receipt_no', 'line_no'],
    fields: {
      receipt_no: { type: 'code', required: true, max: 64, key: true, label: 'receipt number' },
      line_no: { type: 'integer', required: true, label: 'line number' },
      product_code: { type: 'code', required: true, max: 64, key: true, label: 'product code' },
      quantity: { type: 'number', required: true, label: 'quantity' },
      unit_price_cents: { type: 'money', label: 'unit price' },
      amount_cents: { type: 'money', required: true, label: 'amount' },
    },
  },
};

export type FieldMapping = FieldOptions & { column: string };

export type MappingSource = { kind: 'query'; sql: string } | { kind: 'table'; table: string };

export interface Watermark {
  /** Column of the source rows (as the SELECT names it) that grows with every change. */
  column: string;
  /** 'timestamp': a changed-at time; 'id': an increasing number (rows never change after insert). */
  kind: 'timestamp' | 'id';
}

export interface MappingDefinition {
  source: MappingSource;
  /** Target field -> source column and transform options. */
  fields: Record<string, FieldMapping>;
  watermark?: Watermark | undefined;
  /** Periodic full key comparison marks rows gone from the source as deleted. */
  detectDeletes: boolean;
}

function invalid(entity: string, message: string): never {
  throw new StoreError('MAPPING_INVALID', `The ${entity} mapping is not valid: ${message}`, 400);
}

const STRING_ARRAY_OPTIONS = ['male', 'female', 'unknown', 'trueValues', 'falseValues'] as const;

/** Checks a mapping a person edited; returns it normalised. Refuses any query that is not one SELECT. */
export function validateMapping(entity: Entity, raw: unknown): MappingDefinition {
  const target = TARGETS[entity];
  if (!target) invalid(String(entity), 'unknown entity');
  if (typeof raw !== 'object' || raw === null) invalid(entity, 'it must be an object with source and fields.');
  const value = raw as Record<string, unknown>;
  const source = value['source'] as Record<string, unknown> | undefined;
  let normalisedSource: MappingSource;
  if (source?.['kind'] === 'query' && typeof source['sql'] === 'string') {
    normalisedSource = { kind: 'query', sql: assertSingleSelect(source['sql']) };
  } else if (source?.['kind'] === 'table' && typeof source['table'] === 'string') {
    normalisedSource = { kind: 'table', table: assertIdentifier(source['table'], 'table name') };
  } else {
    invalid(entity, 'source must be { kind: "query", sql } or { kind: "table", table }.');
  }
  const fields: Record<string, FieldMapping> = {};
  const rawFields = value['fields'];
  if (typeof rawFields !== 'object' || rawFields === null) invalid(entity, 'fields must map StoreMAS fields to source columns.');
  for (const [name, rawField] of Object.entries(rawFields as Record<string, unknown>)) {
    const spec = target.fields[name];
    if (!spec) invalid(entity, `“${name}” is not a ${entity} field (known: ${Object.keys(target.fields).join(', ')}).`);
    if (typeof rawField !== 'object' || rawField === null || typeof (rawField as FieldMapping).column !== 'string' || (rawField as FieldMapping).column.trim() === '') {
      invalid(entity, `field “${name}” needs the source column it reads.`);
    }
    const field = rawField as FieldMapping;
    const normalised: FieldMapping = { column: field.column.trim() };
    if (normalisedSource.kind === 'table') assertIdentifier(normalised.column, `column of “${name}”`);
    if (field.format !== undefined) {
      const formats: readonly string[] = spec.type === 'date' ? DATE_FORMATS : spec.type === 'timestamp' ? TIMESTAMP_FORMATS : [];
      if (!formats.includes(field.format)) invalid(entity, `field “${name}” has the format “${field.format}”; use one of ${formats.join(', ') || '(none for this type)'}.`);
      normalised.format = field.format;
    }
    if (field.unit !== undefined) {
      if (field.unit !== 'yuan' && field.unit !== 'fen') invalid(entity, `field “${name}” unit must be yuan or fen.`);
      normalised.unit = field.unit;
    }
    if (field.timezone !== undefined) {
      if (!/^[+-]\d{2}:\d{2}$/.test(field.timezone)) invalid(entity, `field “${name}” time zone must look like +08:00.`);
      normalised.timezone = field.timezone;
    }
    if (field.region !== undefined) {
      if (!/^[A-Z]{2}$/.test(field.region) || !isSupportedCountry(field.region)) invalid(entity, `field “${name}” region must be a two-letter country code such as CN.`);
      normalised.region = field.region;
    }
    for (const option of STRING_ARRAY_OPTIONS) {
      const list = field[option];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) invalid(entity, `field “${name}” ${option} must be a list of texts.`);
      normalised[option] = list.map((v) => v.trim());
    }
    fields[name] = normalised;
  }
  for (const [name, spec] of Object.entries(target.fields)) {
    if (spec.required && !fields[name]) invalid(entity, `the field “${name}” (${spec.label}) must be mapped.`);
  }
  let watermark: Watermark | undefined;
  const rawWatermark = value['watermark'] as Record<string, unknown> | undefined | null;
  if (rawWatermark) {
    if (typeof rawWatermark['column'] !== 'string' || rawWatermark['column'].trim() === '') invalid(entity, 'the watermark needs a column.');
    if (rawWatermark['kind'] !== 'timestamp' && rawWatermark['kind'] !== 'id') invalid(entity, 'the watermark kind must be timestamp or id.');
    watermark = { column: assertIdentifier(rawWatermark['column'].trim(), 'watermark column'), kind: rawWatermark['kind'] };
  }
  return { source: normalisedSource, fields, watermark, detectDeletes: value['detectDeletes'] === true };
}

export interface QuoteFn {
  (identifier: string): string;
}

/** The SELECT the mapping reads, with the watermark condition for incremental sync. Always passes the guard. */
export function buildSelect(
  mapping: MappingDefinition,
  quote: QuoteFn,
  options: { after?: string | null | undefined; columns?: readonly string[]; count?: boolean } = {},
): { sql: string; bindings: unknown[] } {
  const inner =
    mapping.source.kind === 'query'
      ? assertSingleSelect(mapping.source.sql)
      : `SELECT * FROM ${mapping.source.table.split('.').map(quote).join('.')}`;
  const projection = options.count ? 'COUNT(*) AS n' : options.columns ? options.columns.map((c) => `src.${quote(c)}`).join(', ') : '*';
  let sql = `SELECT ${projection} FROM (${inner}) src`;
  const bindings: unknown[] = [];
  const watermark = mapping.watermark;
  if (watermark) {
    const column = `src.${quote(watermark.column)}`;
    if (options.after !== undefined && options.after !== null) {
      // >= rather than >: rows sharing the last time are read again (upserts are idempotent), never missed.
      sql += ` WHERE ${column} >= ?`;
      bindings.push(watermark.kind === 'id' ? Number(options.after) : options.after);
    }
    // Ordered by the watermark so each committed batch can advance it (a stopped sync resumes there).
    if (!options.count) sql += ` ORDER BY ${column}`;
  }
  return { sql: assertSingleSelect(sql), bindings };
}

export interface FieldError {
  field: string;
  column: string;
  value: string;
  problem: string;
}

export interface ConvertedRow {
  values: Record<string, unknown>;
  errors: FieldError[];
  /** A required field failed: the row is not written. */
  rejected: boolean;
  /** The mobile column held a landline or service number: kept as the phone number, the mobile left empty. */
  notMobile?: FieldError | undefined;
}

function showValue(value: unknown): string {
  if (value === null || value === undefined) return '(empty)';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function convertField(spec: TargetField, field: FieldMapping, raw: unknown, lunar: boolean): unknown {
  switch (spec.type) {
    case 'text':
      return toText(raw, spec.max ?? 255);
    case 'code':
      return toCode(raw, spec.max ?? 64);
    case 'gender':
      return toGender(raw, field);
    case 'date':
      return toDate(raw, field, lunar);
    case 'timestamp':
      return toTimestamp(raw, field);
    case 'mobile':
      return toMobile(raw, field);
    case 'phone':
      return toPhone(raw, field);
    case 'money':
      return toCents(raw, field);
    case 'number':
      return toNumber(raw);
    case 'integer':
      return toInteger(raw);
    case 'boolean':
      return toBoolean(raw, field);
    case 'idNumber': {
      const text = String(raw);
      const problem = idNumberProblem(text);
      if (problem) throw new FieldProblem(`is not a valid ID number: ${problem}`);
      return normaliseIdNumber(text);
    }
  }
}

/**
 * One source row -> the values StoreMAS keeps. A bad optional field becomes
 * empty and is reported; a bad or empty required field rejects the row.
 */
export function convertRow(entity: Entity, mapping: MappingDefinition, row: Record<string, unknown>, keyPrefix = ''): ConvertedRow {
  const target = TARGETS[entity];
  const values: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  let rejected = false;
  let notMobile: FieldError | undefined;
  let landline: string | undefined;
  // The lunar flag decides how the birthday is checked, so read it first.
  let lunar = false;
  const lunarField = mapping.fields['birthday_lunar'];
  if (entity === 'members' && lunarField && !isEmpty(row[lunarField.column])) {
    try {
      lunar = toBoolean(row[lunarField.column], lunarField);
    } catch {
      lunar = false;
    }
  }
  for (const [name, spec] of Object.entries(target.fields)) {
    const field = mapping.fields[name];
    if (!field) continue;
    if (!(field.column in row)) {
      errors.push({ field: name, column: field.column, value: '(missing)', problem: `the source has no column “${field.column}”` });
      if (spec.required) rejected = true;
      values[name] = null;
      continue;
    }
    const raw = row[field.column];
    if (isEmpty(raw)) {
      if (spec.required) {
        errors.push({ field: name, column: field.column, value: '(empty)', problem: 'is required but empty' });
        rejected = true;
      }
      values[name] = null;
      continue;
    }
    try {
      let value = convertField(spec, field, raw, lunar);
      if (spec.type === 'mobile') {
        const found = value as ReturnType<typeof toMobile>;
        value = found.kind === 'mobile' ? found.number : null;
        if (found.kind === 'landline') {
          // Not an error in the POS (the customer gave a landline), but it cannot receive SMS.
          landline = found.number;
          notMobile = { field: name, column: field.column, value: showValue(raw), problem: `${found.reason === 'LANDLINE' ? 'a landline' : 'a service number'}, not a mobile: kept as the phone number` };
        }
      }
      if (spec.key && typeof value === 'string' && keyPrefix) value = keyPrefix + value;
      values[name] = value;
    } catch (error) {
      const problem = error instanceof FieldProblem ? error.message : error instanceof Error ? error.message : String(error);
      errors.push({ field: name, column: field.column, value: showValue(raw), problem });
      if (spec.required) rejected = true;
      values[name] = null;
    }
  }
  // A landline from the mobile column is the phone, unless the POS has a phone column of its own that says otherwise.
  if (entity === 'members' && mapping.fields['mobile'] && (values['phone'] === null || values['phone'] === undefined)) values['phone'] = landline ?? null;
  return notMobile ? { values, errors, rejected, notMobile } : { values, errors, rejected };
}
