import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { MESSAGE_CATEGORIES, type MessageCategory } from '../policy/policy.js';
import { compileTemplate } from '../render/render.js';

/** The library's shelves (营销库), from the seeds' list of what a store sends. */
export const TEMPLATE_CATEGORIES = [
  'holiday',
  'birthday',
  'member-offer',
  'non-member-offer',
  'e-coupon',
  'points',
  'survey',
  'notice',
  'auto-reply',
] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** What a template is sent as when nobody says otherwise; decides opt-out hint, quiet hours and caps. */
export const DEFAULT_MESSAGE_CATEGORY: Record<TemplateCategory, MessageCategory> = {
  holiday: 'care',
  birthday: 'care',
  'member-offer': 'marketing',
  'non-member-offer': 'marketing',
  'e-coupon': 'marketing',
  // A points reminder invites the customer back: commercial, as care.
  points: 'care',
  survey: 'care',
  notice: 'transactional',
  'auto-reply': 'reply',
};

export interface SmsTemplate {
  id: number;
  name: string;
  category: TemplateCategory;
  messageCategory: MessageCategory;
  body: string;
  archived: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface TemplateInput {
  name: string;
  category: TemplateCategory;
  messageCategory?: MessageCategory | undefined;
  body: string;
}

export interface TemplateQuery {
  q?: string | undefined;
  category?: TemplateCategory | undefined;
  archived?: boolean | undefined;
  page: number;
  pageSize: number;
}

interface TemplateRow {
  id: number;
  name: string;
  category: string;
  message_category: string;
  body: string;
  archived: number | boolean;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  updated_by: string;
}

function toTemplate(row: TemplateRow): SmsTemplate {
  return {
    id: Number(row.id),
    name: row.name,
    category: row.category as TemplateCategory,
    messageCategory: row.message_category as MessageCategory,
    body: row.body,
    archived: Boolean(row.archived),
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

function validName(name: string): string {
  const clean = name.trim();
  if (!clean) throw new ValidationError('Give the template a name.');
  if ([...clean].length > 64) throw new ValidationError('The template name must be at most 64 characters.');
  return clean;
}

function validBody(body: string): string {
  const clean = body.trim();
  if ([...clean].length > 1000) throw new ValidationError('The template text must be at most 1000 characters.');
  // Unknown placeholders and empty texts are refused when saved, not first when sent.
  compileTemplate(clean);
  return clean;
}

function validCategory(category: string): TemplateCategory {
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category)) {
    throw new ValidationError(`Category must be one of ${TEMPLATE_CATEGORIES.join(', ')}.`);
  }
  return category as TemplateCategory;
}

function validMessageCategory(category: string): MessageCategory {
  if (!(MESSAGE_CATEGORIES as readonly string[]).includes(category)) {
    throw new ValidationError(`Message category must be one of ${MESSAGE_CATEGORIES.join(', ')}.`);
  }
  return category as MessageCategory;
}

/** The template library (营销库): create, edit, archive (never delete: sent messages refer to them). */
export class Templates {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  async search(query: TemplateQuery): Promise<{ items: SmsTemplate[]; total: number }> {
    const base = this.db('sms_templates').where('archived', query.archived ?? false);
    if (query.category) base.andWhere('category', query.category);
    const q = query.q?.trim().replace(/[%_]/g, '');
    if (q) base.andWhere((w) => w.where('name', 'like', `%${q}%`).orWhere('body', 'like', `%${q}%`));
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: TemplateRow[] = await base
      .clone()
      .select('*')
      .orderBy('category')
      .orderBy('name')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toTemplate), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number): Promise<SmsTemplate> {
    const row: TemplateRow | undefined = await this.db('sms_templates').where('id', id).first();
    if (!row) throw new NotFoundError(`Template ${id}`);
    return toTemplate(row);
  }

  async create(actor: AuditActor, input: TemplateInput): Promise<SmsTemplate> {
    const category = validCategory(input.category);
    const values = {
      name: validName(input.name),
      category,
      message_category: validMessageCategory(input.messageCategory ?? DEFAULT_MESSAGE_CATEGORY[category]),
      body: validBody(input.body),
    };
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = await trx('sms_templates')
        .insert({ ...values, archived: false, created_at: now, created_by: actor.username, updated_at: now, updated_by: actor.username })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await this.audit.record(actor, 'templates.create', `${newId}`, { name: values.name, category }, trx);
      return newId;
    });
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, patch: Partial<TemplateInput> & { archived?: boolean | undefined }): Promise<SmsTemplate> {
    const current = await this.get(id);
    const changes: Record<string, unknown> = {};
    if (patch.name !== undefined) changes.name = validName(patch.name);
    if (patch.category !== undefined) changes.category = validCategory(patch.category);
    if (patch.messageCategory !== undefined) changes.message_category = validMessageCategory(patch.messageCategory);
    if (patch.body !== undefined) changes.body = validBody(patch.body);
    if (patch.archived !== undefined) changes.archived = patch.archived;
    if (Object.keys(changes).length === 0) return current;
    const action = patch.archived === true ? 'templates.archive' : patch.archived === false ? 'templates.restore' : 'templates.update';
    await this.db.transaction(async (trx) => {
      await trx('sms_templates').where('id', id).update({ ...changes, updated_at: this.clock.now(), updated_by: actor.username });
      await this.audit.record(actor, action, `${id}`, { name: current.name, changed: Object.keys(changes) }, trx);
    });
    return this.get(id);
  }
}
