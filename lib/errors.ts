// Domain errors: what went wrong, said for the user (Russian first), with no HTTP in it. Data
// functions and the engine throw these; lib/api/route.ts (the HTTP edge) turns each kind into a
// status. `code` is the machine-readable reason the API answers with (each kind has a default);
// `details` what it adds (for a ValidationError usually [{ field, message }]).
export type ErrorOptions = { code?: string; details?: unknown };

export abstract class DomainError extends Error {
  static readonly defaultCode: string = "internal";
  readonly code: string;
  readonly details?: unknown;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.code = options.code ?? (new.target as typeof DomainError).defaultCode;
    this.details = options.details;
  }
}

/** The thing asked for does not exist — or belongs to another user, which must look the same. */
export class NotFoundError extends DomainError {
  static readonly defaultCode = "not_found";
}

/** The request is well-formed, but the thing is not in a state that allows it. */
export class ConflictError extends DomainError {
  static readonly defaultCode = "conflict";
}

/** The input is wrong; the message (and details) say which field and why. */
export class ValidationError extends DomainError {
  static readonly defaultCode = "validation_failed";
}

/** The caller may not do this (e.g. a cross-site request riding on the session cookie). */
export class ForbiddenError extends DomainError {
  static readonly defaultCode = "forbidden";
}

/** An outside system (Weeek…) failed or could not be reached. */
export class UpstreamError extends DomainError {
  static readonly defaultCode = "upstream_failed";
}

/** Our own data broke a rule it should never break (a built-in starter kit that does not validate). */
export class InternalError extends DomainError {}
