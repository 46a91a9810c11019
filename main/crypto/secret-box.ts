import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError, systemErrorCode } from '../errors.js';

/**
 * AES-256-GCM encryption for secrets kept in the database (ID numbers, POS
 * connection passwords). The key lives in its own file in the data directory,
 * never in the database file: a copied database alone reveals nothing.
 *
 * Ciphertext format (text, safe for any column):
 *   v1:<keyId>:<iv base64url>:<tag base64url>:<ciphertext base64url>
 * The version prefix lets a later format or key rotation coexist with old rows;
 * the key id says which key sealed a value so a wrong key file fails clearly.
 */
export const SECRET_KEY_FILE = 'secret.key';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 500);
  }
}

export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError('SECRET_KEY_INVALID', `The secret key must be ${KEY_BYTES} bytes (got ${key.length}).`);
    }
    this.#key = Buffer.from(key);
    // A short fingerprint, not the key: tells which key sealed a value.
    this.keyId = crypto.createHash('sha256').update(key).digest('base64url').slice(0, 8);
  }

  /** Encrypts UTF-8 text; every call uses a fresh random IV. */
  seal(plaintext: string, associatedData?: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.keyId, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(':');
  }

  /** Decrypts what seal() produced; throws SECRET_TAMPERED if anything was changed. */
  open(sealed: string, associatedData?: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new SecretBoxError(
        'SECRET_FORMAT_UNKNOWN',
        'An encrypted value is not in a format this StoreMAS understands; it may come from a newer version or be damaged.',
      );
    }
    const [, keyId, ivText, tagText, bodyText] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) {
      throw new SecretBoxError(
        'SECRET_KEY_MISMATCH',
        `An encrypted value was sealed with another key (${keyId}); restore the ${SECRET_KEY_FILE} file that belongs to this database.`,
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('SECRET_TAMPERED', 'An encrypted value is damaged or was changed outside StoreMAS.');
    }
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('SECRET_TAMPERED', 'An encrypted value is damaged or was changed outside StoreMAS.');
    }
  }
}

/**
 * Loads the key from <dataDir>/secret.key, creating it (mode 0600) on first use.
 * A key file readable by others is refused rather than silently used.
 */
export function loadOrCreateSecretBox(dataDir: string): SecretBox {
  const file = path.join(dataDir, SECRET_KEY_FILE);
  let key: Buffer;
  try {
    key = readKeyFile(file);
  } catch (error) {
    if (systemErrorCode(error) !== 'ENOENT') throw error;
    const fresh = crypto.randomBytes(KEY_BYTES);
    try {
      // 'wx': if another process created it meanwhile, use theirs.
      fs.writeFileSync(file, fresh.toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
      key = fresh;
    } catch (writeError) {
      if (systemErrorCode(writeError) !== 'EEXIST') {
        throw new SecretBoxError(
          'SECRET_KEY_UNWRITABLE',
          `The key file ${file} cannot be created (${systemErrorCode(writeError) ?? String(writeError)}); check the data directory's permissions.`,
        );
      }
      key = readKeyFile(file);
    }
  }
  return new SecretBox(key);
}

function readKeyFile(file: string): Buffer {
  const stat = fs.statSync(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new SecretBoxError(
      'SECRET_KEY_EXPOSED',
      `The key file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it.`,
    );
  }
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(
      'SECRET_KEY_INVALID',
      `The key file ${file} is damaged (expected ${KEY_BYTES} bytes); restore it from the backup taken with the database.`,
    );
  }
  return key;
}
