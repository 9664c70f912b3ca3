// History payloads are capped so one huge response cannot bloat a run row; the cut is visible.
export type TruncatedMarker = { __truncated: true; bytes: number; preview: string };

const encoder = new TextEncoder();

export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value) ?? "null").length;
}

// The JSON text truncateJson measured, kept for the history writer so a recorded value is not
// serialized twice (objects only; weakly held, and recorded values are never mutated).
const measured = new WeakMap<object, string>();

function remember(value: unknown, text: string): unknown {
  if (value !== null && typeof value === "object") measured.set(value, text);
  return value;
}

/** JSON.stringify(value) ?? "null", reusing the text truncateJson made for the same object. */
export function toJson(value: unknown): string {
  if (value !== null && typeof value === "object") {
    const text = measured.get(value);
    if (text !== undefined) return text;
  }
  return JSON.stringify(value) ?? "null";
}

export function isTruncated(value: unknown): value is TruncatedMarker {
  return !!value && typeof value === "object" && (value as { __truncated?: unknown }).__truncated === true;
}

/**
 * Returns `value` when its JSON is at most `maxBytes`, else
 * {"__truncated": true, "bytes": <original size>, "preview": <start of the JSON text>} whose own
 * JSON stays within `maxBytes` (for any maxBytes ≥ 64).
 */
export function truncateJson(value: unknown, maxBytes: number): unknown {
  const text = JSON.stringify(value) ?? "null";
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no encoding to be measured.
  if (text.length * 3 <= maxBytes) return remember(value, text);
  const bytes = encoder.encode(text).length;
  if (bytes <= maxBytes) return remember(value, text);
  const budget = Math.max(0, maxBytes - 64);
  // JSON-escaping can grow the preview (quotes, control characters, non-ASCII counts in bytes);
  // shrink until the whole marker fits.
  let len = Math.min(text.length, budget);
  for (;;) {
    let preview = text.slice(0, len);
    // Do not leave half of a surrogate pair at the end.
    if (/[\ud800-\udbff]$/.test(preview)) preview = preview.slice(0, -1);
    const marker: TruncatedMarker = { __truncated: true, bytes, preview };
    if (jsonBytes(marker) <= maxBytes || len === 0) return marker;
    len = Math.floor(len * 0.8);
  }
}
