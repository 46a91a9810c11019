/**
 * Every error the appliance raises on purpose is an AppError with a stable `code`
 * (what programs match on), an HTTP status (mapped once, in the API error handler)
 * and a message that tells a person what went wrong and what to do.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status = 500, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION_FAILED', message, 400, details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found.`, 404);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class AuthError extends AppError {}

export class StartupError extends AppError {
  /** Process exit code the CLI uses for this failure. */
  readonly exitCode: number;
  constructor(code: string, message: string, exitCode = 2) {
    super(code, message, 500);
    this.exitCode = exitCode;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Node system errors carry a string `code` such as EADDRINUSE or EACCES. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
