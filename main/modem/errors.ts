import { AppError } from '../errors.js';

/**
 * Errors of the modem driver. `retryable` says whether the same request may
 * succeed later (on this modem or another one); the pool and the outbox decide
 * on it, never on message text.
 */
export class ModemError extends AppError {
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable?: boolean; status?: number; details?: Record<string, unknown> } = {}) {
    super(code, message, options.status ?? 503, options.details);
    this.retryable = options.retryable ?? false;
  }
}

export function isModemError(error: unknown): error is ModemError {
  return error instanceof ModemError;
}
