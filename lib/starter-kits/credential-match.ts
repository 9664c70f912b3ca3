// Which saved credentials a template's wizard offers: a key whose name says what it is for.
// Credentials carry no type (a user may name a key anything), so the rule reads the name: it must
// contain a word of the template's destination (case-insensitive). «Weeek токен» fits Weeek,
// «amoCRM токен» amoCRM, «Битрикс24 вебхук» / «Bitrix» Битрикс24, «Telegram бот» / «ТГ бот» Telegram.
// A key named otherwise is not offered (the wizard then asks for a new one); renaming it in
// Настройки → Ключи доступа makes it appear.
import type { StarterKit } from "./registry";

export const DESTINATION_WORDS: Record<StarterKit["destination"], readonly string[]> = {
  weeek: ["weeek", "веек"],
  amocrm: ["amo", "амо"],
  bitrix24: ["bitrix", "битрикс", "b24", "б24"],
  telegram: ["telegram", "телеграм", "tg", "тг", "бот", "bot"],
};

export function credentialFits(destination: StarterKit["destination"], name: string): boolean {
  const n = name.toLowerCase();
  return DESTINATION_WORDS[destination].some((w) => n.includes(w));
}
