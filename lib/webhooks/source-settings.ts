// Per-URL settings the fast path needs before or after storing a request: the reply to the
// caller (sources[].reply) and the signature check (sources[].signature) with its secret,
// decrypted once, Tilda / VK (sources[].type, .vk) — per source (docs/sources.md); a definition
// without `sources` has them at the top level. Like the rate limits (rate-limit.ts), every source
// that has one of them enabled is loaded in ONE query, plus one for the access keys (refreshed
// every 10 s, and at once in this process after a pipeline or an access key is saved —
// invalidateSourceSettings), so a request never waits on a query of its own.
// A token without settings (the common case) costs one Map lookup.
import { createHmac, timingSafeEqual } from "node:crypto";
import { pool } from "../pool";
import { credentialAad, decryptSecret } from "../credentials/crypto";
import { replySchema, RUN_ID_TOKEN, signatureSchema, vkSourceSchema, type ReplyConfig, type SignatureConfig } from "../definition/schema";
import { renderJson, renderText, toText } from "../definition/placeholders";
import type { ParsedRequest } from "./parse-request";

export type SourceSettings = {
  /** Ready-made sources with their own protocol (absent = a plain webhook). */
  type?: "tilda" | "vk";
  /** VK: the confirmation string and VK's secret (null = not checked). */
  vk?: { confirmation: string; credential: string; secret: string | null };
  reply?: ReplyConfig;
  /** Present when the check is enabled; secret null = the access key is missing or unreadable. */
  signature?: SignatureConfig & { secret: string | null };
};

export type SourceSettingsCache = {
  get(token: string): SourceSettings | undefined | Promise<SourceSettings | undefined>;
  invalidate(): void;
};

type Row = {
  token: string;
  userId: string;
  /** The source's entry of definition.sources; null for a definition without `sources`. */
  src: Record<string, unknown> | null;
  /** Top-level settings of a definition without `sources` (its one source). */
  reply: unknown;
  signature: unknown;
  sourceType: string | null;
  vk: unknown;
};

type Cipher = { ciphertext: string | null; iv: string | null; tag: string | null; keyId: string | null };

function decrypt(userId: string, c: Cipher | undefined): string | null {
  if (!c || !c.ciphertext || !c.iv || !c.tag || !c.keyId) return null;
  try {
    return decryptSecret({ ciphertext: c.ciphertext, iv: c.iv, tag: c.tag, keyId: c.keyId }, credentialAad(userId));
  } catch {
    return null;
  }
}

// Only sources with something to do on the fast path: a reply, a signature check, Tilda or VK.
const SETTINGS_SQL = `
SELECT s.token, p."userId",
       (SELECT x FROM jsonb_array_elements(p.definition->'sources') x WHERE x->>'id' = s.id::text LIMIT 1) AS src,
       p.definition->'reply' AS reply, p.definition->'signature' AS signature,
       p.definition->>'sourceType' AS "sourceType", p.definition->'vk' AS vk
  FROM "Source" s JOIN "Pipeline" p ON p.id = s."pipelineId"
 WHERE s.token IS NOT NULL AND (
       (jsonb_typeof(p.definition->'sources') = 'array' AND jsonb_path_exists(p.definition,
          '$.sources[*] ? (@.reply.enabled == true || @.signature.enabled == true || @.type == "tilda" || @.type == "vk")'))
    OR (jsonb_typeof(p.definition->'sources') IS DISTINCT FROM 'array' AND (
          p.definition->'reply'->>'enabled' = 'true' OR p.definition->'signature'->>'enabled' = 'true'
          OR p.definition->>'sourceType' IN ('tilda', 'vk'))))`;

const CREDENTIALS_SQL = `
SELECT c."userId", c.name, c.ciphertext, c.iv, c.tag, c."keyId"
  FROM "Credential" c JOIN unnest($1::uuid[], $2::text[]) AS k("userId", name) ON c."userId" = k."userId" AND c.name = k.name`;

export async function loadSourceSettings(): Promise<Map<string, SourceSettings>> {
  const r = await pool().query<Row>(SETTINGS_SQL);
  // The settings of each source: its own entry, or the top-level fields of an old definition.
  const found = r.rows.map((row) => {
    const src = row.src ?? { type: row.sourceType ?? "webhook", reply: row.reply, signature: row.signature, vk: row.vk };
    return { row, src };
  });
  // The access keys named by signatures and VK secrets, in one query.
  const wanted = new Map<string, [string, string]>();
  for (const { row, src } of found) {
    for (const name of [(src.signature as { credential?: unknown })?.credential, (src.vk as { credential?: unknown })?.credential]) {
      if (typeof name === "string" && name) wanted.set(`${row.userId}\u0000${name}`, [row.userId, name]);
    }
  }
  const keys = new Map<string, Cipher>();
  if (wanted.size > 0) {
    const pairs = [...wanted.values()];
    const c = await pool().query<Cipher & { userId: string; name: string }>(CREDENTIALS_SQL, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
    for (const k of c.rows) keys.set(`${k.userId}\u0000${k.name}`, k);
  }
  const out = new Map<string, SourceSettings>();
  for (const { row, src } of found) {
    const s: SourceSettings = {};
    const reply = replySchema.safeParse(src.reply);
    if (reply.success && reply.data.enabled) s.reply = reply.data;
    const sig = signatureSchema.safeParse(src.signature);
    if (sig.success && sig.data.enabled) {
      s.signature = { ...sig.data, secret: decrypt(row.userId, keys.get(`${row.userId}\u0000${sig.data.credential}`)) };
    }
    if (src.type === "tilda") s.type = "tilda";
    if (src.type === "vk") {
      const vk = vkSourceSchema.safeParse(src.vk ?? {});
      const cfg = vk.success ? vk.data : { confirmation: "", credential: "" };
      s.type = "vk";
      s.vk = { ...cfg, secret: cfg.credential ? decrypt(row.userId, keys.get(`${row.userId}\u0000${cfg.credential}`)) : null };
    }
    if (s.reply || s.signature || s.type) out.set(row.token, s);
  }
  return out;
}

export function createSourceSettingsCache(
  options: { load?: () => Promise<Map<string, SourceSettings>>; refreshMs?: number; now?: () => number } = {},
): SourceSettingsCache {
  const load = options.load ?? loadSourceSettings;
  const refreshMs = options.refreshMs ?? 10_000;
  const now = options.now ?? Date.now;
  let settings = new Map<string, SourceSettings>();
  let loadedAt = -Infinity;
  let loading: Promise<void> | null = null;
  let generation = 0;
  let lastError = 0;

  function refresh(): Promise<void> {
    if (loading) return loading;
    const gen = generation;
    loading = load()
      .then((m) => {
        settings = m;
        loadedAt = gen === generation ? now() : -Infinity;
      })
      .catch((err) => {
        // Keep what we had; a never-loaded cache tries again on the next request.
        if (loadedAt !== -Infinity) loadedAt = now();
        if (now() - lastError > 60_000) {
          lastError = now();
          console.error("[hooks] could not load webhook source settings:", (err as Error).message);
        }
        if (loadedAt === -Infinity) throw err;
      })
      .finally(() => (loading = null));
    return loading;
  }

  return {
    get(token) {
      if (loadedAt === -Infinity) return refresh().then(() => settings.get(token));
      if (now() - loadedAt >= refreshMs) void refresh().catch(() => undefined);
      return settings.get(token);
    },
    invalidate() {
      generation++;
      loadedAt = -Infinity;
    },
  };
}

const globalForSettings = globalThis as unknown as { __hookflowSourceSettings?: SourceSettingsCache };

export function defaultSourceSettings(): SourceSettingsCache {
  globalForSettings.__hookflowSourceSettings ??= createSourceSettingsCache();
  return globalForSettings.__hookflowSourceSettings;
}

/** After a pipeline or an access key changed: the next request in this process reloads. */
export function invalidateSourceSettings(): void {
  globalForSettings.__hookflowSourceSettings?.invalidate();
}

// ── signature ────────────────────────────────────────────────────────────────────────────────

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function queryValue(url: string, name: string): string | null {
  const i = url.indexOf("?");
  if (i < 0) return null;
  return new URLSearchParams(url.slice(i + 1)).get(name);
}

/** Constant-time comparison of two strings (different lengths compare as unequal, still in constant time). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Null when the request passes; otherwise the reason (Russian, for the history). */
export function checkSignature(
  sig: NonNullable<SourceSettings["signature"]>,
  req: { url: string; headers: Record<string, string | string[] | undefined>; rawBody: Buffer },
): string | null {
  if (sig.secret === null) return `Подпись не проверена: ключ доступа «${sig.credential}» не найден — запрос отклонён`;
  if (sig.method === "secret-query") {
    const got = queryValue(req.url, sig.param);
    if (got === null) return `Нет секрета: в адресе нет параметра «${sig.param}»`;
    return safeEqual(got, sig.secret) ? null : `Неверный секрет в параметре «${sig.param}»`;
  }
  let got = headerValue(req.headers, sig.header);
  if (got === null) return `Нет подписи: запрос пришёл без заголовка «${sig.header}»`;
  if (sig.method === "secret-header") return safeEqual(got, sig.secret) ? null : `Неверный секрет в заголовке «${sig.header}»`;
  got = got.trim();
  if (sig.prefix) {
    if (!got.toLowerCase().startsWith(sig.prefix.toLowerCase())) return `Неверная подпись в заголовке «${sig.header}»: нет приставки «${sig.prefix}»`;
    got = got.slice(sig.prefix.length);
  }
  const digest = createHmac(sig.method === "hmac-sha1" ? "sha1" : "sha256", sig.secret)
    .update(req.rawBody)
    .digest(sig.encoding);
  const ok = sig.encoding === "hex" ? safeEqual(got.toLowerCase(), digest) : safeEqual(got, digest);
  return ok ? null : `Неверная подпись в заголовке «${sig.header}» (HMAC-${sig.method === "hmac-sha1" ? "SHA1" : "SHA256"} тела не совпадает)`;
}

// ── reply ────────────────────────────────────────────────────────────────────────────────────

export type Reply = { status: number; headers: Record<string, string>; body: string };

/** The configured reply for a stored request; null when rendering fails (the default reply is sent). */
export function renderReply(reply: ReplyConfig, request: ParsedRequest, runId: string): Reply | null {
  const scope = { source: request.payload, steps: {}, credentials: {} };
  const template = reply.body.replace(RUN_ID_TOKEN, runId);
  let body: string;
  try {
    if (reply.format === "json") {
      body = template.trim() === "" ? "" : JSON.stringify(renderJson(template, scope, { field: "reply.body", onMissing: "empty" }));
    } else {
      body = template.includes("{{") ? renderText(template, scope, { field: "reply.body", onMissing: "empty" }) : template;
    }
  } catch (err) {
    console.error(`[hooks] reply template failed, sending the default reply: ${(err as Error).message}`);
    return null;
  }
  const headers: Record<string, string> = {
    "Content-Type": reply.format === "json" ? "application/json; charset=utf-8" : "text/plain; charset=utf-8",
  };
  for (const h of reply.headers) {
    if (h.name.toLowerCase() === "content-type") delete headers["Content-Type"];
    headers[h.name] = toText(h.value);
  }
  const empty = reply.status === 204 || reply.status === 205 || reply.status === 304;
  return { status: reply.status, headers, body: empty ? "" : body };
}

// ── ready-made sources ───────────────────────────────────────────────────────────────────────

const TEXT_OK: Reply = { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "ok" };

export type SourceProtocol =
  /** Store normally, then answer with `reply` (unless a custom reply is configured). */
  | { kind: "store"; reply: Reply }
  /** Store as FILTERED with the note (not executed), answer with `reply`. */
  | { kind: "record"; note: string; reply: Reply }
  /** Store as REJECTED with the reason, answer 401. */
  | { kind: "reject"; reason: string };

/** What a Tilda / VK source does with a parsed request; null for a plain webhook. */
export function sourceProtocol(settings: SourceSettings | undefined, payload: Record<string, unknown>): SourceProtocol | null {
  if (settings?.type === "tilda") {
    // Tilda checks a new webhook with a POST of test=test and expects a 200 (docs/tilda.md).
    if (payload.test === "test") return { kind: "record", note: "Проверка подключения Tilda (test=test): записана, шаги не выполнялись", reply: TEXT_OK };
    return { kind: "store", reply: TEXT_OK };
  }
  if (settings?.type === "vk" && settings.vk) {
    const vk = settings.vk;
    if (vk.credential) {
      if (vk.secret === null) return { kind: "reject", reason: `Секрет VK не проверен: ключ доступа «${vk.credential}» не найден — запрос отклонён` };
      const got = typeof payload.secret === "string" ? payload.secret : null;
      if (got === null) return { kind: "reject", reason: "Нет секретного ключа VK (поле secret) — запрос отклонён" };
      if (!safeEqual(got, vk.secret)) return { kind: "reject", reason: "Неверный секретный ключ VK (поле secret)" };
    }
    const text = (body: string): Reply => ({ ...TEXT_OK, body });
    if (payload.type === "confirmation")
      return {
        kind: "record",
        note: "Подтверждение адреса VK Callback API: отправлена строка подтверждения, шаги не выполнялись",
        reply: text(vk.confirmation),
      };
    return { kind: "store", reply: TEXT_OK };
  }
  return null;
}
