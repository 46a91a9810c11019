import { ValidationError } from '../../errors.js';

/**
 * The 云MAS HTTP interface always answers on the StoreMAS port. It can also listen on a
 * port of its own, serving nothing but /sms/…: software on other PCs of the store reaches
 * it there while the admin UI stays on the PC itself (LAN access off).
 */
export interface CloudMasListenerSettings {
  /** null: no port of its own. */
  port: number | null;
  /** Listen on every interface (the store's LAN) rather than 127.0.0.1 only. */
  lan: boolean;
}

export const CLOUD_MAS_LISTENER_DEFAULTS: CloudMasListenerSettings = { port: null, lan: true };

export function validateCloudMasListener(value: unknown): CloudMasListenerSettings {
  if (typeof value !== 'object' || value === null) throw new ValidationError('The 云MAS port setting must be an object with port and lan.');
  const { port, lan } = value as Record<string, unknown>;
  if (port !== null && !(typeof port === 'number' && Number.isInteger(port) && port >= 1024 && port <= 65535)) {
    throw new ValidationError('The 云MAS port must be a whole number from 1024 to 65535, or empty for none.');
  }
  if (typeof lan !== 'boolean') throw new ValidationError('Whether the 云MAS port listens on the LAN must be true or false.');
  return { port, lan };
}

/** What became of the port of its own at this start (shown on the integrations page). */
export interface CloudMasListenerStatus {
  state: 'off' | 'listening' | 'failed';
  host: string | null;
  port: number | null;
  /** Why it could not listen (port in use …). */
  error: string | null;
}
