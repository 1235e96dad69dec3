export interface ErrorDetail {
  path?: string;
  message: string;
}

/** The one error type: a status, a stable code clients can branch on, and optional details. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toJSON(): { code: string; message: string; details?: ErrorDetail[] } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export class ValidationError extends AppError {
  constructor(message = 'Invalid input', details?: ErrorDetail[]) {
    super(400, 'VALIDATION_FAILED', message, details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super(403, 'FORBIDDEN', message);
  }
}
export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super(404, 'NOT_FOUND', `${what} not found`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(409, 'CONFLICT', message, details);
  }
}
export class RateLimitedError extends AppError {
  constructor(
    message = 'Too many requests',
    /** when a retry can succeed; answered as `retryAfterSeconds` beside code and message */
    readonly retryAfterSeconds?: number,
  ) {
    super(429, 'RATE_LIMITED', message);
  }

  override toJSON(): ReturnType<AppError['toJSON']> & { retryAfterSeconds?: number } {
    return {
      ...super.toJSON(),
      ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
    };
  }
}
export class UnavailableError extends AppError {
  constructor(message = 'Service unavailable') {
    super(503, 'UNAVAILABLE', message);
  }
}
