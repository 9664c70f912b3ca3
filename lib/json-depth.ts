// Nesting-depth guard for JSON text received from outside. V8's JSON.parse copes with deep input,
// but everything after it (JSON.stringify when the row is built, recursive walks) runs out of
// stack around a few thousand levels. Real payloads nest a handful of levels; anything deeper than
// MAX_JSON_DEPTH is refused before parsing, with the reason.
export const MAX_JSON_DEPTH = 100;

/** The first nesting depth above `limit` reached in `text`, or 0 when it stays within. Linear, no recursion. */
export function jsonDepthOver(text: string, limit = MAX_JSON_DEPTH): number {
  // Each level needs at least one bracket character: short texts cannot exceed the limit.
  if (text.length <= limit) return 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return 0;
}
