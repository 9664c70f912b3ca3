// Formatters with Russian defaults, used by the template filters (templates.ts) and by history search
// (a phone typed any Russian way is one number). Pure: no node:*, loaded in the browser as well.

/**
 * A Russian phone as +7XXXXXXXXXX: "8 911 123-45-67", "+7 (911) 123-45-67", "79111234567",
 * "9111234567" (10 digits). Null when the text is not a Russian number (a foreign number, an
 * extension, letters) — the caller keeps such text as it is.
 */
export function russianPhone(text: string): string | null {
  const t = text.trim();
  if (!/^\+?[\d\s()\-.\u00a0]{10,25}$/.test(t)) return null;
  const digits = t.replace(/\D/g, "");
  if (digits.length === 11 && (digits[0] === "7" || (digits[0] === "8" && !t.startsWith("+")))) return `+7${digits.slice(1)}`;
  if (digits.length === 10 && !t.startsWith("+") && /^[3-9]/.test(digits)) return `+7${digits}`;
  return null;
}

export type ParsedDateTime = { y: number; m: number; d: number; time: { h: number; min: number; s: number } | null; zone: string | null };

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function parseTime(text: string): ParsedDateTime["time"] | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,6})?)?$/.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || min > 59 || s > 59) return undefined;
  return { h, min, s };
}

/**
 * Dates as Klientiks and people write them: "25.11.2026", "25.11.26", "25/11/2026",
 * "2026-11-25", each optionally followed by a time ("15:30", "15:30:00") after a space or "T";
 * an ISO zone ("Z", "+03:00") is kept. Null when it is not a date.
 */
export function parseDateTime(text: string): ParsedDateTime | null {
  const t = text.trim();
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T\s]+(\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(t) ??
    /^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})(?:[,\s]+(\d{1,2}:\d{2}(?::\d{2})?))?()$/.exec(t);
  if (!m) return null;
  let y: number, mo: number, d: number;
  if (m[1].length === 4) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else {
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[3].length === 2) y += 2000;
  }
  if (!validDate(y, mo, d)) return null;
  let time: ParsedDateTime["time"] = null;
  if (m[4]) {
    const parsed = parseTime(m[4]);
    if (!parsed) return null;
    time = parsed;
  }
  const zone = m[5] ? (m[5] === "Z" ? "Z" : m[5].replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2")) : null;
  return { y, m: mo, d, time, zone };
}

/** "25.11.2026 15:30" → "2026-11-25". */
export function isoDate(p: ParsedDateTime): string {
  return `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
}

/** → «25.11.2026». */
export function ruDate(p: ParsedDateTime): string {
  return `${pad(p.d)}.${pad(p.m)}.${pad(p.y, 4)}`;
}

/** → "2026-11-25T15:30:00" (midnight without a time; the zone only when the text had one). */
export function isoDateTime(p: ParsedDateTime): string {
  const t = p.time ?? { h: 0, min: 0, s: 0 };
  return `${isoDate(p)}T${pad(t.h)}:${pad(t.min)}:${pad(t.s)}${p.zone ?? ""}`;
}

/** "9:05", "09:05:00", or the time of a date-time → "09:05". Null when there is no time. */
export function shortTime(text: string): string | null {
  const t = text.trim();
  const own = parseTime(t);
  const time = own ?? parseDateTime(t)?.time ?? null;
  return time ? `${pad(time.h)}:${pad(time.min)}` : null;
}
