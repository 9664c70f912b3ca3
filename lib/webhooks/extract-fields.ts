// Field paths into a received payload: «Получить» lists them, the field picker stores them in
// tokens ({{source.<path>}}), and the template engine resolves them with getByPath.
//
// Path syntax (one rule for writing and reading):
//   name                      a key made of anything except . [ ] " ' { } and whitespace
//   a.b.c                     nested object keys
//   items[0].name             array index (also accepted on an object with key "0")
//   ["appointment.time"]      any other key, as a JSON string in brackets: keys with dots,
//   data["a b"]["x]y"]        spaces, brackets, quotes, braces, or the empty key
// A dot in a plain segment therefore always means nesting; a dotted key is only reachable in its
// bracketed form, so `appointment.time` (nested) and `["appointment.time"]` (one key) never clash.
import type { SourceField } from "../definition/schema";

const PLAIN_KEY = /^[^.[\]"'{}\s]+$/u;

export function formatKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
}

/** Appends one object key to a path. */
export function joinKey(path: string, key: string): string {
  const part = formatKey(key);
  if (path === "" || part.startsWith("[")) return path + part;
  return `${path}.${part}`;
}

export type ExtractOptions = {
  /** Array elements listed per array (the rest are reachable by index but not listed). */
  maxArrayItems?: number;
  maxFields?: number;
  maxExampleLength?: number;
  maxDepth?: number;
};

type FieldType = NonNullable<SourceField["type"]>;

function typeOf(v: unknown): FieldType {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "string" || t === "number" || t === "boolean") return t;
  return t === "object" ? "object" : "string";
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  // Do not cut a surrogate pair in half.
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(s[end - 1] ?? "")) end--;
  return s.slice(0, end) + "…";
}

function example(v: unknown, max: number): string {
  if (typeof v === "string") return truncate(v, max);
  if (v === null || typeof v === "number" || typeof v === "boolean") return String(v);
  return truncate(JSON.stringify(v) ?? "", max);
}

/**
 * Lists the fields of a payload, depth first. Objects and arrays are listed too (a step may take a
 * whole list or sub-object), each before its children; the root is not.
 */
export function extractFields(payload: unknown, options: ExtractOptions = {}): SourceField[] {
  const maxItems = options.maxArrayItems ?? 3;
  const maxFields = options.maxFields ?? 500;
  const maxLen = options.maxExampleLength ?? 200;
  const maxDepth = options.maxDepth ?? 12;
  const out: SourceField[] = [];

  const walk = (v: unknown, path: string, depth: number) => {
    if (out.length >= maxFields) return;
    if (path !== "") out.push({ path, example: example(v, maxLen), type: typeOf(v) });
    if (depth >= maxDepth || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (let i = 0; i < Math.min(v.length, maxItems); i++) walk(v[i], `${path}[${i}]`, depth + 1);
    } else {
      for (const [k, child] of Object.entries(v)) walk(child, joinKey(path, k), depth + 1);
    }
  };
  if (payload !== null && typeof payload === "object") walk(payload, "", 0);
  return out;
}
