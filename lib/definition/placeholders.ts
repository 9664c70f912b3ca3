// Placeholders (`{{…}}`): how a step picks source fields, earlier steps' outputs and credentials.
// In code a parsed placeholder is a `Token` (findTokens, parseToken); a "template" is a field's text
// that may hold placeholders.
//
// Syntax (inside double braces, whitespace allowed around the expression):
//   {{source.<path>}}                     a field of the received request; <path> as in paths.ts:
//                                         client.phone, items[0].id, ["appointment.time"]
//   {{steps.<stepId>.<key>}}              an output of an earlier step
//   {{steps.<stepId>.<key>.<subpath>}}    …and a path into it (subpath as in paths.ts)
//   {{credentials["Weeek токен"]}}        a credential by name (any characters; \" and \\ escape)
//   {{credentials.weeek_token}}           the same, for names made of letters, digits, _ and -
//   {{… | filter | filter(arg)}}          filters, applied left to right (FILTERS below):
//     casts      string, number, boolean, json, html (text with <, >, & and " escaped)
//     formatters trim, phone, date, dateRu, datetime, time, round
//     empties    omitEmpty (leave the value out), default("…") (a value for an empty one)
// Only these three roots are tokens; any other `{{…}}` — or one with an unknown filter — is literal
// text (other systems use the same braces, e.g. Klientiks' own placeholders).
//
// Empty values (docs/templates-and-actions.md «Пустые значения»): a value is empty when it is
// missing, null, a string of only spaces, [] or {}. An empty value skips the formatting filters
// that stand before an omitEmpty/default of its chain; `omitEmpty` and `default` also accept a
// missing field under onMissing "fail" (they are the explicit choice). In a JSON template an
// omitted value drops its key or array element; an object left with only fixed text and an array
// left empty by that are dropped too. In text an omitted value drops its whole line.
// Null under onMissing "fail": a whole value keeps null (JSON has it); inside text it is an error
// rather than silently "" — add `| default("")` or `| omitEmpty` to allow it.
//
// There is no expression language: a token is a lookup, nothing runs, and the only data a
// template can reach is the scope the engine passes in (this run's source, outputs, credentials).
import { getByPath, parsePath, PathSyntaxError } from "./paths";
import { isoDate, isoDateTime, parseDateTime, ruDate, russianPhone, shortTime } from "./formatters";

export type CastType = "string" | "number" | "boolean" | "json" | "html";
export type OnMissing = "empty" | "fail";

export type FilterName = CastType | "trim" | "phone" | "date" | "dateRu" | "datetime" | "time" | "round" | "omitEmpty" | "default";
export type Filter = { name: FilterName; arg?: string };

export type TokenRef = { kind: "source"; path: string } | { kind: "step"; stepId: string; key: string; path: string } | { kind: "credential"; name: string };

/**
 * `cast` alone is the old single-cast form (`{{x | number}}`); a longer chain or any other filter
 * comes as `filters` (and `cast` then names the chain's last cast, for labels).
 */
export type Token = TokenRef & { cast?: CastType; filters?: Filter[] };

export type FoundToken = { start: number; end: number; raw: string; token: Token };

export type TemplateScope = {
  source: unknown;
  /** Outputs of the steps that ran before, by step id. */
  steps: Record<string, Record<string, unknown>>;
  /** Credential name → secret. */
  credentials: Record<string, string>;
};

export type RenderOptions = {
  /** Shown in error messages, e.g. "config.url" or "amount". */
  field: string;
  onMissing: OnMissing;
};

export type TemplateErrorCode = "missing" | "cast" | "syntax" | "credential" | "step";

export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    readonly field: string,
    message: string,
    readonly messageEn: string,
  ) {
    super(message);
    this.name = "TemplateError";
  }
}

const CASTS = new Set<CastType>(["string", "number", "boolean", "json", "html"]);
export const FILTER_NAMES: readonly FilterName[] = [
  "string",
  "number",
  "boolean",
  "json",
  "html",
  "trim",
  "phone",
  "date",
  "dateRu",
  "datetime",
  "time",
  "round",
  "omitEmpty",
  "default",
];
const FILTERS = new Set<string>(FILTER_NAMES);

/** Splits at `|` outside quotes, brackets and parentheses. */
function splitPipes(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      i++;
      while (i < text.length && text[i] !== ch) i += text[i] === "\\" ? 2 : 1;
    } else if (ch === "[" || ch === "(") depth++;
    else if (ch === "]" || ch === ")") depth--;
    else if (ch === "|" && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** "omitEmpty", "default(\"Без имени\")", "default('x')", "default(0)" → a filter; null otherwise. */
function parseFilter(text: string): Filter | null {
  const m = /^([A-Za-z]+)\s*(?:\((.*)\))?$/s.exec(text);
  if (!m || !FILTERS.has(m[1])) return null;
  const name = m[1] as FilterName;
  if (m[2] === undefined) return name === "default" ? null : { name };
  if (name !== "default") return null;
  const a = m[2].trim();
  const dq = /^"((?:[^"\\]|\\.)*)"$/.exec(a);
  const sq = /^'((?:[^'\\]|\\.)*)'$/.exec(a);
  if (dq || sq) return { name, arg: (dq ?? sq)![1].replace(/\\(.)/g, "$1") };
  if (/^-?\d+(?:[.,]\d+)?$/.test(a)) return { name, arg: a };
  return null;
}

/** Parses the inside of `{{ … }}`; null when it is not one of our tokens. */
export function parseToken(expr: string): Token | null {
  // Inside a JSON string a user may escape the quotes of credentials["…"] or source["…"].
  const [head, ...rest] = splitPipes(expr.trim().replace(/\\"/g, '"'));
  const text = head;
  const filters: Filter[] = [];
  for (const part of rest) {
    const f = parseFilter(part);
    if (!f) return null;
    filters.push(f);
  }
  const casts = filters.filter((f) => CASTS.has(f.name as CastType));
  const cast = casts.length ? (casts[casts.length - 1].name as CastType) : undefined;
  const single = filters.length === 1 && cast;
  const withCast = (t: TokenRef): Token => (single ? { ...t, cast } : filters.length ? { ...t, ...(cast ? { cast } : {}), filters } : t);

  if (text === "source") return withCast({ kind: "source", path: "" });
  if (text.startsWith("source.") || text.startsWith("source[")) {
    const path = text.startsWith("source.") ? text.slice(7) : text.slice(6);
    if (!validPath(path)) return null;
    return withCast({ kind: "source", path });
  }
  if (text.startsWith("steps.")) {
    const m = /^steps\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]+)(.*)$/.exec(text);
    if (!m) return null;
    let rest = m[3];
    if (rest.startsWith(".")) rest = rest.slice(1);
    else if (rest !== "" && !rest.startsWith("[")) return null;
    if (rest !== "" && !validPath(rest)) return null;
    return withCast({ kind: "step", stepId: m[1], key: m[2], path: rest });
  }
  if (text.startsWith("credentials")) {
    const rest = text.slice("credentials".length);
    const plain = /^\.([\p{L}\p{N}_-]+)$/u.exec(rest);
    if (plain) return withCast({ kind: "credential", name: plain[1] });
    const quoted = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]$/.exec(rest) ?? /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]$/.exec(rest);
    if (quoted) return withCast({ kind: "credential", name: quoted[1].replace(/\\(.)/g, "$1") });
    return null;
  }
  return null;
}

function validPath(path: string): boolean {
  if (path === "") return false;
  try {
    parsePath(path);
    return true;
  } catch (e) {
    if (e instanceof PathSyntaxError) return false;
    throw e;
  }
}

// Templates come from saved definitions, so the worker renders the same few strings for every run:
// their token lists and parsed JSON skeletons are kept (bounded, oldest dropped first). Cached
// values are shared and never mutated by their users.
const MEMO_MAX = 2000;
function memo<V>(cache: Map<string, V>, key: string, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const v = make();
  if (cache.size >= MEMO_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, v);
  return v;
}
const tokenCache = new Map<string, readonly FoundToken[]>();

/** Finds our tokens in a text, left to right. Quoted strings inside braces may contain `}}`. */
export function findTokens(text: string): readonly FoundToken[] {
  if (!text.includes("{{")) return NO_TOKENS;
  return memo(tokenCache, text, () => scanTokens(text));
}
const NO_TOKENS: readonly FoundToken[] = Object.freeze([]);

function scanTokens(text: string): FoundToken[] {
  const out: FoundToken[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{{", i);
    if (open < 0) break;
    let j = open + 2;
    let end = -1;
    while (j < text.length) {
      const ch = text[j];
      if (ch === "\\" && (text[j + 1] === '"' || text[j + 1] === "'")) {
        const close = text.indexOf("\\" + text[j + 1], j + 2);
        if (close < 0) break;
        j = close + 2;
        continue;
      }
      if (ch === '"' || ch === "'") {
        j++;
        while (j < text.length && text[j] !== ch) j += text[j] === "\\" ? 2 : 1;
        j++;
        continue;
      }
      if (ch === "}" && text[j + 1] === "}") {
        end = j + 2;
        break;
      }
      if (ch === "{" && text[j + 1] === "{") break;
      j++;
    }
    if (end < 0) {
      i = open + 2;
      continue;
    }
    const token = parseToken(text.slice(open + 2, end - 2));
    if (token) {
      out.push({ start: open, end, raw: text.slice(open, end), token });
      i = end;
    } else i = open + 2;
  }
  return out;
}

/** Every token in any string of a (config) value, e.g. to collect credential names or step refs. */
export function collectTokens(value: unknown): Token[] {
  const out: Token[] = [];
  const visit = (v: unknown) => {
    if (typeof v === "string") for (const t of findTokens(v)) out.push(t.token);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

export function describeToken(t: TokenRef): string {
  if (t.kind === "source") return `source.${t.path}`;
  if (t.kind === "step") return `steps.${t.stepId}.${t.key}${t.path ? "." + t.path : ""}`;
  return `credentials["${t.name}"]`;
}

type Lookup = { found: true; value: unknown } | { found: false };

function lookup(t: Token, scope: TemplateScope, field: string): Lookup {
  if (t.kind === "credential") {
    if (!Object.prototype.hasOwnProperty.call(scope.credentials, t.name)) {
      throw new TemplateError("credential", field, `Поле ${field}: ключ доступа «${t.name}» не найден`, `Field ${field}: credential "${t.name}" not found`);
    }
    return { found: true, value: scope.credentials[t.name] };
  }
  if (t.kind === "source") {
    const r = getByPath(scope.source, t.path);
    return r.found ? { found: true, value: r.value } : { found: false };
  }
  const outputs = scope.steps[t.stepId];
  if (!outputs) {
    throw new TemplateError(
      "step",
      field,
      `Поле ${field}: шаг ${t.stepId} не выполнялся раньше этого шага`,
      `Field ${field}: step ${t.stepId} has not run before this step`,
    );
  }
  if (!Object.prototype.hasOwnProperty.call(outputs, t.key)) return { found: false };
  if (!t.path) return { found: true, value: outputs[t.key] };
  const r = getByPath(outputs[t.key], t.path);
  return r.found ? { found: true, value: r.value } : { found: false };
}

function missing(t: Token, field: string): TemplateError {
  const what = describeToken(t);
  return new TemplateError("missing", field, `Поле ${field}: нет значения для {{${what}}}`, `Field ${field}: no value for {{${what}}}`);
}

/** The text form of a value inside a larger string. null and missing become "". */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

function show(value: unknown): string {
  const s = typeof value === "string" ? JSON.stringify(value) : toText(value);
  return s.length > 80 ? s.slice(0, 80) + "…" : s;
}

// Spaces (incl. no-break and thin) group thousands, comma or dot marks decimals: "1 500,00",
// "1500.5", "-20". A string holding both a comma and a dot is ambiguous ("1,500.00" vs
// "1.500,00") and is refused rather than guessed.
const NUMBER_RE = /^[+-]?(\d+)([.,]\d+)?$/;

export function parseNumber(text: string): number | null {
  const compact = text.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (!NUMBER_RE.test(compact)) return null;
  const n = Number(compact.replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

const TRUE = new Set(["true", "1", "yes", "on", "да"]);
const FALSE = new Set(["false", "0", "no", "off", "нет"]);

/** The four characters that matter in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Applies an explicit cast. `field` names the field in the error:
 * «Поле amount: значение "abc" не является числом».
 */
export function castValue(value: unknown, cast: CastType, field: string, onMissing: OnMissing = "fail"): unknown {
  const fail = (ru: string, en: string) =>
    new TemplateError("cast", field, `Поле ${field}: значение ${show(value)} ${ru}`, `Field ${field}: value ${show(value)} ${en}`);
  switch (cast) {
    case "string":
      return toText(value);
    case "html":
      return escapeHtml(toText(value));
    case "number": {
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (value === null || (typeof value === "string" && value.trim() === "")) {
        if (onMissing === "empty") return null;
        throw fail("пустое, а нужно число", "is empty, a number is required");
      }
      if (typeof value === "string") {
        const n = parseNumber(value);
        if (n !== null) return n;
      }
      throw fail("не является числом", "is not a number");
    }
    case "boolean": {
      if (typeof value === "boolean") return value;
      if (value === null || (typeof value === "string" && value.trim() === "")) {
        if (onMissing === "empty") return null;
        throw fail("пустое, а нужно true или false", "is empty, true or false is required");
      }
      const key = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim().toLowerCase() : "";
      if (TRUE.has(key)) return true;
      if (FALSE.has(key)) return false;
      throw fail("не является логическим значением (true/false)", "is not a boolean (true/false)");
    }
    case "json": {
      if (typeof value !== "string") return value;
      if (value.trim() === "") {
        if (onMissing === "empty") return null;
        throw fail("пустое, а нужен JSON", "is empty, JSON is required");
      }
      try {
        return JSON.parse(value);
      } catch {
        throw fail("не является корректным JSON", "is not valid JSON");
      }
    }
  }
}

/** Returned by renderValue / renderJson pieces for a value `| omitEmpty` left out. */
export const OMITTED: unique symbol = Symbol("omitted");
export type Omitted = typeof OMITTED;

/** Missing, null, a string of only spaces, [] or {}. */
export function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.trim() === "";
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.keys(v as object).length === 0;
  return false;
}

function filtersOf(t: Token): readonly Filter[] {
  return t.filters ?? (t.cast ? [{ name: t.cast }] : []);
}

/** A quoted token with a cast (or `round`) gives a typed value, not text: "{{x | number}}" → 1500. */
const keepsType = (t: Token) => !!t.cast || filtersOf(t).some((f) => f.name === "round");

const isLenient = (f: Filter) => f.name === "omitEmpty" || f.name === "default";

function applyFilter(f: Filter, value: unknown, field: string, onMissing: OnMissing): unknown {
  if (CASTS.has(f.name as CastType)) return castValue(value, f.name as CastType, field, onMissing);
  const bad = (ru: string, en: string) =>
    new TemplateError("cast", field, `Поле ${field}: значение ${show(value)} ${ru}`, `Field ${field}: value ${show(value)} ${en}`);
  if (value === null || value === undefined) return value;
  switch (f.name) {
    case "trim":
      return typeof value === "string" ? value.trim() : value;
    case "phone": {
      const text = toText(value).trim();
      return russianPhone(text) ?? text;
    }
    case "round": {
      const n = castValue(value, "number", field, onMissing);
      return typeof n === "number" ? Math.round(n) : n;
    }
    case "date":
    case "dateRu":
    case "datetime": {
      if (typeof value === "string" && value.trim() === "") return value;
      const p = parseDateTime(toText(value));
      if (!p) throw bad("не является датой (ожидается 25.11.2026 или 2026-11-25)", "is not a date (25.11.2026 or 2026-11-25 expected)");
      return f.name === "date" ? isoDate(p) : f.name === "dateRu" ? ruDate(p) : isoDateTime(p);
    }
    case "time": {
      if (typeof value === "string" && value.trim() === "") return value;
      const t = shortTime(toText(value));
      if (!t) throw bad("не является временем (ожидается 15:30)", "is not a time (15:30 expected)");
      return t;
    }
    default:
      return value;
  }
}

function nullInText(t: Token, field: string): TemplateError {
  const what = describeToken(t);
  return new TemplateError(
    "missing",
    field,
    `Поле ${field}: у {{${what}}} пустое значение (null); добавьте | default("…") или | omitEmpty`,
    `Field ${field}: {{${what}}} is null; add | default("…") or | omitEmpty`,
  );
}

/**
 * A token's value after its filters, or OMITTED. `inText`: the value goes into a larger text,
 * where null under onMissing "fail" is an error (see the header).
 */
function evaluate(t: Token, scope: TemplateScope, opts: RenderOptions, inText: boolean): unknown {
  const filters = filtersOf(t);
  const lenient = filters.some(isLenient);
  const r = lookup(t, scope, opts.field);
  if (!r.found && opts.onMissing === "fail" && !lenient) throw missing(t, opts.field);
  let value: unknown = r.found ? r.value : null;
  // A missing value under "empty" behaves as an empty one (casts give null, not an error).
  const policy: OnMissing = r.found ? opts.onMissing : "empty";
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i];
    if (f.name === "omitEmpty") {
      if (isEmptyValue(value)) return OMITTED;
      continue;
    }
    if (f.name === "default") {
      if (isEmptyValue(value)) value = f.arg ?? "";
      continue;
    }
    if (isEmptyValue(value) && filters.slice(i + 1).some(isLenient)) continue;
    value = applyFilter(f, value, opts.field, policy);
  }
  if (inText && value === null && r.found && opts.onMissing === "fail" && !lenient) throw nullInText(t, opts.field);
  return value === undefined ? null : value;
}

function resolveText(t: Token, scope: TemplateScope, opts: RenderOptions): string {
  const v = evaluate(t, scope, opts, true);
  return v === OMITTED ? "" : toText(v);
}

/** Replaces every token with its text form; a line holding an omitted value is left out. */
export function renderText(template: string, scope: TemplateScope, opts: RenderOptions): string {
  const r = renderTextOmitting(template, scope, opts);
  return r === OMITTED ? "" : r;
}

/** Text rendering that reports OMITTED when omitted values took every line of a non-empty text. */
function renderTextOmitting(template: string, scope: TemplateScope, opts: RenderOptions): string | Omitted {
  let omitted = false;
  const out = replaceTokens(template, (t) => {
    const v = evaluate(t, scope, opts, true);
    if (v === OMITTED) {
      omitted = true;
      return LINE_GONE;
    }
    return toText(v);
  });
  if (!omitted) return out;
  const kept = out.split("\n").filter((line) => !line.includes(LINE_GONE));
  return kept.length === 0 ? OMITTED : kept.join("\n");
}
const LINE_GONE = "\u0000\ue002omit\ue002\u0000";

function replaceTokens(template: string, fn: (t: Token, found: FoundToken) => string): string {
  const tokens = findTokens(template);
  if (tokens.length === 0) return template;
  let out = "";
  let pos = 0;
  for (const f of tokens) {
    out += template.slice(pos, f.start) + fn(f.token, f);
    pos = f.end;
  }
  return out + template.slice(pos);
}

/**
 * A value that is exactly one token keeps the value's type (or takes its cast, or `cast`);
 * anything else is text. Missing single tokens become null under onMissing "empty".
 * OMITTED when `| omitEmpty` left the value out (the composer then drops the row).
 */
export function renderValue(template: string, scope: TemplateScope, opts: RenderOptions & { cast?: CastType }): unknown {
  const tokens = findTokens(template);
  const single = tokens.length === 1 && tokens[0].start === 0 && tokens[0].end === template.length;
  if (single) {
    const t = tokens[0].token;
    const value = evaluate(t, scope, opts, false);
    if (value === OMITTED) return OMITTED;
    if (opts.cast && !t.cast) return value === null && opts.onMissing === "empty" ? null : castValue(value, opts.cast, opts.field, opts.onMissing);
    return value;
  }
  const text = renderTextOmitting(template, scope, opts);
  if (text === OMITTED) return OMITTED;
  return opts.cast ? castValue(text, opts.cast, opts.field, opts.onMissing) : text;
}

/**
 * Renders a URL template. Tokens in the path, query and fragment are percent-encoded; a token that
 * supplies the scheme/host part (e.g. a base URL kept in a credential) is inserted as is.
 * In the path, ":" and "@" stay literal (RFC 3986 allows them in a segment): a Telegram bot token
 * "123456:ABC-DEF" in /bot<token>/sendMessage must reach the server as typed.
 */
export function renderUrl(template: string, scope: TemplateScope, opts: RenderOptions): string {
  const tokens = findTokens(template);
  const literal = maskTokens(template, tokens);
  let pathStart: number;
  const scheme = literal.indexOf("://");
  if (scheme >= 0) {
    const rest = literal.slice(scheme + 3).search(/[/?#]/);
    pathStart = rest < 0 ? literal.length : scheme + 3 + rest;
  } else {
    pathStart = tokens.length > 0 && tokens[0].start === 0 ? tokens[0].end : 0;
  }
  const q = literal.slice(pathStart).search(/[?#]/);
  const queryStart = q < 0 ? literal.length : pathStart + q;
  return replaceTokens(template, (t, f) => {
    const text = resolveText(t, scope, opts);
    if (f.start < pathStart) return text;
    const encoded = encodeURIComponent(text);
    return f.start < queryStart ? encoded.replace(/%3A/g, ":").replace(/%40/g, "@") : encoded;
  });
}

function maskTokens(text: string, tokens: readonly FoundToken[]): string {
  let out = text;
  for (const f of tokens) out = out.slice(0, f.start) + "\u0000".repeat(f.end - f.start) + out.slice(f.end);
  return out;
}

/**
 * Renders a JSON template: the template is parsed as JSON with tokens standing in as
 * placeholders, and values are put into the parsed tree — so the result is valid JSON whatever the
 * values contain. A bare token (`"amount": {{source.sum | number}}`) is a whole value and keeps
 * its type; a token inside quotes is text (`"Bearer {{…}}"`, and `"{{…}}"` alone is a string
 * unless cast). Missing values: "" inside quotes, null as a bare value (onMissing "empty").
 *
 * `| omitEmpty`: an omitted value drops its key or array element; an object that lost a value
 * this way and keeps only fixed text (e.g. {"enum_code": "WORK"}) is dropped as well, and so is
 * an array left empty — so `"custom_fields_values": [{"field_code": "PHONE", "values": [{"value":
 * "{{source.phone | omitEmpty}}", "enum_code": "WORK"}]}]` disappears whole for a client without a
 * phone. The template's top level itself is never dropped (an emptied object stays {}).
 */
export function renderJson(template: string, scope: TemplateScope, opts: RenderOptions): unknown {
  const { parsed, tokens, marker } = parseJsonTemplate(template, opts.field);
  const re = new RegExp(`${marker}([bs])(\\d+)${marker}`, "g");
  const whole = new RegExp(`^${marker}([bs])(\\d+)${marker}$`);
  const fieldOf = (path: string) => (path ? `${opts.field} → ${path}` : opts.field);
  type Visited = { value: unknown; fromToken: boolean };
  const str = (s: string, path: string): Visited => {
    const o = { ...opts, field: fieldOf(path) };
    const m = whole.exec(s);
    if (m) {
      const t = tokens[Number(m[2])].token;
      if (m[1] === "b") return { value: evaluate(t, scope, o, false), fromToken: true };
      if (keepsType(t)) return { value: evaluate(t, scope, o, false), fromToken: true };
      const v = evaluate(t, scope, o, true);
      return { value: v === OMITTED ? OMITTED : toText(v), fromToken: true };
    }
    if (!s.includes(marker)) return { value: s, fromToken: false };
    // Text with tokens: rebuild it from the template text so lines can be dropped as in renderText.
    const text = s.replace(re, (_all, _kind, idx) => tokens[Number(idx)].raw);
    return { value: renderTextOmitting(text, scope, o), fromToken: true };
  };
  const visit = (v: unknown, path: string, depth: number): Visited => {
    if (typeof v === "string") return str(v, path);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      let lost = false;
      let fromToken = false;
      v.forEach((x, i) => {
        const r = visit(x, `${path}[${i}]`, depth + 1);
        if (r.value === OMITTED) lost = true;
        else {
          out.push(r.value);
          fromToken ||= r.fromToken;
        }
      });
      if (lost && out.length === 0 && depth > 0) return { value: OMITTED, fromToken: true };
      return { value: out, fromToken };
    }
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      let lost = false;
      let fromToken = false;
      for (const [k, x] of Object.entries(v)) {
        const key = str(k, path);
        if (key.value === OMITTED) {
          lost = true;
          continue;
        }
        const name = toText(key.value);
        const r = visit(x, path ? `${path}.${name}` : name, depth + 1);
        if (r.value === OMITTED) {
          lost = true;
          continue;
        }
        out[name] = r.value;
        fromToken ||= r.fromToken || key.fromToken;
      }
      if (lost && !fromToken && depth > 0) return { value: OMITTED, fromToken: true };
      return { value: out, fromToken };
    }
    return { value: v, fromToken: false };
  };
  const root = visit(parsed, "", 0).value;
  return root === OMITTED ? null : root;
}

/** A TemplateError's text without its «Поле …: » prefix (a form shows the field's label itself). */
export function problemOf(e: TemplateError): { ru: string; en: string } {
  const ru = `Поле ${e.field}: `;
  const en = `Field ${e.field}: `;
  return { ru: e.message.startsWith(ru) ? e.message.slice(ru.length) : e.message, en: e.messageEn.startsWith(en) ? e.messageEn.slice(en.length) : e.messageEn };
}

/** Null when the JSON template is well-formed; otherwise the error (for form validation). */
export function checkJsonTemplate(template: string, field = "template"): TemplateError | null {
  try {
    parseJsonTemplate(template, field);
    return null;
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
}

/**
 * A JSON template with each token replaced by what `standIn` gives for it, told whether the token
 * sits inside a JSON string or stands as a bare value. The one walk over a JSON template: the
 * engine parses through it and the editor's linter positions its errors with it, so both agree.
 */
export function replaceTokensInJson(
  template: string,
  tokens: readonly FoundToken[],
  standIn: (index: number, inString: boolean, token: FoundToken) => string,
): string {
  let out = "";
  let inString = false;
  let pos = 0;
  let ti = 0;
  while (pos < template.length) {
    const t = tokens[ti];
    if (t && t.start === pos) {
      out += standIn(ti, inString, t);
      pos = t.end;
      ti++;
      continue;
    }
    const ch = template[pos];
    if (inString && ch === "\\") {
      out += template.slice(pos, pos + 2);
      pos += 2;
      continue;
    }
    if (ch === '"') inString = !inString;
    out += ch;
    pos++;
  }
  return out;
}

type ParsedJsonTemplate = { parsed: unknown; tokens: readonly FoundToken[]; marker: string };
const jsonTemplateCache = new Map<string, ParsedJsonTemplate>();

/** Parsed once per template text (errors are not cached: their message names the field). */
function parseJsonTemplate(template: string, field: string): ParsedJsonTemplate {
  const hit = jsonTemplateCache.get(template);
  if (hit) return hit;
  return memo(jsonTemplateCache, template, () => parseJsonTemplateUncached(template, field));
}

function parseJsonTemplateUncached(template: string, field: string): ParsedJsonTemplate {
  const tokens = findTokens(template);
  let marker = "\ue000hf";
  while (template.includes(marker)) marker += "\ue001";
  const out = replaceTokensInJson(template, tokens, (ti, inString) => (inString ? `${marker}s${ti}${marker}` : `"${marker}b${ti}${marker}"`));
  try {
    return { parsed: JSON.parse(out) as unknown, tokens, marker };
  } catch (e) {
    const detail = (e as Error).message.replace(new RegExp(marker, "g"), "");
    throw new TemplateError(
      "syntax",
      field,
      `Поле ${field}: шаблон не является корректным JSON (${detail})`,
      `Field ${field}: the template is not valid JSON (${detail})`,
    );
  }
}
