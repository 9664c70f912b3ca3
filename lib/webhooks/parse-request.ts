// Turns one received HTTP request into what a Run stores. Pure: no I/O besides reading the given
// Buffer, so the fast path and the tests share exactly the same rules.
//
// Field-name rules for query strings, url-encoded forms and multipart forms (never for JSON, which
// is already structured):
//   - a repeated key (services=a&services=b) becomes an array in arrival order;
//   - PHP/amoCRM/Bitrix bracket keys (fields[TITLE]=x, contacts[add][0][name]=y, tags[]=a) become
//     nested objects; a level whose keys are exactly 0..n-1 becomes an array, any other set of
//     numeric keys (e.g. only [5]) stays an object keyed "5" so no holes are invented;
//   - dotted keys (appointment.time) are kept verbatim: the dot is part of the name;
//   - nothing is ever dropped: a bracket key that would have to descend into a plain value is kept
//     verbatim under its whole name, and a plain value arriving where a nested object already is
//     goes under that object's "" key.
import zlib from "node:zlib";
import type { IncomingHttpHeaders } from "node:http";
import busboy from "busboy";
import iconv from "iconv-lite";
import { MAX_JSON_DEPTH, jsonDepthOver } from "../json-depth";
import { isSensitiveHeader, MASK } from "../security/mask";

export type FileInfo = { filename: string; mimeType: string; size: number };

export type ParsedRequest = {
  method: string;
  /** Parsed query string (same key rules as forms). */
  query: Record<string, unknown>;
  /** Request headers, credentials masked as "***". */
  headers: Record<string, string | string[]>;
  /** Parsed body: JSON value, form fields as an object, text as a string; null when empty. */
  body: unknown;
  /** The body as text (decoded with its charset); null for an empty, multipart or unread body. */
  rawBody: string | null;
  contentType: string | null;
  sizeBytes: number;
  /** What later steps read as `source`: query fields deep-merged with an object body. */
  payload: Record<string, unknown>;
};

export type RejectionCode =
  | "invalid_json"
  | "json_too_deep"
  | "invalid_multipart"
  | "payload_too_large"
  | "unsupported_charset"
  | "unsupported_encoding"
  | "rate_limited"
  | "bad_signature";

export type RequestRejection = {
  status: 400 | 401 | 413 | 415 | 429;
  code: RejectionCode;
  /** For the caller (HTTP reply). */
  message: string;
  /** For the user (Run.rejectReason, shown in the history). */
  reason: string;
  /** What is still worth storing: method, query, headers, size, and the raw text when it decoded. */
  request: ParsedRequest;
  /** Extra reply headers (Retry-After on a 429). */
  headers?: Record<string, string>;
};

export type ParseOutcome = { ok: true; request: ParsedRequest } | { ok: false; rejection: RequestRejection };

export type ParseInput = {
  method: string;
  /** Request target ("/hooks/x?a=1") or just a query string ("a=1", "?a=1"). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  maxBytes?: number;
};

const DEFAULT_MAX_BYTES = 1024 * 1024;

// ── headers ──────────────────────────────────────────────────────────────────────────────────

export function maskHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = isSensitiveHeader(name) ? MASK : value;
  }
  return out;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

// ── content type and charset ─────────────────────────────────────────────────────────────────

type MediaType = { type: string; params: Record<string, string> };

export function parseMediaType(value: string | undefined): MediaType | null {
  if (!value || !value.trim()) return null;
  const [type, ...rest] = value.split(";");
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1);
    if (key) params[key] = val;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Decodes bytes with a charset label; null when the label is unknown. */
function decode(bytes: Buffer, charset: string): string | null {
  const label = charset.trim().toLowerCase();
  if (label === "utf-8" || label === "utf8" || label === "") return stripBom(bytes.toString("utf8"));
  if (!iconv.encodingExists(label)) return null;
  return stripBom(iconv.decode(bytes, label));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * URLs carry no charset. Most senders percent-encode UTF-8, but older Russian systems (1C, some
 * Bitrix installs) send windows-1251 bytes; those are not valid UTF-8, so that is the fallback.
 */
function decodeUrlBytes(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return iconv.decode(bytes, "windows-1251");
  }
}

// ── url-encoded pairs ────────────────────────────────────────────────────────────────────────

/**
 * Percent-decodes to bytes. The input is a "binary" string (one char per received byte, as Node
 * gives req.url and as latin1 decoding gives a body), so a raw non-ASCII byte maps to itself and
 * the charset is applied once, to the final bytes.
 */
function percentDecode(s: string): Buffer {
  const plus = s.includes("+") ? s.replace(/\+/g, " ") : s;
  const out = Buffer.allocUnsafe(plus.length * 3);
  let n = 0;
  for (let i = 0; i < plus.length; i++) {
    const c = plus.charCodeAt(i);
    if (c === 0x25 && isHex(plus.charCodeAt(i + 1)) && isHex(plus.charCodeAt(i + 2))) {
      out[n++] = parseInt(plus.slice(i + 1, i + 3), 16);
      i += 2;
    } else if (c < 0x100) {
      out[n++] = c;
    } else {
      // Only reachable for strings built in JS (not received bytes): keep such characters as UTF-8.
      const cp = plus.codePointAt(i)!;
      n += out.write(String.fromCodePoint(cp), n, "utf8");
      if (cp > 0xffff) i++;
    }
  }
  return out.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * One key or value. Most components are ASCII, and most escapes are UTF-8: those take the native
 * decodeURIComponent; anything else (a raw byte, an escape that is not UTF-8, a stray "%") goes
 * through the byte path and the charset.
 */
function decodeComponent(s: string, decodeBytes: (b: Buffer) => string, utf8: boolean): string {
  if (ASCII.test(s)) {
    const spaced = s.includes("+") ? s.replace(/\+/g, " ") : s;
    if (!spaced.includes("%")) return spaced;
    if (utf8) {
      try {
        return decodeURIComponent(spaced);
      } catch {
        // Not UTF-8 or a malformed escape: the byte path below decides.
      }
    }
  }
  return decodeBytes(percentDecode(s));
}

/**
 * Splits "a=1&b=2" into decoded pairs; `decodeBytes` applies the charset, `utf8` says whether
 * UTF-8 escapes may be decoded natively.
 */
export function splitUrlEncoded(text: string, decodeBytes: (b: Buffer) => string, utf8 = false): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawVal = eq < 0 ? "" : part.slice(eq + 1);
    const key = decodeComponent(rawKey, decodeBytes, utf8);
    if (key === "") continue;
    pairs.push([key, decodeComponent(rawVal, decodeBytes, utf8)]);
  }
  return pairs;
}

// ── bracket keys → nested objects ────────────────────────────────────────────────────────────

type Leaf = string | FileInfo;
type Branch = { kind: "branch"; children: Map<string, Entry>; pushed: number };
type LeafEntry = { kind: "leaf"; values: Leaf[] };
type Entry = Branch | LeafEntry;

const MAX_DEPTH = 20;

/** "a[b][0][]" → ["a","b","0",""]; null when the key is not in bracket form. */
export function splitBracketKey(key: string): string[] | null {
  const open = key.indexOf("[");
  if (open <= 0 || !key.endsWith("]")) return null;
  const segments = [key.slice(0, open)];
  let i = open;
  while (i < key.length) {
    if (key[i] !== "[") return null;
    const close = key.indexOf("]", i);
    if (close < 0) return null;
    const seg = key.slice(i + 1, close);
    if (seg.includes("[")) return null;
    segments.push(seg);
    i = close + 1;
  }
  return segments.length - 1 > MAX_DEPTH ? null : segments;
}

const newBranch = (): Branch => ({ kind: "branch", children: new Map(), pushed: 0 });

function addLeaf(branch: Branch, key: string, value: Leaf): void {
  const existing = branch.children.get(key);
  if (!existing) branch.children.set(key, { kind: "leaf", values: [value] });
  else if (existing.kind === "leaf") existing.values.push(value);
  else addLeaf(existing, "", value);
}

function insert(root: Branch, key: string, value: Leaf): void {
  const segments = splitBracketKey(key);
  if (!segments) return addLeaf(root, key, value);
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) {
    let seg = segments[i];
    if (seg === "" && i > 0) seg = String(node.pushed++);
    const next = node.children.get(seg);
    if (next === undefined) {
      const b = newBranch();
      node.children.set(seg, b);
      node = b;
    } else if (next.kind === "branch") {
      node = next;
    } else {
      return addLeaf(root, key, value);
    }
  }
  let last = segments[segments.length - 1];
  if (last === "") last = String(node.pushed++);
  addLeaf(node, last, value);
}

const INDEX = /^(0|[1-9][0-9]{0,8})$/;

function materialize(entry: Entry): unknown {
  if (entry.kind === "leaf") return entry.values.length === 1 ? entry.values[0] : entry.values;
  const keys = [...entry.children.keys()];
  if (keys.length > 0 && keys.every((k) => INDEX.test(k))) {
    const nums = keys.map(Number).sort((a, b) => a - b);
    if (nums.every((n, i) => n === i)) return nums.map((n) => materialize(entry.children.get(String(n))!));
  }
  const obj: Record<string, unknown> = {};
  for (const [k, child] of entry.children) setOwn(obj, k, materialize(child));
  return obj;
}

/** Assigns without letting a "__proto__" field name reach the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Builds the field object from decoded pairs (repeated keys, bracket keys, dotted keys). */
export function buildFields(pairs: Iterable<[string, Leaf]>): Record<string, unknown> {
  const root = newBranch();
  for (const [k, v] of pairs) insert(root, k, v);
  return materialize(root) as Record<string, unknown>;
}

/** Query string of a request target or a bare query string → field object. */
export function parseQueryString(urlOrQuery: string): Record<string, unknown> {
  const q = urlOrQuery.indexOf("?");
  let text = q >= 0 ? urlOrQuery.slice(q + 1) : urlOrQuery.startsWith("/") ? "" : urlOrQuery;
  const hash = text.indexOf("#");
  if (hash >= 0) text = text.slice(0, hash);
  return buildFields(splitUrlEncoded(text, decodeUrlBytes, true));
}

// ── merge ────────────────────────────────────────────────────────────────────────────────────

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; `over` wins on conflicting leaves. */
export function mergeFields(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    setOwn(out, k, isPlainObject(prev) && isPlainObject(v) ? mergeFields(prev, v) : v);
  }
  return out;
}

export function payloadOf(query: Record<string, unknown>, body: unknown): Record<string, unknown> {
  if (body === null || body === undefined) return query;
  if (isPlainObject(body)) return mergeFields(query, body);
  return mergeFields(query, { body });
}

// ── JSON error position ──────────────────────────────────────────────────────────────────────

/**
 * V8's JSON.parse messages name the position only for some errors ("Unexpected token '}', ... is
 * not valid JSON" has none), so the offset is found by scanning. Called only after JSON.parse
 * failed; returns the index of the first character that cannot be part of valid JSON.
 */
export function jsonErrorPosition(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  class Stop extends Error {}
  const fail = (): never => {
    throw new Stop();
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail();
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++)
            if (!isHex(text.charCodeAt(i + k))) {
              i += k;
              fail();
            }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
    fail();
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (text[i] >= "1" && text[i] <= "9") while (text[i] >= "0" && text[i] <= "9") i++;
    else fail();
    if (text[i] === ".") {
      i++;
      if (!(text[i] >= "0" && text[i] <= "9")) fail();
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!(text[i] >= "0" && text[i] <= "9")) fail();
      while (text[i] >= "0" && text[i] <= "9") i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else if (c === "-" || (c >= "0" && c <= "9")) number();
    else fail();
  };
  try {
    value(0);
    ws();
    if (i < n) fail();
    return n;
  } catch (e) {
    if (e instanceof Stop) return Math.min(i, n);
    return 0;
  }
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < pos; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

function describeAt(text: string, pos: number): { en: string; ru: string } {
  if (pos >= text.length) return { en: "unexpected end of input", ru: "неожиданный конец текста" };
  const ch = JSON.stringify(text.slice(pos, pos + 1));
  return { en: `unexpected character ${ch}`, ru: `неожиданный символ ${ch}` };
}

// ── multipart ────────────────────────────────────────────────────────────────────────────────

function parseMultipart(headers: IncomingHttpHeaders, body: Buffer, charset: string): Promise<Array<[string, Leaf]>> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers,
        defCharset: charset,
        defParamCharset: charset,
        limits: { fields: 10_000, files: 1_000, parts: 11_000, fieldSize: Infinity, fieldNameSize: 1_000 },
      });
    } catch (err) {
      return reject(err);
    }
    const pairs: Array<[string, Leaf]> = [];
    bb.on("field", (name, value) => pairs.push([name, value]));
    bb.on("file", (name, stream, info) => {
      const file: FileInfo = { filename: info.filename ?? "", mimeType: info.mimeType, size: 0 };
      pairs.push([name, file]);
      stream.on("data", (chunk: Buffer) => (file.size += chunk.length));
    });
    bb.on("error", reject);
    bb.on("close", () => resolve(pairs));
    bb.end(body);
  });
}

// ── the entry point ──────────────────────────────────────────────────────────────────────────

function baseRequest(input: ParseInput, sizeBytes: number): ParsedRequest {
  const query = parseQueryString(input.url);
  return {
    method: input.method.toUpperCase(),
    query,
    headers: maskHeaders(input.headers),
    body: null,
    rawBody: null,
    contentType: headerValue(input.headers, "content-type") ?? null,
    sizeBytes,
    payload: query,
  };
}

/** The 413 outcome; also used by the HTTP handler when Content-Length alone is over the limit. */
export function tooLarge(input: Omit<ParseInput, "body">, sizeBytes: number, maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES): RequestRejection {
  return {
    status: 413,
    code: "payload_too_large",
    message: `Request body is larger than ${maxBytes} bytes`,
    reason: `Тело запроса больше допустимого (${sizeBytes} байт при пределе ${maxBytes})`,
    request: baseRequest({ ...input, body: Buffer.alloc(0) }, sizeBytes),
  };
}

/** The 429 outcome of the per-обработка rate limit: stored without its body, which is not read. */
export function rateLimited(input: Omit<ParseInput, "body">, sizeBytes: number, limit: number, retryAfterSec: number): RequestRejection {
  return {
    status: 429,
    code: "rate_limited",
    message: `Too many requests: this webhook accepts ${limit} per minute; retry after ${retryAfterSec} s`,
    reason: `Превышен предел обработки: не больше ${limit} запросов в минуту (тело не сохранено)`,
    request: baseRequest({ ...input, body: Buffer.alloc(0) }, sizeBytes),
    headers: { "Retry-After": String(retryAfterSec) },
  };
}

const TEXT_LIKE_JSON = /^(application\/json|text\/json|application\/[a-z0-9.+-]*\+json)$/;

function decompress(body: Buffer, encoding: string, maxBytes: number): Buffer | "unsupported" | "too_large" {
  const opts = { maxOutputLength: maxBytes + 1 };
  try {
    let out: Buffer;
    if (encoding === "gzip" || encoding === "x-gzip") out = zlib.gunzipSync(body, opts);
    else if (encoding === "deflate") out = zlib.inflateSync(body, opts);
    else if (encoding === "br") out = zlib.brotliDecompressSync(body, opts);
    else return "unsupported";
    return out.length > maxBytes ? "too_large" : out;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" ? "too_large" : "unsupported";
  }
}

export async function parseRequest(input: ParseInput): Promise<ParseOutcome> {
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES;
  const sizeBytes = input.body.length;
  if (sizeBytes > maxBytes) return { ok: false, rejection: tooLarge(input, sizeBytes, maxBytes) };

  const request = baseRequest(input, sizeBytes);
  const reject = (status: 400 | 415, code: RejectionCode, message: string, reason: string): ParseOutcome => ({
    ok: false,
    rejection: { status, code, message, reason, request },
  });

  let bytes = input.body;
  const encoding = headerValue(input.headers, "content-encoding")?.trim().toLowerCase();
  if (bytes.length > 0 && encoding && encoding !== "identity") {
    const out = decompress(bytes, encoding, maxBytes);
    if (out === "too_large") return { ok: false, rejection: tooLarge(input, sizeBytes, maxBytes) };
    if (out === "unsupported")
      return reject(
        415,
        "unsupported_encoding",
        `Unsupported or corrupt Content-Encoding "${encoding}"`,
        `Неподдерживаемое или повреждённое сжатие тела (Content-Encoding: ${encoding})`,
      );
    bytes = out;
  }

  const media = parseMediaType(request.contentType ?? undefined);
  const charset = media?.params.charset ?? "utf-8";
  if (bytes.length === 0) return { ok: true, request };
  const text = decode(bytes, charset);
  if (text === null) {
    request.rawBody = bytes.toString("utf8");
    return reject(
      415,
      "unsupported_charset",
      `Unsupported charset "${charset}"`,
      `Неподдерживаемая кодировка «${charset}» (поддерживаются utf-8, windows-1251 и другие стандартные)`,
    );
  }

  const type = media?.type ?? "";
  if (type === "multipart/form-data") {
    try {
      const pairs = await parseMultipart(input.headers, bytes, charset);
      request.body = buildFields(pairs);
    } catch (err) {
      return reject(
        400,
        "invalid_multipart",
        `Malformed multipart body: ${(err as Error).message}`,
        `Некорректное тело multipart/form-data: ${(err as Error).message}`,
      );
    }
    request.payload = payloadOf(request.query, request.body);
    return { ok: true, request };
  }

  request.rawBody = text;
  if (TEXT_LIKE_JSON.test(type)) {
    if (text.trim() === "") return { ok: true, request };
    if (jsonDepthOver(text) > 0) {
      return reject(
        400,
        "json_too_deep",
        `JSON nesting is deeper than ${MAX_JSON_DEPTH} levels`,
        `JSON вложен глубже ${MAX_JSON_DEPTH} уровней — такой запрос не принимается`,
      );
    }
    try {
      request.body = JSON.parse(text);
    } catch {
      const pos = jsonErrorPosition(text);
      const { line, column } = lineColumn(text, pos);
      const what = describeAt(text, pos);
      return reject(
        400,
        "invalid_json",
        `Malformed JSON at position ${pos} (line ${line}, column ${column}): ${what.en}`,
        `Некорректный JSON: позиция ${pos} (строка ${line}, столбец ${column}), ${what.ru}`,
      );
    }
  } else if (type === "application/x-www-form-urlencoded") {
    const binary = bytes.toString("latin1").replace(/^\s+|\s+$/g, "");
    const utf8 = /^utf-?8$/i.test(charset.trim());
    request.body = buildFields(splitUrlEncoded(binary, (b) => decode(b, charset)!, utf8));
  } else {
    request.body = text;
  }
  request.payload = payloadOf(request.query, request.body);
  return { ok: true, request };
}
