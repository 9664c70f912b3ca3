// «HTTP-запрос»: one outbound request through ctx.http (the SSRF-guarded client), with retries.
//
// Retry policy: network errors, timeouts, 429 and 5xx are retried up to maxAttempts with
// exponential backoff (1 s, 2 s, 4 s … capped at 30 s) plus up to 30% jitter; a Retry-After header
// (seconds or an HTTP date) replaces the backoff, capped at 60 s; without the header, a 429's JSON
// body may say it instead — Telegram's {"parameters":{"retry_after":N}}. Other 4xx are never retried —
// repeating a rejected request cannot succeed. Every attempt carries the same
// `Idempotency-Key: <runId>:<stepId>`, so a server that honours it creates the record once.
import { z } from "zod";
import { ActionError, OutboundError, defineAction, type ErrorDetail, type ErrorKind, type FormHints, type HttpResponse } from "./define-action";
import { keyValueSchema, onMissingSchema, whenConfig } from "./shared";
import { checkJsonTemplate, problemOf } from "../definition/placeholders";
import { fieldName } from "./field-labels";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

/** The request fields (shared with «Хранилище: найти или создать», which sends the same request). */
export const httpRequestShape = {
  method: z.enum(HTTP_METHODS).default("POST"),
  url: z
    .string()
    .trim()
    .min(1)
    .refine((u) => /^(https?:\/\/|\{\{)/i.test(u), {
      message: "адрес должен начинаться с http:// или https://",
      params: { en: "the URL must start with http:// or https://" },
    }),
  query: z.array(keyValueSchema).default([]),
  headers: z.array(keyValueSchema).default([]),
  bodyType: z.enum(["none", "json", "form", "raw"]).default("none"),
  /** A JSON template; a single bare token (`{{steps.s1.result}}`) sends that value as JSON. */
  bodyJson: z.string().default(""),
  bodyForm: z.array(keyValueSchema).default([]),
  bodyRaw: z.string().default(""),
  /** Content-Type for a raw body unless a header sets one. */
  rawContentType: z.string().default("text/plain; charset=utf-8"),
  timeoutSeconds: z.number().min(1).max(120).default(30),
  acceptNon2xx: z.boolean().default(false),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** «Не чаще N запросов в секунду к этому хосту» (all workers together); 0 = no limit. */
  rateLimitPerSecond: z.number().min(0).max(1000).default(0),
  onMissing: onMissingSchema,
};

/** The JSON body must be a valid template when the body type is JSON. */
export function checkHttpBody(c: { bodyType: string; bodyJson: string }, ctx: z.RefinementCtx): void {
  if (c.bodyType !== "json") return;
  if (c.bodyJson.trim() === "") {
    ctx.addIssue({ code: "custom", path: ["bodyJson"], message: "обязательное поле", params: { en: "required" } });
    return;
  }
  const err = checkJsonTemplate(c.bodyJson, fieldName("bodyJson"));
  if (err) ctx.addIssue({ code: "custom", path: ["bodyJson"], message: problemOf(err).ru, params: { en: problemOf(err).en } });
}

export const httpRequestConfigSchema = z.object(httpRequestShape).superRefine(checkHttpBody);

export type HttpRequestConfig = z.output<typeof httpRequestConfigSchema>;

export type HttpRequestInput = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  acceptNon2xx: boolean;
  maxAttempts: number;
  rateLimitPerSecond?: number;
};

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
const RETRY_AFTER_MAX_MS = 60_000;

/** Form hints of the request's fields (also the «найти или создать» step's request). */
export const httpRequestForm: FormHints = {
  url: { widget: "placeholder" },
  query: { plainColumns: ["key"] },
  headers: { plainColumns: ["key"] },
  bodyJson: { widget: "json", when: whenConfig("bodyType", "json") },
  bodyForm: { when: whenConfig("bodyType", "form"), plainColumns: ["key"] },
  bodyRaw: { widget: "placeholder", when: whenConfig("bodyType", "raw") },
  rawContentType: { widget: "text", when: whenConfig("bodyType", "raw") },
};

/** What a request can fail with: the refusals of outbound HTTP and the answer's status (statusKind). */
export const HTTP_ERROR_KINDS: readonly ErrorKind[] = [
  "auth",
  "not-found",
  "validation",
  "rate-limit",
  "server",
  "http",
  "timeout",
  "private-address",
  "network",
];

export const httpRequest = defineAction({
  type: "http-request",
  sideEffects: "external",
  // Search finds what the other side answered (a deal's id, a contact's phone), not its response
  // headers: a Date header alone would add a new term to the index every second, and nobody looks
  // for a run by "application/json".
  searchable: (output) => (output as { body?: unknown } | null)?.body,
  label: { ru: "HTTP-запрос", en: "HTTP request" },
  description: { ru: "Отправляет запрос во внешнюю систему", en: "Sends a request to another system" },
  icon: "globe",
  configSchema: httpRequestConfigSchema,
  form: httpRequestForm,
  errors: HTTP_ERROR_KINDS,
  httpExchange: true,
  defaultConfig: {
    method: "POST",
    url: "https://",
    query: [],
    headers: [{ key: "Content-Type", value: "application/json" }],
    bodyType: "json",
    bodyJson: "",
    bodyForm: [],
    bodyRaw: "",
    timeoutSeconds: 30,
    acceptNon2xx: false,
    maxAttempts: 3,
    rateLimitPerSecond: 0,
    onMissing: "fail",
  },
  outputs: () => [
    { key: "status", label: { ru: "Код ответа", en: "Status code" } },
    { key: "headers", label: { ru: "Заголовки ответа", en: "Response headers" } },
    { key: "body", label: { ru: "Содержимое ответа", en: "Response body" } },
  ],
  summary: (c) => `${c.method} ${c.url.replace(/^https?:\/\//i, "")}`,
  resolve: (c, r): HttpRequestInput => {
    let url = r.url(c.url, fieldName("url"));
    if (c.query.length > 0) {
      const u = new URL(url);
      c.query.forEach((q, i) =>
        u.searchParams.append(r.text(q.key, `${fieldName("query")}, строка ${i + 1}`), r.text(q.value, `${fieldName("query")} → ${q.key}`)),
      );
      url = u.toString();
    }
    const headers: Record<string, string> = {};
    const setHeader = (name: string, value: string) => {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
      headers[name] = value;
    };
    const hasHeader = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
    for (const h of c.headers) setHeader(h.key, r.text(h.value, `${fieldName("headers")} → ${h.key}`).replace(/[\r\n]+/g, " "));

    let body: string | undefined;
    if (c.bodyType === "json") {
      body = JSON.stringify(r.json(c.bodyJson, fieldName("bodyJson")) ?? null);
      if (!hasHeader("content-type")) setHeader("Content-Type", "application/json; charset=utf-8");
    } else if (c.bodyType === "form") {
      const form = new URLSearchParams();
      for (const f of c.bodyForm) form.append(f.key, r.text(f.value, `${fieldName("bodyForm")} → ${f.key}`));
      body = form.toString();
      if (!hasHeader("content-type")) setHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    } else if (c.bodyType === "raw") {
      body = r.text(c.bodyRaw, fieldName("bodyRaw"));
      if (!hasHeader("content-type")) setHeader("Content-Type", c.rawContentType);
    }
    if (body !== undefined && (c.method === "GET" || c.method === "HEAD")) body = undefined;
    return {
      method: c.method,
      url,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: c.timeoutSeconds * 1000,
      acceptNon2xx: c.acceptNon2xx,
      maxAttempts: c.maxAttempts,
      ...(c.rateLimitPerSecond > 0 ? { rateLimitPerSecond: c.rateLimitPerSecond } : {}),
    };
  },
  run: async (input, ctx) => {
    const headers = { ...input.headers };
    if (!hasIdempotencyKey(headers)) {
      headers["Idempotency-Key"] = `${ctx.runId}:${ctx.stepId}`;
    }
    // Parsed only when needed (a rate limit, an error message): most requests need neither.
    let parsedHost: string | undefined;
    const host = () => (parsedHost ??= hostOf(input.url));
    let attempt = 0;
    // Answers that say "too many requests" (429, Bitrix24's 503 QUERY_LIMIT_EXCEEDED) are waited
    // out without using up maxAttempts: the request is fine, it only has to come later.
    let limited = 0;
    const limitedSince = Date.now();
    for (;;) {
      attempt++;
      let res: HttpResponse;
      const slot = input.rateLimitPerSecond && ctx.rateLimit ? await ctx.rateLimit(host(), input.rateLimitPerSecond, ctx.signal) : undefined;
      try {
        res = await ctx.http({
          method: input.method,
          url: input.url,
          headers,
          body: input.body,
          timeoutMs: input.timeoutMs,
          signal: ctx.signal,
          ...(slot ? { onSent: slot.sent } : {}),
        });
      } catch (e) {
        const retryable = e instanceof OutboundError ? e.code === "network" || e.code === "timeout" : false;
        const msg = e instanceof Error ? e.message : String(e);
        if (retryable && attempt - limited < input.maxAttempts) {
          ctx.log(`attempt ${attempt} failed: ${msg}; retrying`);
          await ctx.sleep(backoff(attempt), ctx.signal);
          continue;
        }
        const suffix = attempt > 1 ? ` (попыток: ${attempt})` : "";
        const code = e instanceof OutboundError ? e.code : "network";
        throw new ActionError(`${msg}${suffix}`, `${msg}${attempt > 1 ? ` (attempts: ${attempt})` : ""}`, code, attempt, {
          kind: OUTBOUND_KINDS[code] ?? "network",
          host: host(),
          attempts: attempt,
        });
      }
      if (isRateLimited(res) && Date.now() - limitedSince < RATE_LIMITED_MAX_MS) {
        limited++;
        const wait = retryAfterMs(res.headers["retry-after"]) ?? retryAfterFromBody(res.body) ?? backoff(Math.min(limited, 6));
        ctx.log(`attempt ${attempt}: HTTP ${res.status}; retrying in ${wait} ms (too many requests: not counted against attempts)`);
        await ctx.sleep(wait, ctx.signal);
        continue;
      }
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt - limited < input.maxAttempts) {
        const wait = retryAfterMs(res.headers["retry-after"]) ?? (res.status === 429 ? retryAfterFromBody(res.body) : undefined) ?? backoff(attempt);
        ctx.log(`attempt ${attempt}: HTTP ${res.status}; retrying in ${wait} ms`);
        await ctx.sleep(wait, ctx.signal);
        continue;
      }
      const ok = res.status >= 200 && res.status < 300;
      if (!ok && !input.acceptNon2xx) {
        const excerpt = bodyExcerpt(res.body);
        const tail = excerpt ? `: ${excerpt}` : "";
        const tries = attempt > 1 ? ` (попыток: ${attempt})` : "";
        const detail: ErrorDetail = { kind: statusKind(res.status), status: res.status, host: host(), body: bodyStart(res.body), attempts: attempt };
        const own = destinationMessage(res.body);
        if (own) detail.message = own;
        throw new ActionError(
          `HTTP ${res.status} от ${host()}${tail}${tries}`,
          `HTTP ${res.status} from ${host()}${tail}`,
          `http_${res.status}`,
          attempt,
          detail,
        );
      }
      return { output: { status: res.status, headers: res.headers, body: parseBody(res) }, attempts: attempt };
    }
  },
});

/** Waiting out "too many requests" stops after a day: a server saying it forever is broken. */
const RATE_LIMITED_MAX_MS = 24 * 3_600_000;

/** 429, or Bitrix24's 503 {"error":"QUERY_LIMIT_EXCEEDED"}. */
export function isRateLimited(res: HttpResponse): boolean {
  return res.status === 429 || (res.status === 503 && res.body.includes("QUERY_LIMIT_EXCEEDED"));
}

function hasIdempotencyKey(headers: Record<string, string>): boolean {
  for (const k in headers) if (k.toLowerCase() === "idempotency-key") return true;
  return false;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function backoff(attempt: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(base + Math.random() * base * 0.3);
}

/** Retry-After as seconds or an HTTP date; capped so a hostile server cannot park the worker. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const trimmed = v.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.max(0, Math.min(RETRY_AFTER_MAX_MS, ms));
}

/** Telegram's 429: {"ok":false,"error_code":429,"parameters":{"retry_after":N}} (N seconds). */
export function retryAfterFromBody(body: string): number | undefined {
  if (!body.includes("retry_after")) return undefined;
  try {
    const n = (JSON.parse(body) as { parameters?: { retry_after?: unknown } })?.parameters?.retry_after;
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return undefined;
    return Math.min(RETRY_AFTER_MAX_MS, n * 1000);
  } catch {
    return undefined;
  }
}

const OUTBOUND_KINDS: Record<string, ErrorKind> = {
  blocked: "private-address",
  timeout: "timeout",
  network: "network",
  bad_url: "config",
  too_large: "other",
  too_many_redirects: "other",
  aborted: "other",
};

/** An HTTP status as the kind of failure the run page explains. */
export function statusKind(status: number): ErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 410) return "not-found";
  if (status === 400 || status === 409 || status === 422) return "validation";
  if (status === 429) return "rate-limit";
  if (status >= 500) return "server";
  return "http";
}

/** The stored start of a refused answer's body (the history shows it as the raw response). */
function bodyStart(body: string): string {
  return body.length > 2000 ? body.slice(0, 2000) + "…" : body;
}

/**
 * The destination's own words from a JSON error body: Weeek/Laravel `message`, Telegram
 * `description`, Bitrix24 `error_description`, amoCRM's `validation-errors` (path: detail) or
 * problem+json `detail`, or a nested `error.message`. Undefined for anything else.
 */
export function destinationMessage(body: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== "object" || Array.isArray(j)) return undefined;
  const o = j as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
  const amo = o["validation-errors"];
  if (Array.isArray(amo)) {
    const parts = amo.flatMap((g) =>
      ((g as { errors?: { path?: string; detail?: string }[] })?.errors ?? []).map((e) => (e.path ? `${e.path}: ${e.detail ?? ""}` : (e.detail ?? ""))),
    );
    if (parts.length) return cut(parts.join("; "));
  }
  const nested = o.error && typeof o.error === "object" ? str((o.error as Record<string, unknown>).message) : undefined;
  const found = str(o.message) ?? str(o.description) ?? str(o.error_description) ?? nested ?? str(o.detail) ?? str(o.error) ?? str(o.title);
  return found ? cut(found) : undefined;
}

const cut = (s: string) => (s.length > 300 ? s.slice(0, 300) + "…" : s);

function bodyExcerpt(body: string): string {
  const s = body.replace(/\s+/g, " ").trim();
  return s.length > 300 ? s.slice(0, 300) + "…" : s;
}

function parseBody(res: HttpResponse): unknown {
  const ct = String(res.headers["content-type"] ?? "").toLowerCase();
  if (/[/+]json\b/.test(ct) && res.body.trim() !== "") {
    try {
      return JSON.parse(res.body);
    } catch {
      return res.body;
    }
  }
  return res.body;
}
