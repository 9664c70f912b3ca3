// Search by value in the История операций is an exact match on normalised terms (docs/history.md):
// the same normaliser turns stored values and the search box's text into terms, so a phone typed
// as "+7 (999) 123-45-67" finds a request that carried "79991234567" and vice versa.
import { searchTermsOf } from "../webhooks/ingest";
import { russianPhone } from "../definition/formatters";

/** Cap on terms per run: the GIN index and the row stay small whatever a payload holds. */
export const MAX_RUN_TERMS = 400;

/** Normalised terms of any JSON value (request payload, step outputs): reuse of the ingest normaliser. */
export function termsFrom(value: unknown): string[] {
  return searchTermsOf(value);
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
