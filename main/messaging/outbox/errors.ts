import { AppError } from '../../errors.js';

/** An outbox refusal with a stable code (a concurrent change, a message that is not unknown …). */
export class OutboxError extends AppError {}
