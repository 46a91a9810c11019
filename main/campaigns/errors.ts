import { AppError } from '../errors.js';

/** A campaign or segment request that cannot be carried out; the code is what the UI words. */
export class CampaignError extends AppError {
  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}
