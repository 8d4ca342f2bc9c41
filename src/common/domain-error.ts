import { HttpStatus } from '@nestjs/common';

/** Field-level messages for forms and the API: field path → Chinese message. */
export type FieldErrors = Record<string, string>;

/**
 * Base of every error the portal raises on purpose. `code` is stable and machine-readable (API),
 * `message` is Chinese and safe to show to the person who caused it; never put personal data in either.
 */
export class DomainError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly status: number = HttpStatus.BAD_REQUEST,
    public readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** 404 for anything outside the caller's scope, recused, or simply absent — indistinguishable on purpose. */
export class NotFoundError extends DomainError {
  constructor(message = '未找到该记录') {
    super('not_found', message, HttpStatus.NOT_FOUND);
  }
}

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldErrors, message = '提交的内容有误，请按提示修改') {
    super('validation_failed', message, HttpStatus.UNPROCESSABLE_ENTITY, fields);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(message = '操作过于频繁，请稍后再试', public readonly retryAfterSeconds?: number) {
    super('rate_limited', message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** An action that the current state does not allow (e.g. accepting an already declined report). */
export class InvalidStateError extends DomainError {
  constructor(message: string, code = 'invalid_state') {
    super(code, message, HttpStatus.CONFLICT);
  }
}
