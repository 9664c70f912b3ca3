// History payloads are capped so one huge response cannot bloat a run row; the cut is visible.
export type TruncatedMarker = { __truncated: true; bytes: number; preview: string };

const encoder = new TextEncoder();

export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value) ?? "null").length;
}

/** JSON.stringify(value) ?? "null". */
export function toJson(value: unknown): string {
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
  return capJson(value, maxBytes).value;
}

/**
 * truncateJson's result with its JSON text: the executor measures a step's input and output once
 * and the history row reuses the text instead of serializing the value again.
 */
export function capJson(value: unknown, maxBytes: number): { value: unknown; json: string } {
  const text = toJson(value);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short texts need no encoding to be measured.
  if (text.length * 3 <= maxBytes) return { value, json: text };
  const bytes = encoder.encode(text).length;
  if (bytes <= maxBytes) return { value, json: text };
  const budget = Math.max(0, maxBytes - 64);
  // JSON-escaping can grow the preview (quotes, control characters, non-ASCII counts in bytes);
  // shrink until the whole marker fits.
  let len = Math.min(text.length, budget);
  for (;;) {
    let preview = text.slice(0, len);
    // Do not leave half of a surrogate pair at the end.
    if (/[\ud800-\udbff]$/.test(preview)) preview = preview.slice(0, -1);
    const marker: TruncatedMarker = { __truncated: true, bytes, preview };
    const json = JSON.stringify(marker);
    if (encoder.encode(json).length <= maxBytes || len === 0) return { value: marker, json };
    len = Math.floor(len * 0.8);
  }
}
