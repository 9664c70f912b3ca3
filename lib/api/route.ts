// Thin route handlers: parse → authorize → call lib → respond. Shared here: auth (session cookie
// or Bearer token), zod body parsing (400 for malformed JSON, 422 naming the field), errors: the
// one place where domain errors (lib/errors.ts) become HTTP statuses.
import { NextResponse } from "next/server";
import { z, ZodError } from "zod";
import { ApiError, unauthorized } from "./errors";
import { ConflictError, DomainError, ForbiddenError, InternalError, NotFoundError, UpstreamError, ValidationError } from "../errors";
import { currentSession } from "../auth";
import { userIdForApiToken } from "../users/api-tokens";
import { env } from "../env";
import { assertNotForged } from "../security/csrf";
import { jsonDepthOver, MAX_JSON_DEPTH } from "../json-depth";

export type Ctx<P> = { params: Promise<P> };

export type Caller = { userId: string; via: "token" } | { userId: string; via: "session"; sessionId: string };

/** Who is calling: a Bearer API token, or the session cookie (state changes then must pass the CSRF check). */
export async function requireCaller(req: Request): Promise<Caller> {
  const header = req.headers.get("authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const uid = m ? await userIdForApiToken(m[1]) : null;
    if (!uid) throw unauthorized();
    return { userId: uid, via: "token" };
  }
  const session = await currentSession();
  if (!session) throw unauthorized();
  assertNotForged(req, env().APP_URL);
  return { userId: session.userId, via: "session", sessionId: session.sessionId };
}

export async function requireUserId(req: Request): Promise<string> {
  return (await requireCaller(req)).userId;
}

export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message }));
}

export async function parseBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const maxBytes = 2 * 1024 * 1024;
  const text = await req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new ApiError(413, "too_large", `Тело запроса больше ${maxBytes} байт`);
  if (jsonDepthOver(text) > 0) throw new ApiError(400, "json_too_deep", `JSON вложен глубже ${MAX_JSON_DEPTH} уровней`);
  let json: unknown;
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, "invalid_json", `Тело запроса — не JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const details = zodDetails(parsed.error);
    throw new ApiError(422, "validation_failed", details.map((d) => `${d.field}: ${d.message}`).join("; "), details);
  }
  return parsed.data;
}

/** The HTTP status of each kind of domain error. */
const STATUS_OF_DOMAIN_ERROR: readonly [abstract new (...args: never[]) => DomainError, number][] = [
  [NotFoundError, 404],
  [ConflictError, 409],
  [ValidationError, 422],
  [ForbiddenError, 403],
  [UpstreamError, 502],
  [InternalError, 500],
];

/** A domain error as the API's error (status from its kind); anything else unchanged. */
function toApiError(err: unknown): unknown {
  if (!(err instanceof DomainError)) return err;
  const status = STATUS_OF_DOMAIN_ERROR.find(([kind]) => err instanceof kind)?.[1] ?? 500;
  return new ApiError(status, err.code, err.message, err.details);
}

export function errorResponse(thrown: unknown): NextResponse {
  const err = toApiError(thrown);
  if (err instanceof ApiError) {
    return NextResponse.json(
      { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } },
      { status: err.status, ...(err.headers ? { headers: err.headers } : {}) },
    );
  }
  if (err instanceof ZodError) {
    const details = zodDetails(err);
    return NextResponse.json(
      { error: { code: "validation_failed", message: details.map((d) => `${d.field}: ${d.message}`).join("; "), details } },
      { status: 422 },
    );
  }
  console.error("[api]", err);
  return NextResponse.json({ error: { code: "internal", message: "Внутренняя ошибка сервера" } }, { status: 500 });
}

/** Wraps a handler so that any thrown ApiError/ZodError becomes the standard JSON error. */
export function handler<P = Record<string, never>>(fn: (req: Request, ctx: { params: P }) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    let res: Response;
    try {
      res = await fn(req, { params: ctx?.params ? await ctx.params : ({} as P) });
    } catch (err) {
      res = errorResponse(err);
    }
    // API answers are per user: no browser or proxy cache may keep them.
    if (!res.headers.has("cache-control")) res.headers.set("Cache-Control", "no-store");
    return res;
  };
}
