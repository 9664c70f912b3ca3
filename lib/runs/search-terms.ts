// Search by value in the История операций is an exact match on normalised terms (docs/history.md):
// the same normaliser turns stored values and the search box's text into terms, so a phone typed
// as "+7 (999) 123-45-67" finds a request that carried "79991234567" and vice versa.
import { russianPhone } from "../definition/formatters";

/** Cap on terms per run: the GIN index and the row stay small whatever a payload holds. */
export const MAX_RUN_TERMS = 400;

const MAX_TERMS = 200;
const MAX_TERM_LENGTH = 200;
const PHONE_LIKE = /^\+?[\d\s()\-.]{7,25}$/;

/**
 * Normalised scalar values of a payload for history search by value: strings trimmed and
 * lowercased, numbers and booleans as text; phone-like values also as digits only, so
 * "+7 (999) 123-45-67" is found by "79991234567", and a Russian number in any form (8…, +7…,
 * 7…, 10 digits) also as 7XXXXXXXXXX, so "8 999 …" and "+7 999 …" find each other.
 */
export function searchTermsOf(payload: unknown): string[] {
  const terms = new Set<string>();
  walkTerms(payload, 0, terms);
  return [...terms];
}

function addTerm(s: string, terms: Set<string>): void {
  if (terms.size >= MAX_TERMS) return;
  const t = s.trim().toLowerCase();
  if (t === "") return;
  terms.add(t.length > MAX_TERM_LENGTH ? t.slice(0, MAX_TERM_LENGTH) : t);
  if (PHONE_LIKE.test(t)) {
    const digits = t.replace(/\D/g, "");
    if (digits.length >= 7 && digits !== t && terms.size < MAX_TERMS) terms.add(digits);
    // One Russian number written 8…, +7…, 7… or as 10 digits is also stored as 7XXXXXXXXXX.
    const ru = russianPhone(t)?.slice(1);
    if (ru && ru !== digits && terms.size < MAX_TERMS) terms.add(ru);
  }
}

// Module-level functions (no closures per call): the web runs this for every request, the worker
// for every step output.
function walkTerms(v: unknown, depth: number, terms: Set<string>): void {
  if (terms.size >= MAX_TERMS || depth > 12) return;
  if (typeof v === "string") addTerm(v, terms);
  else if (typeof v === "number" || typeof v === "boolean") addTerm(String(v), terms);
  else if (Array.isArray(v)) for (const x of v) walkTerms(x, depth + 1, terms);
  else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    for (const k in o) walkTerms(o[k], depth + 1, terms);
  }
}

/** Union of term lists, first ones kept when over the cap (the request's terms come first). */
export function mergeTerms(...lists: (readonly string[] | null | undefined)[]): string[] {
  const out = new Set<string>();
  for (const list of lists) {
    for (const t of list ?? []) {
      if (out.size >= MAX_RUN_TERMS) return [...out];
      out.add(t);
    }
  }
  return [...out];
}

/**
 * The one term a search box's text is looked up by, or null for blank text. Phone-like text is
 * searched by its digits (that form is stored for every phone-like value); a Russian number in
 * any form (8…, +7…, 7…, 10 digits) by 7XXXXXXXXXX; anything else lowercased.
 */
export function searchTermFor(text: string): string | null {
  const terms = searchTermsFor(text);
  return terms.length ? terms[0] : null;
}

/**
 * Every term a search matches (any of them): the canonical one first, then — for a Russian number
 * typed as 8… — its digits as typed, which is how runs stored before the canonical form existed
 * hold it. The query uses `&&` (overlap), which the GIN index answers like `@>`.
 */
export function searchTermsFor(text: string): string[] {
  const terms = searchTermsOf(text);
  if (terms.length === 0) return [];
  const ru = russianPhone(text);
  if (ru) {
    const digits = text.replace(/\D/g, "");
    return [...new Set([ru.slice(1), digits])];
  }
  return [terms[terms.length - 1]];
}
