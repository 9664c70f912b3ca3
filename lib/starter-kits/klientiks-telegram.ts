// «Клиентикс → Telegram: сообщение»: sendMessage with a readable Russian text. With parse_mode
// HTML every inserted value goes through `| html`, so a client called `Анна <b>` or `"Ромашка" & Co`
// cannot break the markup (Telegram refuses the whole message on a stray "<" or "&"); without a
// parse_mode the text is sent as typed. Every value carries `| omitEmpty`: a line whose value is
// empty (a client without an e-mail) is left out of the message instead of reading «E-mail: ».
import type { PipelineDefinition } from "../definition/schema";
import { klientiksPipeline, type KlientiksEventId } from "./klientiks-events";
import { at, EVENT_MESSAGE, withCast } from "./klientiks-mapping";
import { parseHttpUrl, type Check } from "./kit-inputs";
import { postComposedJson } from "./http-step";

export const TELEGRAM_API_URL = "https://api.telegram.org";

export type TelegramParseMode = "HTML" | "none";
export type TelegramKitInput = {
  apiUrl: string;
  credentialName: string;
  chatId: string;
  parseMode: TelegramParseMode;
  klientiksEvent: KlientiksEventId;
};

export function checkBotToken(text: string): Check {
  const t = text.trim().replace(/^bot/, "");
  if (/^\d{3,15}:[A-Za-z0-9_-]{20,}$/.test(t)) return { value: t };
  return {
    error: {
      ru: "Токен бота выглядит так: 123456789:AAH…; его выдаёт @BotFather",
      en: "A bot token looks like 123456789:AAH…; @BotFather issues it",
    },
  };
}

/** A numeric id (groups and channels are negative, -100…) or a public @channelusername. */
export function checkChatId(text: string): Check {
  const t = text.trim();
  if (/^-?\d{1,20}$/.test(t) || /^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(t)) return { value: t };
  return {
    error: {
      ru: "ID чата — число (у групп и каналов отрицательное, например -1001234567890) или @имя_канала",
      en: "A chat id is a number (negative for groups and channels, e.g. -1001234567890) or @channelname",
    },
  };
}

export function checkTelegramApiUrl(text: string): Check {
  const u = parseHttpUrl(text.trim());
  if (!u) return { error: { ru: "Адрес Bot API: нужен адрес http(s)://…", en: "Bot API address: an http(s):// URL is required" } };
  return { value: `${u.origin}${u.pathname.replace(/\/+$/, "")}` };
}

/** The message text template for the event. */
export function telegramText(event: KlientiksEventId, parseMode: TelegramParseMode): string {
  const msg = EVENT_MESSAGE[event];
  if (parseMode === "HTML") {
    return [`<b>${msg.heading}</b>`, ...msg.lines.map(([label, value]) => `<b>${label}:</b> ${withCast(value, "omitEmpty | html")}`)].join("\n");
  }
  return [msg.heading, ...msg.lines.map(([label, value]) => `${label}: ${withCast(value, "omitEmpty")}`)].join("\n");
}

export function buildTelegramMessageDefinition(input: TelegramKitInput): PipelineDefinition {
  const fields = [
    { key: "chat_id", value: input.chatId, type: "string" },
    { key: "text", value: telegramText(input.klientiksEvent, input.parseMode), type: "string" },
    ...(input.parseMode === "HTML" ? [{ key: "parse_mode", value: "HTML", type: "string" }] : []),
  ];
  return klientiksPipeline(input.klientiksEvent, [
    {
      id: "compose_message",
      type: "json-composer",
      name: "Текст сообщения",
      position: at(0),
      config: { mode: "fields", template: "{}", fields, onMissing: "empty" },
    },
    {
      id: "send_message",
      type: "http-request",
      name: "Отправить в Telegram",
      position: at(1),
      // The token is a path segment; renderUrl keeps its ":" and the masker hides it in history.
      config: postComposedJson(
        `${input.apiUrl.replace(/\/+$/, "")}/bot{{credentials[${JSON.stringify(input.credentialName)}]}}/sendMessage`,
        "compose_message",
      ),
    },
    {
      id: "parse_message",
      type: "json-parser",
      name: "ID сообщения",
      position: at(2),
      config: {
        input: "{{steps.send_message.body}}",
        outputs: [{ name: "id сообщения", path: '["result"]["message_id"]', key: "message_id" }],
        onMissing: "fail",
      },
    },
  ]);
}
