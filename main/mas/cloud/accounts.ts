import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { normalizeAddressList } from '../../integrations/addresses.js';
import type { MessageCategory } from '../../messaging/policy/policy.js';
import { templateSlots } from './protocol.js';

/** What a 云MAS account may send as: transactional by default, like the operator's MAS. */
export const CLOUD_MAS_CATEGORIES = ['transactional', 'care', 'marketing'] as const satisfies readonly MessageCategory[];
export type CloudMasCategory = (typeof CLOUD_MAS_CATEGORIES)[number];

export interface CloudMasSign {
  /** The signature code clients send in `sign`. */
  code: string;
  /** The 【签名】 text that code stands for. */
  text: string;
}

export interface CloudMasTemplate {
  /** The templateId clients send to /sms/tmpsubmit. */
  id: string;
  /** The text, with {1}, {2} … filled from `params` in order. */
  text: string;
}

/** What a person sets for an account (the secret apart). */
export interface CloudMasAccountInput {
  /** A name for people: the software it serves. */
  name: string;
  ecName: string;
  apId: string;
  signs: CloudMasSign[];
  templates: CloudMasTemplate[];
  allowedAddresses: string[];
  category: CloudMasCategory;
  /** Where status reports are pushed; null: not pushed. */
  reportUrl: string | null;
  /** Where inbound texts (replies) are pushed; null: not pushed. */
  inboundUrl: string | null;
  /** Also push texts that are not replies to this account's messages. */
  inboundAll: boolean;
  enabled: boolean;
}

export interface CloudMasAccount extends CloudMasAccountInput {
  id: number;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

interface AccountRow {
  id: number;
  name: string;
  ec_name: string;
  ap_id: string;
  secret_sealed: string;
  signs: string;
  templates: string;
  allowed_addresses: string;
  category: string;
  report_url: string | null;
  inbound_url: string | null;
  inbound_all: number | boolean;
  enabled: number | boolean;
  created_by: string;
  created_at: number | string;
  updated_at: number | string;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toAccount(row: AccountRow): CloudMasAccount {
  return {
    id: Number(row.id),
    name: row.name,
    ecName: row.ec_name,
    apId: row.ap_id,
    signs: parseJson<CloudMasSign[]>(row.signs, []),
    templates: parseJson<CloudMasTemplate[]>(row.templates, []),
    allowedAddresses: parseJson<string[]>(row.allowed_addresses, []),
    category: (CLOUD_MAS_CATEGORIES as readonly string[]).includes(row.category) ? (row.category as CloudMasCategory) : 'transactional',
    reportUrl: row.report_url,
    inboundUrl: row.inbound_url,
    inboundAll: Boolean(row.inbound_all),
    enabled: Boolean(row.enabled),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const SECRET_CONTEXT = 'cloud-mas-secret';
const SIGN_TEXT = /^【[^【】]{1,18}】$/;

function text(name: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new ValidationError(`${name} must not be empty.`);
  if ([...trimmed].length > max) throw new ValidationError(`${name} must be at most ${max} characters.`);
  return trimmed;
}

/** A push target: http or https, an absolute URL. */
export function pushUrl(name: string, value: string | null): string | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ValidationError(`${name} is not a web address. Write it in full, such as http://192.168.1.20:8080/mas/report.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(`${name} must start with http:// or https://.`);
  if (trimmed.length > 500) throw new ValidationError(`${name} must be at most 500 characters.`);
  return trimmed;
}

/** Checks and cleans what a person typed; the error names the first bad field. */
export function validateAccountInput(input: CloudMasAccountInput): CloudMasAccountInput {
  const signs: CloudMasSign[] = [];
  if (input.signs.length > 50) throw new ValidationError('At most 50 signature codes per account.');
  for (const sign of input.signs) {
    const code = text('A signature code', sign.code, 64);
    if (/\s/.test(code)) throw new ValidationError(`The signature code "${code}" must not contain spaces.`);
    let signText = sign.text.trim();
    if (signText && !signText.startsWith('【')) signText = `【${signText}】`;
    if (!SIGN_TEXT.test(signText)) throw new ValidationError(`The signature for code ${code} must look like 【店名】: 1 to 18 characters inside 【】.`, { code });
    if (signs.some((s) => s.code === code)) throw new ValidationError(`The signature code ${code} is listed twice.`);
    signs.push({ code, text: signText });
  }
  const templates: CloudMasTemplate[] = [];
  if (input.templates.length > 200) throw new ValidationError('At most 200 templates per account.');
  for (const template of input.templates) {
    const id = text('A template ID', template.id, 64);
    const body = text(`The text of template ${id}`, template.text, 500);
    if (templateSlots(body) > 20) throw new ValidationError(`Template ${id} uses more than 20 variables.`);
    if (templates.some((t) => t.id === id)) throw new ValidationError(`The template ID ${id} is listed twice.`);
    templates.push({ id, text: body });
  }
  if (!(CLOUD_MAS_CATEGORIES as readonly string[]).includes(input.category)) {
    throw new ValidationError(`The category must be one of ${CLOUD_MAS_CATEGORIES.join(', ')}.`);
  }
  return {
    name: text('The account name', input.name, 64),
    ecName: text('ecName (the enterprise name)', input.ecName, 128),
    apId: text('apId (the interface user name)', input.apId, 64),
    signs,
    templates,
    allowedAddresses: normalizeAddressList(input.allowedAddresses),
    category: input.category,
    reportUrl: pushUrl('The status report URL', input.reportUrl),
    inboundUrl: pushUrl('The inbound text URL', input.inboundUrl),
    inboundAll: input.inboundAll,
    enabled: input.enabled,
  };
}

function checkSecret(secret: string): string {
  if (secret.length === 0 || secret.length > 128 || /[\s]/.test(secret)) {
    throw new ValidationError('The secretKey must be 1 to 128 characters without spaces: the same one the store software already uses.');
  }
  return secret;
}

/**
 * 云MAS HTTP accounts: the ecName + apId + secretKey a store's software signs its submits
 * with, the sign codes and templates it refers to, and where its reports and replies go.
 * The secret is sealed with the secret box (the mac check needs it in the clear); an
 * administrator may type the secret the software already has, so nothing there changes.
 */
export class CloudMasAccounts {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
  ) {}

  async list(): Promise<CloudMasAccount[]> {
    const rows: AccountRow[] = await this.db('cloud_mas_accounts').select('*').orderBy('name');
    return rows.map(toAccount);
  }

  async get(id: number): Promise<CloudMasAccount> {
    const row: AccountRow | undefined = await this.db('cloud_mas_accounts').where('id', id).first();
    if (!row) throw new NotFoundError(`云MAS account ${id}`);
    return toAccount(row);
  }

  /** The account a submit names, with its secret in the clear for the mac; undefined when unknown. */
  async findByLogin(ecName: string, apId: string): Promise<{ account: CloudMasAccount; secret: string } | undefined> {
    const row: AccountRow | undefined = await this.db('cloud_mas_accounts').where({ ec_name: ecName.trim(), ap_id: apId.trim() }).first();
    if (!row) return undefined;
    return { account: toAccount(row), secret: this.secrets.open(row.secret_sealed, `${SECRET_CONTEXT}:${row.id}`) };
  }

  private async checkUnique(trx: Knex, input: CloudMasAccountInput, exceptId: number | null): Promise<void> {
    const sameName = await trx('cloud_mas_accounts').where('name', input.name).whereNot('id', exceptId ?? -1).first('id');
    if (sameName) throw new ConflictError('CLOUD_MAS_ACCOUNT_NAME_TAKEN', `An account named "${input.name}" exists. Choose another name.`);
    const sameLogin = await trx('cloud_mas_accounts').where({ ec_name: input.ecName, ap_id: input.apId }).whereNot('id', exceptId ?? -1).first('id');
    if (sameLogin) {
      throw new ConflictError('CLOUD_MAS_ACCOUNT_LOGIN_TAKEN', `Another account already uses ecName "${input.ecName}" with apId "${input.apId}". Each pair belongs to one account.`);
    }
  }

  private columns(input: CloudMasAccountInput) {
    return {
      name: input.name,
      ec_name: input.ecName,
      ap_id: input.apId,
      signs: JSON.stringify(input.signs),
      templates: JSON.stringify(input.templates),
      allowed_addresses: JSON.stringify(input.allowedAddresses),
      category: input.category,
      report_url: input.reportUrl,
      inbound_url: input.inboundUrl,
      inbound_all: input.inboundAll,
      enabled: input.enabled,
    };
  }

  /**
   * Adds an account. `secret` is the secretKey the store software already has; without it
   * StoreMAS makes one, returned here once (to type into the software) and never shown again.
   */
  async create(actor: AuditActor, raw: CloudMasAccountInput, secret?: string): Promise<{ account: CloudMasAccount; secret: string | null }> {
    const input = validateAccountInput(raw);
    const generated = secret === undefined || secret === '';
    const plain = generated ? randomBytes(18).toString('base64url') : checkSecret(secret);
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      await this.checkUnique(trx, input, null);
      const [inserted] = await trx('cloud_mas_accounts')
        .insert({ ...this.columns(input), secret_sealed: '', created_by: actor.username, created_at: now, updated_at: now })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await trx('cloud_mas_accounts').where('id', newId).update({ secret_sealed: this.secrets.seal(plain, `${SECRET_CONTEXT}:${newId}`) });
      await this.audit.record(actor, 'integrations.cloudmas.create', input.name, { ecName: input.ecName, apId: input.apId, secretGenerated: generated }, trx);
      return newId;
    });
    this.events.publish('integrations.changed', { area: 'cloud-mas' }, 'integrations.read');
    return { account: await this.get(id), secret: generated ? plain : null };
  }

  async update(actor: AuditActor, id: number, raw: CloudMasAccountInput): Promise<{ before: CloudMasAccount; after: CloudMasAccount }> {
    const input = validateAccountInput(raw);
    const before = await this.get(id);
    await this.db.transaction(async (trx) => {
      await this.checkUnique(trx, input, id);
      await trx('cloud_mas_accounts').where('id', id).update({ ...this.columns(input), updated_at: this.clock.now() });
      const changed = Object.entries(input)
        .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof CloudMasAccount]))
        .map(([key]) => key);
      await this.audit.record(actor, 'integrations.cloudmas.update', input.name, { changed }, trx);
    });
    this.events.publish('integrations.changed', { area: 'cloud-mas' }, 'integrations.read');
    return { before, after: await this.get(id) };
  }

  /** A new secretKey: the one typed, or one StoreMAS makes (returned once). */
  async rotateSecret(actor: AuditActor, id: number, secret?: string): Promise<string | null> {
    const account = await this.get(id);
    const generated = secret === undefined || secret === '';
    const plain = generated ? randomBytes(18).toString('base64url') : checkSecret(secret);
    await this.db.transaction(async (trx) => {
      await trx('cloud_mas_accounts')
        .where('id', id)
        .update({ secret_sealed: this.secrets.seal(plain, `${SECRET_CONTEXT}:${id}`), updated_at: this.clock.now() });
      await this.audit.record(actor, 'integrations.cloudmas.rotate-secret', account.name, { secretGenerated: generated }, trx);
    });
    this.events.publish('integrations.changed', { area: 'cloud-mas' }, 'integrations.read');
    return generated ? plain : null;
  }

  /** Deletes an account, in the caller's transaction when given (its waiting pushes are cancelled in the same one). */
  async remove(actor: AuditActor, id: number, trx?: Knex): Promise<CloudMasAccount> {
    const run = async (t: Knex) => {
      const row: AccountRow | undefined = await t('cloud_mas_accounts').where('id', id).first();
      if (!row) throw new NotFoundError(`云MAS account ${id}`);
      await t('cloud_mas_accounts').where('id', id).delete();
      await this.audit.record(actor, 'integrations.cloudmas.delete', row.name, { ecName: row.ec_name, apId: row.ap_id }, t);
      return toAccount(row);
    };
    const account = await (trx ? run(trx) : this.db.transaction(run));
    this.events.publish('integrations.changed', { area: 'cloud-mas' }, 'integrations.read');
    return account;
  }
}
