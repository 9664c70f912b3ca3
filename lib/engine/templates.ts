// Template tokens: how a step picks source fields, earlier steps' outputs and credentials.
//
// Syntax (inside double braces, whitespace allowed around the expression):
//   {{source.<path>}}                     a field of the received request; <path> as in paths.ts:
//                                         client.phone, items[0].id, ["appointment.time"]
//   {{steps.<stepId>.<key>}}              an output of an earlier step
//   {{steps.<stepId>.<key>.<subpath>}}    …and a path into it (subpath as in paths.ts)
//   {{credentials["Weeek токен"]}}        a credential by name (any characters; \" and \\ escape)
//   {{credentials.weeek_token}}           the same, for names made of letters, digits, _ and -
//   {{… | number}}                        an explicit cast: string, number, boolean, json
//   {{… | html}}                          text with <, >, & and " escaped (Telegram's HTML parse_mode)
// Only these three roots are tokens; any other `{{…}}` is literal text (other systems use the
// same braces, e.g. Klientiks' own placeholders).
//
// There is no expression language: a token is a lookup, nothing runs, and the only data a
// template can reach is the scope the engine passes in (this run's source, outputs, credentials).
import { getByPath, parsePath, PathSyntaxError } from "./paths";

export type CastType = "string" | "number" | "boolean" | "json" | "html";
export type OnMissing = "empty" | "fail";

export type TokenRef =
  | { kind: "source"; path: string }
  | { kind: "step"; stepId: string; key: string; path: string }
  | { kind: "credential"; name: string };

export type Token = TokenRef & { cast?: CastType };

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

/** Parses the inside of `{{ … }}`; null when it is not one of our tokens. */
export function parseToken(expr: string): Token | null {
  // Inside a JSON string a user may escape the quotes of credentials["…"] or source["…"].
  let text = expr.trim().replace(/\\"/g, '"');
  let cast: CastType | undefined;
  const castMatch = /\|\s*([a-z]+)\s*$/.exec(text);
  if (castMatch && CASTS.has(castMatch[1] as CastType)) {
    cast = castMatch[1] as CastType;
    text = text.slice(0, castMatch.index).trim();
  }
  const withCast = (t: TokenRef): Token => (cast ? { ...t, cast } : t);

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
      throw new TemplateError(
        "credential",
        field,
        `Поле ${field}: ключ доступа «${t.name}» не найден`,
        `Field ${field}: credential "${t.name}" not found`,
      );
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
  return new TemplateError(
    "missing",
    field,
    `Поле ${field}: нет значения для {{${what}}}`,
    `Field ${field}: no value for {{${what}}}`,
  );
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

function resolveTyped(t: Token, scope: TemplateScope, opts: RenderOptions, emptyValue: unknown): unknown {
  const r = lookup(t, scope, opts.field);
  if (!r.found) {
    if (opts.onMissing === "fail") throw missing(t, opts.field);
    return t.cast ? castValue(null, t.cast, opts.field, "empty") ?? emptyValue : emptyValue;
  }
  return t.cast ? castValue(r.value, t.cast, opts.field, opts.onMissing) : r.value;
}

function resolveText(t: Token, scope: TemplateScope, opts: RenderOptions): string {
  return toText(resolveTyped(t, scope, opts, ""));
}

/** Replaces every token with its text form. */
export function renderText(template: string, scope: TemplateScope, opts: RenderOptions): string {
  return replaceTokens(template, (t) => resolveText(t, scope, opts));
}

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
 */
export function renderValue(
  template: string,
  scope: TemplateScope,
  opts: RenderOptions & { cast?: CastType },
): unknown {
  const tokens = findTokens(template);
  const single = tokens.length === 1 && tokens[0].start === 0 && tokens[0].end === template.length;
  if (single) {
    const t = tokens[0].token;
    const value = resolveTyped(t, scope, opts, null);
    if (opts.cast && !t.cast) return value === null && opts.onMissing === "empty" ? null : castValue(value, opts.cast, opts.field, opts.onMissing);
    return value;
  }
  const text = renderText(template, scope, opts);
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
 */
export function renderJson(template: string, scope: TemplateScope, opts: RenderOptions): unknown {
  const { parsed, tokens, marker } = parseJsonTemplate(template, opts.field);
  const re = new RegExp(`${marker}([bs])(\\d+)${marker}`, "g");
  const whole = new RegExp(`^${marker}([bs])(\\d+)${marker}$`);
  const fieldOf = (path: string) => (path ? `${opts.field}.${path}` : opts.field);
  const str = (s: string, path: string): unknown => {
    const m = whole.exec(s);
    if (m) {
      const t = tokens[Number(m[2])].token;
      const o = { ...opts, field: fieldOf(path) };
      if (m[1] === "b") return resolveTyped(t, scope, o, null);
      return t.cast ? resolveTyped(t, scope, o, "") : resolveText(t, scope, o);
    }
    return s.replace(re, (_all, _kind, idx) => resolveText(tokens[Number(idx)].token, scope, { ...opts, field: fieldOf(path) }));
  };
  const visit = (v: unknown, path: string): unknown => {
    if (typeof v === "string") return str(v, path);
    if (Array.isArray(v)) return v.map((x, i) => visit(x, `${path}[${i}]`));
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const key = toText(str(k, path));
        out[key] = visit(x, path ? `${path}.${key}` : key);
      }
      return out;
    }
    return v;
  };
  return visit(parsed, "");
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
  // Walk the text to know whether each token sits inside a JSON string or stands as a value.
  let out = "";
  let inString = false;
  let pos = 0;
  let ti = 0;
  while (pos < template.length) {
    const t = tokens[ti];
    if (t && t.start === pos) {
      out += inString ? `${marker}s${ti}${marker}` : `"${marker}b${ti}${marker}"`;
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
