// What a template asks the user for, declared by the template itself: the secret (label, hint,
// how to tidy a pasted value) and plain inputs (text or a choice). Pure: the wizard runs the same
// checks in the browser that the API runs on the server.
import type { Localized } from "./klientiks-mapping";

export type Check = { value: string } | { error: Localized };

export type KitCredential = {
  /** Suggested name for a new credential. */
  defaultName: string;
  label: Localized;
  hint: Localized;
  placeholder?: string;
  /** Trims and normalises a pasted secret, or says what is wrong with it. */
  check?: (secret: string) => Check;
};

type InputBase = { key: string; label: Localized; hint: Localized; optional?: boolean; defaultValue?: string };
export type KitTextInput = InputBase & { kind: "text"; placeholder?: string; check?: (value: string) => Check };
export type KitChoiceInput = InputBase & { kind: "choice"; options: readonly { value: string; label: Localized }[]; defaultValue: string };
export type KitInput = KitTextInput | KitChoiceInput;

export type InputIssue = { key: string; message: Localized };

/** Fills defaults, normalises and validates `raw` against the inputs; unknown keys are dropped. */
export function checkKitValues(
  inputs: readonly KitInput[],
  raw: Record<string, string | undefined>,
): { ok: true; values: Record<string, string> } | { ok: false; issues: InputIssue[] } {
  const values: Record<string, string> = {};
  const issues: InputIssue[] = [];
  for (const input of inputs) {
    const given = (raw[input.key] ?? "").trim();
    const v = given === "" ? (input.defaultValue ?? "") : given;
    if (v === "") {
      if (!input.optional) issues.push({ key: input.key, message: { ru: `${input.label.ru}: обязательное поле`, en: `${input.label.en}: required` } });
      continue;
    }
    if (input.kind === "choice") {
      if (!input.options.some((o) => o.value === v)) {
        issues.push({ key: input.key, message: { ru: `${input.label.ru}: нет варианта «${v}»`, en: `${input.label.en}: no option "${v}"` } });
      } else values[input.key] = v;
      continue;
    }
    const r = input.check ? input.check(v) : { value: v };
    if ("error" in r) issues.push({ key: input.key, message: r.error });
    else values[input.key] = r.value;
  }
  return issues.length ? { ok: false, issues } : { ok: true, values };
}

export function checkSecret(credential: KitCredential, secret: string): Check {
  const s = secret.trim();
  if (s === "") return { error: { ru: `${credential.label.ru}: обязательное поле`, en: `${credential.label.en}: required` } };
  return credential.check ? credential.check(s) : { value: s };
}

/**
 * "https://x.example/…" → "https://x.example" (the origin); a URL with a path when `keepPath`.
 * Plain http is accepted: tests and self-hosted gateways use it.
 */
export function parseHttpUrl(text: string): URL | null {
  try {
    const u = new URL(text);
    return u.protocol === "https:" || u.protocol === "http:" ? u : null;
  } catch {
    return null;
  }
}
