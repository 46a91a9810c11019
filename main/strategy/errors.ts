import { AppError } from '../errors.js';

/**
 * The strategy engine's errors. Codes are stable: the UI words them, and the
 * SMS services answer a staff member's 同意 / 拒绝 text from them.
 */
export type StrategyErrorCode =
  | 'STRATEGY_NOT_FOUND'
  | 'STRATEGY_NOT_PENDING'
  | 'STRATEGY_NOT_PROMOTION'
  | 'STRATEGY_NOT_APPROVED'
  | 'STRATEGY_STORE_NOT_ALLOWED'
  | 'STRATEGY_DATES_INVALID'
  | 'STRATEGY_DISCOUNT_INVALID'
  | 'STRATEGY_TEXT_INVALID'
  | 'STRATEGY_NO_AUDIENCE'
  | 'STRATEGY_RECOMPUTE_RUNNING'
  | 'STRATEGY_RECOMPUTE_NOT_RUNNING'
  | 'STRATEGY_RULE_INVALID'
  | 'STRATEGY_RULE_EXISTS'
  | 'STRATEGY_RULE_NOT_FOUND'
  | 'STRATEGY_RULE_DEFAULT';

export class StrategyError extends AppError {
  declare readonly code: StrategyErrorCode;
  constructor(code: StrategyErrorCode, message: string, status: number, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}
