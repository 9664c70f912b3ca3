// One error shape for the whole API: { error: { code, message, details? } }.
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details?: unknown,
    /** Extra response headers (e.g. Retry-After on a 429). */
    public headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what = "Не найдено") => new ApiError(404, "not_found", what);
export const unauthorized = () => new ApiError(401, "unauthorized", "Требуется вход (сессия или Bearer-токен)");
export const conflict = (message: string, details?: unknown) => new ApiError(409, "conflict", message, details);
export const unprocessable = (message: string, details?: unknown) => new ApiError(422, "validation_failed", message, details);
