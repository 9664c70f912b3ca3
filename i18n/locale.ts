export const LOCALES = ["ru", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "ru";
export const LOCALE_COOKIE = "hf_locale";
export const isLocale = (v: unknown): v is Locale => v === "ru" || v === "en";
