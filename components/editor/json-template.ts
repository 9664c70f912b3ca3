// Where a JSON template (tokens allowed) is broken, as a position in the text the user typed —
// for the CodeMirror linter. Tokens are swapped for same-length stand-ins so positions line up.
import { findTokens, replaceTokensInJson } from "@/lib/definition/placeholders";

export type JsonDiagnostic = { from: number; to: number; message: string };

export function jsonTemplateStandIn(text: string): string {
  // Inside a string: letters. As a bare value: a number padded with spaces.
  return replaceTokensInJson(text, findTokens(text), (_, inString, t) => (inString ? "x".repeat(t.end - t.start) : "0" + " ".repeat(t.end - t.start - 1)));
}

/** Null when the template is valid JSON once tokens are filled in. */
export function jsonTemplateDiagnostic(text: string): JsonDiagnostic | null {
  if (text.trim() === "") return { from: 0, to: 0, message: "empty" };
  try {
    JSON.parse(jsonTemplateStandIn(text));
    return null;
  } catch (e) {
    const message = (e as Error).message;
    const m = /position (\d+)/.exec(message);
    const at = m ? Math.min(Number(m[1]), text.length) : text.length;
    const from = at >= text.length ? Math.max(0, text.length - 1) : at;
    return { from, to: Math.min(text.length, from + 1), message };
  }
}
