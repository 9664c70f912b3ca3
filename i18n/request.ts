// Locale without URL prefixes: a cookie set by the language switch; Russian by default.
// Messages: every messages/<locale>/*.json is merged (one file per feature, no shared edits).
import fs from "node:fs";
import path from "node:path";
import { cookies } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { DEFAULT_LOCALE, isLocale, LOCALE_COOKIE, type Locale } from "./locale";

type Messages = Record<string, unknown>;
const cache = new Map<Locale, Messages>();

function loadMessages(locale: Locale): Messages {
  const hit = process.env.NODE_ENV === "production" ? cache.get(locale) : undefined;
  if (hit) return hit;
  const dir = path.join(process.cwd(), "messages", locale);
  const merged: Messages = {};
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    Object.assign(merged, JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")));
  }
  cache.set(locale, merged);
  return merged;
}

export default getRequestConfig(async () => {
  const fromCookie = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(fromCookie) ? fromCookie : DEFAULT_LOCALE;
  return { locale, messages: loadMessages(locale) };
});
