// Domain errors: what went wrong, said for the user (Russian first), with no HTTP in it. Data
// functions and the engine throw these; lib/api/route.ts (the HTTP edge) turns each kind into a
// status. `code` is the machine-readable reason the API answers with; `details` what it adds
// (for a ValidationError usually [{ field, message }]).
export type ErrorOptions = { code?: string; details?: unknown };

export abstract class DomainError extends Error {
  readonly code: string;
  readonly details?: unknown;
  protected constructor(message: string, defaultCode: string, options: ErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = options.code ?? defaultCode;
    this.details = options.details;
  }
}

/** The thing asked for does not exist — or belongs to another user, which must look the same. */
export class NotFoundError extends DomainError {
  constructor(message = "Не найдено", options?: ErrorOptions) {
    super(message, "not_found", options);
  }
}

/** The request is well-formed, but the thing is not in a state that allows it. */
export class ConflictError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "conflict", options);
  }
}

/** The input is wrong; the message (and details) say which field and why. */
export class ValidationError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "validation_failed", options);
  }
}

/** The caller may not do this (e.g. a cross-site request riding on the session cookie). */
export class ForbiddenError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "forbidden", options);
  }
}

/** An outside system (Weeek…) failed or could not be reached. */
export class UpstreamError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "upstream_failed", options);
  }
}

/** Our own data broke a rule it should never break (a built-in starter kit that does not validate). */
export class InternalError extends DomainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "internal", options);
  }
}
