// The /hooks/<token> fast path (server.ts routes every /hooks/* request here, in front of Next).
// Replies are small JSON documents; an unknown token gets the same neutral 404 whatever else is
// wrong with the request, so the endpoint reveals nothing about which tokens exist.
import type http from "node:http";
import { env } from "../env";
import { pool } from "../pool";
import { parseRequest, rateLimited, tooLarge, type ParsedRequest, type RequestRejection } from "./parse-request";
import { defaultIngester, type Ingester } from "./ingest";
import { createHookRateLimiter, type HookRateLimiter } from "./rate-limit";
import {
  checkSignature,
  defaultSourceSettings,
  renderReply,
  sourceProtocol,
  type Reply,
  type SourceSettings,
  type SourceSettingsCache,
} from "./source-settings";

const ACCEPTED_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const ALLOW = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const TOKEN = /^[A-Za-z0-9_-]{1,200}$/;

export type HookHandlerOptions = {
  ingester?: () => Ingester;
  maxBytes?: () => number;
  /** HEAD asks "does this URL exist" without storing anything. */
  tokenExists?: (token: string) => Promise<boolean>;
  /** The per-обработка rate limit (in memory, limits refreshed from the database every few seconds). */
  rateLimiter?: HookRateLimiter;
  /** Reply and signature settings per token (cached; source-settings.ts). */
  sourceSettings?: () => SourceSettingsCache;
};

/** "/hooks/<token>", "/hooks/<token>/", "/hooks/<token>?a=1" → token; null otherwise. */
export function tokenFromUrl(url: string | undefined): string | null {
  if (!url) return null;
  const path = url.split("?", 1)[0].split("#", 1)[0];
  const m = /^\/hooks\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  return TOKEN.test(m[1]) ? m[1] : null;
}

function send(res: http.ServerResponse, status: number, body: object | null, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = body === null ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(text)),
    "Cache-Control": "no-store",
    // Browser-side senders (site forms) may post here; no credentials are ever involved.
    "Access-Control-Allow-Origin": "*",
    ...headers,
  });
  res.end(text);
}

function sendText(res: http.ServerResponse, reply: { status: number; headers: Record<string, string>; body: string }): void {
  if (res.headersSent) return void res.end();
  res.writeHead(reply.status, {
    "Cache-Control": "no-store",
    "Access-Control-Allow-Origin": "*",
    ...reply.headers,
    "Content-Length": String(Buffer.byteLength(reply.body)),
  });
  res.end(reply.body);
}

const notFound = (res: http.ServerResponse) => send(res, 404, { ok: false, error: "not_found" });
const unavailable = (res: http.ServerResponse) => send(res, 503, { ok: false, error: "unavailable" }, { "Retry-After": "5" });

type BodyRead = { kind: "ok"; body: Buffer } | { kind: "too_large"; received: number } | { kind: "aborted" };

/** Reads at most maxBytes+1 bytes; beyond that the rest is not buffered. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (r: BodyRead) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("aborted", onAbort);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        req.pause();
        finish({ kind: "too_large", received });
      } else chunks.push(chunk);
    };
    const onEnd = () => finish({ kind: "ok", body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received) });
    const onAbort = () => finish({ kind: "aborted" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("aborted", onAbort);
  });
}

/** After an early 413 the rest of the body is discarded (bounded) so the client can read the reply. */
function discardRest(req: http.IncomingMessage, res: http.ServerResponse, maxBytes: number): void {
  let discarded = 0;
  const cap = Math.max(maxBytes * 8, 16 * 1024 * 1024);
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > cap) req.socket.destroy();
  });
  req.resume();
  res.on("finish", () => {
    if (!req.complete) setTimeout(() => req.socket.destroy(), 5_000).unref();
  });
}

// While Postgres is down every request fails the same way: one line per 10 s with a count, not
// one line per request (same rule as the Redis enqueue errors in ingest.ts).
const STORE_LOG_EVERY_MS = 10_000;
let lastStoreLog = 0;
let suppressedStoreLogs = 0;

export function logStoreFailure(err: unknown, now = Date.now()): void {
  if (now - lastStoreLog < STORE_LOG_EVERY_MS) {
    suppressedStoreLogs++;
    return;
  }
  const extra = suppressedStoreLogs ? ` (+${suppressedStoreLogs} more since the last message)` : "";
  suppressedStoreLogs = 0;
  lastStoreLog = now;
  console.error(`[hooks] could not store a request, answering 503: ${(err as Error)?.message ?? err}${extra}`);
}

async function defaultTokenExists(token: string): Promise<boolean> {
  const r = await pool().query('SELECT 1 FROM "Source" WHERE token = $1', [token]);
  return (r.rowCount ?? 0) > 0;
}

export function createHookHandler(options: HookHandlerOptions = {}) {
  const getIngester = options.ingester ?? defaultIngester;
  const getMaxBytes = options.maxBytes ?? (() => env().WEBHOOK_MAX_BYTES);
  const tokenExists = options.tokenExists ?? defaultTokenExists;
  const rateLimiter = options.rateLimiter ?? createHookRateLimiter();
  const getSourceSettings = options.sourceSettings ?? defaultSourceSettings;

  async function store(
    res: http.ServerResponse,
    token: string,
    request: ParsedRequest,
    rejection: RequestRejection | null,
    receivedAt: Date,
    settings?: SourceSettings,
    special?: { note?: string; reply: Reply },
  ): Promise<void> {
    let result;
    try {
      result = await getIngester().ingest({ token, request, rejectReason: rejection?.reason ?? null, skipNote: special?.note ?? null, receivedAt });
    } catch (err) {
      logStoreFailure(err);
      return unavailable(res);
    }
    if (!result.found) return notFound(res);
    if (rejection) {
      return send(res, rejection.status, { ok: false, error: rejection.code, message: rejection.message, runId: result.runId }, rejection.headers);
    }
    if (special?.note) return sendText(res, special.reply);
    const reply = settings?.reply ? renderReply(settings.reply, request, result.runId) : null;
    if (reply) return sendText(res, reply);
    if (special) return sendText(res, special.reply);
    send(res, 200, { ok: true, runId: result.runId });
  }

  return async function handleHook(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await handle(req, res);
    } catch (err) {
      console.error("[hooks] unexpected error:", err);
      send(res, 500, { ok: false, error: "internal" });
    }
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const method = (req.method ?? "GET").toUpperCase();
    const token = tokenFromUrl(req.url);

    if (method === "OPTIONS") {
      req.resume();
      return send(res, 204, null, {
        Allow: ALLOW,
        "Access-Control-Allow-Methods": ALLOW,
        "Access-Control-Allow-Headers": String(req.headers["access-control-request-headers"] ?? "Content-Type"),
        "Access-Control-Max-Age": "86400",
      });
    }
    if (!token) {
      req.resume();
      return notFound(res);
    }
    if (method === "HEAD") {
      req.resume();
      try {
        return send(res, (await tokenExists(token)) ? 200 : 404, null);
      } catch {
        return unavailable(res);
      }
    }
    if (!ACCEPTED_METHODS.has(method)) {
      req.resume();
      return send(res, 405, { ok: false, error: "method_not_allowed" }, { Allow: ALLOW });
    }

    const maxBytes = getMaxBytes();
    const base = { method, url: req.url ?? "/", headers: req.headers, maxBytes };
    const declared = Number(req.headers["content-length"]);
    const pending = rateLimiter.check(token);
    const verdict = pending instanceof Promise ? await pending : pending;
    if (!verdict.ok) {
      discardRest(req, res, maxBytes);
      const rejection = rateLimited(base, Number.isFinite(declared) ? declared : 0, verdict.limit, verdict.retryAfterSec);
      return store(res, token, rejection.request, rejection, receivedAt);
    }
    if (Number.isFinite(declared) && declared > maxBytes) {
      discardRest(req, res, maxBytes);
      const rejection = tooLarge(base, declared, maxBytes);
      return store(res, token, rejection.request, rejection, receivedAt);
    }

    const read = await readBody(req, maxBytes);
    if (read.kind === "aborted") return;
    if (read.kind === "too_large") {
      discardRest(req, res, maxBytes);
      const rejection = tooLarge(base, read.received, maxBytes);
      return store(res, token, rejection.request, rejection, receivedAt);
    }

    let settings: SourceSettings | undefined;
    try {
      const pendingSettings = getSourceSettings().get(token);
      settings = pendingSettings instanceof Promise ? await pendingSettings : pendingSettings;
    } catch (err) {
      logStoreFailure(err);
      return unavailable(res);
    }
    const outcome = await parseRequest({ ...base, body: read.body });
    if (!outcome.ok) return store(res, token, outcome.rejection.request, outcome.rejection, receivedAt);
    if (settings?.signature) {
      const reason = checkSignature(settings.signature, { url: base.url, headers: req.headers, rawBody: read.body });
      if (reason) {
        const rejection: RequestRejection = {
          status: 401,
          code: "bad_signature",
          message: "Signature check failed",
          reason,
          request: outcome.request,
        };
        return store(res, token, outcome.request, rejection, receivedAt);
      }
    }
    const protocol = sourceProtocol(settings, outcome.request.payload);
    if (protocol?.kind === "reject") {
      const rejection: RequestRejection = {
        status: 401,
        code: "bad_signature",
        message: "Secret check failed",
        reason: protocol.reason,
        request: outcome.request,
      };
      return store(res, token, outcome.request, rejection, receivedAt);
    }
    if (protocol)
      return store(
        res,
        token,
        outcome.request,
        null,
        receivedAt,
        settings,
        protocol.kind === "record" ? { note: protocol.note, reply: protocol.reply } : { reply: protocol.reply },
      );
    return store(res, token, outcome.request, null, receivedAt, settings);
  }
}

let defaultHandler: ReturnType<typeof createHookHandler> | undefined;

/** Handles one /hooks/<token> request with the process-wide ingester. */
export async function handleHook(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  defaultHandler ??= createHookHandler();
  return defaultHandler(req, res);
}
