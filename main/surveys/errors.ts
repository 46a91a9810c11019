import { AppError } from '../errors.js';

/** The survey capability's errors: stable codes the UI words in both languages. */
export type SurveyErrorCode =
  | 'SURVEY_NOT_FOUND'
  | 'SURVEY_INVALID'
  | 'SURVEY_LOCKED'
  | 'SURVEY_CLOSED'
  | 'SURVEY_NO_AUDIENCE'
  | 'SURVEY_HAS_RESPONDENTS';

export class SurveyError extends AppError {
  declare readonly code: SurveyErrorCode;
  constructor(code: SurveyErrorCode, message: string, status: number, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}
